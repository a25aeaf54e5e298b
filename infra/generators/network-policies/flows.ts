import type { StackConfig } from "../../config";
import { KPS_FULLNAME, resolveMetrics } from "../metrics/settings";
import { THANOS_PARTS, THANOS_PORTS } from "../thanos/names";

/**
 * The one table of the network flows the platform needs into the namespaces it polices. Every
 * NetworkPolicy is rendered from it (policies.ts); summary.md and the tests read it too.
 *
 * Covered so far: the metrics namespace (Prometheus, Alertmanager, the operator,
 * kube-state-metrics and Thanos). Node-exporter runs on the host network, which NetworkPolicies
 * do not govern; the kubelet's probes come from the node, which they always allow.
 */

export type FlowInput = Pick<StackConfig, "metrics" | "grafana" | "kubernetes">;

/** Pods of one namespace, by the labels the real pods carry. */
export interface Pods {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** Who they are, for summary.md and test messages. */
  what: string;
}

/** Where a flow comes from: pods, or anywhere (a source that is not a pod, such as the API server). */
export type Source = { pods: Pods } | { anywhere: string };

export interface FlowPort {
  port: number;
  protocol: "TCP" | "UDP";
}

export interface Flow {
  /** Unique, a DNS label: the NetworkPolicy's name is `allow-<name>`. */
  name: string;
  from: Source;
  to: Pods;
  ports: readonly FlowPort[];
  why: string;
}

const tcp = (...ports: number[]): FlowPort[] => ports.map((port) => ({ port, protocol: "TCP" }));

/** The ports the platform's pods listen on, as their charts and operators define them. */
export const PORTS = {
  // prometheus-operator: the `web` port of Prometheus and Alertmanager, the config reloader's `reloader-web`.
  prometheus: 9090,
  alertmanager: 9093,
  alertmanagerMesh: 9094,
  reloader: 8080,
  // kube-prometheus-stack: prometheusOperator.tls.internalPort, webhook and metrics (HTTPS) alike.
  operator: 10250,
  // kube-state-metrics chart: service.port / the container's `http`.
  kubeStateMetrics: 8080,
} as const;

/** The pods of each part, by the labels their charts and operators put on them. */
export function platformPods(config: FlowInput) {
  const ns = resolveMetrics(config).namespace;
  const thanos = (part: keyof typeof THANOS_PARTS, what: string): Pods => ({
    namespace: ns,
    labels: { "app.kubernetes.io/name": THANOS_PARTS[part] },
    what,
  });
  return {
    // prometheus-operator labels its StatefulSets' pods with the resource's name.
    prometheus: {
      namespace: ns,
      labels: {
        "app.kubernetes.io/name": "prometheus",
        "operator.prometheus.io/name": `${KPS_FULLNAME}-prometheus`,
      },
      what: "Prometheus",
    },
    alertmanager: {
      namespace: ns,
      labels: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${KPS_FULLNAME}-alertmanager` },
      what: "Alertmanager",
    },
    // kube-prometheus-stack's operator Deployment: `app: <chart name>-operator`, `release`.
    operator: {
      namespace: ns,
      labels: { app: "kube-prometheus-stack-operator", release: KPS_FULLNAME },
      what: "the Prometheus operator",
    },
    kubeStateMetrics: {
      namespace: ns,
      labels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": KPS_FULLNAME },
      what: "kube-state-metrics",
    },
    query: thanos("query", "Thanos Query"),
    queryFrontend: thanos("queryFrontend", "Thanos Query Frontend"),
    storeGateway: thanos("storeGateway", "Thanos Store Gateway"),
    compactor: thanos("compactor", "Thanos Compactor"),
    // The grafana chart's selector labels (release `grafana`).
    grafana: {
      namespace: config.grafana.namespace,
      labels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" },
      what: "Grafana",
    },
  } satisfies Record<string, Pods>;
}

/** The namespaces whose ingress is denied but for the flows below. */
export const policedNamespaces = (config: FlowInput): string[] => [resolveMetrics(config).namespace];

export function flows(config: FlowInput): Flow[] {
  const p = platformPods(config);
  const fromPrometheus = { pods: p.prometheus };
  const scrape = (name: string, to: Pods, ports: FlowPort[], extra = ""): Flow => ({
    name: `scrape-${name}`,
    from: fromPrometheus,
    to,
    ports,
    why: `Prometheus scrapes ${to.what}${extra}`,
  });
  return [
    scrape(
      "prometheus",
      p.prometheus,
      tcp(PORTS.prometheus, PORTS.reloader, THANOS_PORTS.http),
      " (each replica), its config reloader and its Thanos sidecar",
    ),
    scrape("alertmanager", p.alertmanager, tcp(PORTS.reloader), "'s config reloader"),
    scrape("operator", p.operator, tcp(PORTS.operator)),
    scrape("kube-state-metrics", p.kubeStateMetrics, tcp(PORTS.kubeStateMetrics)),
    ...(["query", "queryFrontend", "storeGateway", "compactor"] as const).map((part) =>
      scrape(THANOS_PARTS[part], p[part], tcp(THANOS_PORTS.http)),
    ),
    {
      name: "prometheus-to-alertmanager",
      from: fromPrometheus,
      to: p.alertmanager,
      ports: tcp(PORTS.alertmanager),
      why: "Prometheus sends alerts to Alertmanager (and scrapes it on the same port)",
    },
    {
      name: "grafana-to-alertmanager",
      from: { pods: p.grafana },
      to: p.alertmanager,
      ports: tcp(PORTS.alertmanager),
      why: "Grafana's Alertmanager data source shows alerts and manages silences; no other pod may, since Alertmanager has no authentication",
    },
    {
      name: "alertmanager-gossip",
      from: { pods: p.alertmanager },
      to: p.alertmanager,
      ports: [
        { port: PORTS.alertmanagerMesh, protocol: "TCP" },
        { port: PORTS.alertmanagerMesh, protocol: "UDP" },
      ],
      why: "Alertmanager replicas gossip silences and notifications (mesh, TCP and UDP) so that each alert is sent once",
    },
    {
      name: "grafana-to-query-frontend",
      from: { pods: p.grafana },
      to: p.queryFrontend,
      ports: tcp(THANOS_PORTS.http),
      why: "Grafana's Prometheus data source reads the Query Frontend",
    },
    {
      name: "query-frontend-to-query",
      from: { pods: p.queryFrontend },
      to: p.query,
      ports: tcp(THANOS_PORTS.http),
      why: "the Query Frontend's downstream is Thanos Query",
    },
    {
      name: "query-to-sidecars",
      from: { pods: p.query },
      to: p.prometheus,
      ports: tcp(THANOS_PORTS.grpc),
      why: "Thanos Query reads what Prometheus holds through its sidecar's StoreAPI",
    },
    {
      name: "query-to-store-gateway",
      from: { pods: p.query },
      to: p.storeGateway,
      ports: tcp(THANOS_PORTS.grpc),
      why: "Thanos Query reads the bucket through the Store Gateway's StoreAPI",
    },
    {
      name: "operator-webhook",
      from: {
        anywhere:
          "the API server calls the operator's admission webhook; on EKS it comes from the control plane's network interfaces in the VPC, not from a pod, at addresses no config holds, so the port is open to every source; it serves only TLS admission reviews and the operator's metrics",
      },
      to: p.operator,
      ports: tcp(PORTS.operator),
      why: "the API server validates PrometheusRules and Alertmanager configs through the operator's admission webhook",
    },
  ];
}
