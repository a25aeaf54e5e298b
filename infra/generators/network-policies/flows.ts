import type { StackConfig } from "../../config";
import { ALB_INGRESS_CLASS } from "../../config/endpoint";
import { DEPENDENCY_PROBE_NAME, probesDependencies } from "../dependencies/probes";
import { GOSSIP_PORT, grafanaHighlyAvailable } from "../grafana/availability";
import { SETTINGS_POD_NAME } from "../logging/kubernetes";
import { eckNames, KIBANA_PORT } from "../logging/names";
import { SETTINGS_JOBS, settingsPlans } from "../logging/plan";
import { KPS_FULLNAME, resolveMetrics } from "../metrics/settings";
import { ECK_METRICS_PORT, ECK_OPERATOR_NAMESPACE, ECK_OPERATOR_SELECTOR } from "../platform/eck-operator";
import { EXPORTER_NAME, EXPORTER_PORT } from "../platform/elasticsearch";
import { JSON_EXPORTER_PORT } from "../platform/filebeat";
import { BLACKBOX_NAME, BLACKBOX_PORT } from "../platform/kibana";
import { LOGSTASH_EXPORTER_PORT } from "../platform/logstash";
import { THANOS_PARTS, THANOS_PORTS } from "../thanos/names";

/**
 * The one table of the network flows the platform needs into the namespaces it polices. Every
 * NetworkPolicy is rendered from it (policies.ts); summary.md and the tests read it too.
 *
 * Covered: the metrics namespace (Prometheus, Alertmanager, the operator, kube-state-metrics and
 * Thanos), the logging namespace (Elasticsearch, Kibana, Logstash, the settings Jobs and the
 * exporters), Grafana's, the ECK operator's (`elastic-system`), and the namespaces of node-exporter
 * and Filebeat, which run apart because they need the node itself (infra/generators/pod-security).
 * Node-exporter runs on the host network, which NetworkPolicies do not govern on most CNIs (the VPC
 * CNI's agent among them): its flow is stated all the same, and its namespace denied by default like
 * the others, so that a CNI which does apply them keeps the scrape. The kubelet's probes come from
 * the node, which policies always allow.
 */

/** The whole config: which settings Job reaches Kibana follows from the Jobs' plans. */
export type FlowInput = StackConfig;

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
  // ECK (pkg/controller/{elasticsearch,kibana}/network/ports.go): HTTP, transport, Kibana.
  elasticsearch: 9200,
  elasticsearchTransport: 9300,
  kibana: KIBANA_PORT,
  // eck-operator chart: `webhook.port` (the validating webhook's listener) and our metrics port.
  eckWebhook: 9443,
  eckMetrics: Number(ECK_METRICS_PORT),
  // The Logstash pipeline's `beats` input, behind the Logstash resource's `beats` Service.
  logstashBeats: 5044,
  // prometheus-node-exporter chart: service.port, the container's `http-metrics` (on the host network).
  nodeExporter: 9100,
  // grafana chart: service.targetPort; the alerting gossip of infra/generators/grafana/availability.ts.
  grafana: 3000,
  grafanaGossip: GOSSIP_PORT,
  // The exporters of infra/generators/platform/.
  elasticsearchExporter: EXPORTER_PORT.port,
  blackbox: BLACKBOX_PORT,
  logstashExporter: LOGSTASH_EXPORTER_PORT,
  filebeatExporter: JSON_EXPORTER_PORT,
} as const;

/** The pods of each part, by the labels their charts and operators put on them. */
export function platformPods(config: FlowInput) {
  const metrics = resolveMetrics(config);
  const ns = metrics.namespace;
  const log = config.logging.namespace;
  const eck = eckNames(config);
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
    // The node-exporter subchart's selector labels (its name, the release), in its own namespace.
    nodeExporter: {
      namespace: metrics.nodeExporterNamespace,
      labels: {
        "app.kubernetes.io/name": "prometheus-node-exporter",
        "app.kubernetes.io/instance": KPS_FULLNAME,
      },
      what: "node-exporter",
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
    // ECK labels each resource's pods with its name (elasticsearch.k8s.elastic.co/cluster-name,
    // kibana.k8s.elastic.co/name, logstash.k8s.elastic.co/name, beat.k8s.elastic.co/name).
    elasticsearch: {
      namespace: log,
      labels: { "elasticsearch.k8s.elastic.co/cluster-name": eck.elasticsearch },
      what: "Elasticsearch",
    },
    kibana: { namespace: log, labels: { "kibana.k8s.elastic.co/name": eck.kibana }, what: "Kibana" },
    logstash: { namespace: log, labels: { "logstash.k8s.elastic.co/name": eck.logstash }, what: "Logstash" },
    filebeat: {
      namespace: eck.filebeatNamespace,
      labels: { "beat.k8s.elastic.co/name": eck.filebeat },
      what: "Filebeat",
    },
    settingsJobs: {
      namespace: log,
      labels: { "app.kubernetes.io/name": SETTINGS_POD_NAME },
      what: "the logging settings Jobs",
    },
    elasticsearchExporter: {
      namespace: log,
      labels: { "app.kubernetes.io/name": EXPORTER_NAME },
      what: "the Elasticsearch exporter",
    },
    blackbox: {
      namespace: log,
      labels: { "app.kubernetes.io/name": BLACKBOX_NAME },
      what: "the blackbox exporter",
    },
    // The services' dependency prober (infra/generators/dependencies/), beside Prometheus.
    dependencyProbe: {
      namespace: ns,
      labels: { "app.kubernetes.io/name": DEPENDENCY_PROBE_NAME },
      what: "the dependency-probe blackbox exporter",
    },
    eckOperator: {
      namespace: ECK_OPERATOR_NAMESPACE,
      labels: ECK_OPERATOR_SELECTOR,
      what: "the ECK operator",
    },
  } satisfies Record<string, Pods>;
}

/**
 * Where the requests to an endpoint (Grafana's, Kibana's) come from, as a flow's source: the
 * ingress controller's pods when they are pods in a namespace the config names
 * (kubernetes.ingressControllerNamespace), else any source, saying why.
 */
function endpointSource(
  config: FlowInput,
  endpoint: { hostname?: string; ingressClassName: string } | undefined,
  what: string,
  otherwise: string,
): Source {
  const ns = config.kubernetes.ingressControllerNamespace;
  if (!endpoint?.hostname) return { anywhere: otherwise };
  if (endpoint.ingressClassName === ALB_INGRESS_CLASS)
    return {
      anywhere: `people reach ${what} through its Ingress: the ALB (\`target-type: ip\`) sends from its own addresses in the VPC, not from a pod, and its security group decides who reaches it; ${what} authenticates every request`,
    };
  if (ns === undefined)
    return {
      anywhere: `people reach ${what} through its Ingress: the \`${endpoint.ingressClassName}\` controller runs in a namespace no config holds (kubernetes.ingressControllerNamespace would name it); ${what} authenticates every request`,
    };
  return {
    pods: { namespace: ns, labels: {}, what: `the ingress controller (\`${endpoint.ingressClassName}\`)` },
  };
}

/** The namespaces whose ingress is denied but for the flows below. */
export const policedNamespaces = (config: FlowInput): string[] => [
  resolveMetrics(config).namespace,
  resolveMetrics(config).nodeExporterNamespace,
  config.logging.namespace,
  eckNames(config).filebeatNamespace,
  config.grafana.namespace,
  ECK_OPERATOR_NAMESPACE,
];

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
    scrape(
      "node-exporter",
      p.nodeExporter,
      tcp(PORTS.nodeExporter),
      " on every node (on the host network, where most CNIs, the VPC CNI's agent among them, apply no NetworkPolicy)",
    ),
    ...(["query", "queryFrontend", "storeGateway", "compactor"] as const).map((part) =>
      scrape(THANOS_PARTS[part], p[part], tcp(THANOS_PORTS.http)),
    ),
    // Only where it runs: some service declares a dependency. Its probes go out of the namespace,
    // which these ingress-only policies leave open.
    ...(probesDependencies(config)
      ? [
          scrape(
            DEPENDENCY_PROBE_NAME,
            p.dependencyProbe,
            tcp(PORTS.blackbox),
            ", which probes the services' declared dependencies",
          ),
        ]
      : []),
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
    ...loggingFlows(config, p, scrape),
    ...grafanaFlows(config, p, scrape),
    ...eckOperatorFlows(p, scrape),
  ];
}

type PlatformPods = ReturnType<typeof platformPods>;

/** The logging namespace: the pipeline, Elasticsearch's HTTP port for its few clients, the exporters. */
function loggingFlows(
  config: FlowInput,
  p: PlatformPods,
  scrape: (name: string, to: Pods, ports: FlowPort[], extra?: string) => Flow,
): Flow[] {
  const toElasticsearch = (name: string, from: Pods, why: string): Flow => ({
    name: `${name}-to-elasticsearch`,
    from: { pods: from },
    to: p.elasticsearch,
    ports: tcp(PORTS.elasticsearch),
    why,
  });
  const plans = settingsPlans(config);
  // Only a Job whose plan has Kibana steps calls Kibana (logging/kubernetes.ts, settingsJob).
  const kibanaJobs = SETTINGS_JOBS.filter((j) => plans[j].some((step) => step.target === "kibana"));
  return [
    {
      name: "filebeat-to-logstash",
      from: { pods: p.filebeat },
      to: p.logstash,
      ports: tcp(PORTS.logstashBeats),
      why: "Filebeat, from its own namespace, ships every node's container logs to Logstash's beats input",
    },
    toElasticsearch("logstash", p.logstash, "Logstash writes the log data streams"),
    toElasticsearch("kibana", p.kibana, "Kibana stores its saved objects and runs its searches"),
    toElasticsearch(
      "grafana",
      p.grafana,
      "Grafana's Elasticsearch data source (the read-only `grafana-reader`)",
    ),
    toElasticsearch(
      "settings",
      p.settingsJobs,
      "the settings Jobs apply templates, ILM policies, pipelines, roles and snapshots",
    ),
    toElasticsearch(
      "exporter",
      p.elasticsearchExporter,
      "the Elasticsearch exporter reads cluster, ILM and SLM stats",
    ),
    toElasticsearch(
      "eck-operator",
      p.eckOperator,
      "the ECK operator manages the cluster through its API (settings, shard allocation during upgrades, licence, users)",
    ),
    {
      name: "elasticsearch-transport",
      from: { pods: p.elasticsearch },
      to: p.elasticsearch,
      ports: tcp(PORTS.elasticsearchTransport),
      why: "Elasticsearch nodes talk to each other over the transport port (cluster state, replication, recovery)",
    },
    ...kibanaJobs.map(
      (job): Flow => ({
        name: `${job}-job-to-kibana`,
        from: {
          pods: {
            ...p.settingsJobs,
            labels: { ...p.settingsJobs.labels, "app.kubernetes.io/component": job },
            what: `the ${job} Job`,
          },
        },
        to: p.kibana,
        ports: tcp(PORTS.kibana),
        why: `the ${job} Job creates Kibana's data views and saved searches through its API`,
      }),
    ),
    {
      name: "blackbox-to-kibana",
      from: { pods: p.blackbox },
      to: p.kibana,
      ports: tcp(PORTS.kibana),
      why: "the blackbox exporter probes Kibana's /api/status for Prometheus",
    },
    // Exposed (logging.kibana.endpoint): its Ingress's controller. Otherwise people use `kubectl
    // port-forward`, which enters the pod's own network namespace, where no policy applies.
    ...(config.logging.kibana.endpoint
      ? [
          {
            name: "kibana-http",
            from: endpointSource(config, config.logging.kibana.endpoint, "Kibana", ""),
            to: p.kibana,
            ports: tcp(PORTS.kibana),
            why: "people's Kibana (web UI and API, HTTPS), through its Ingress",
          },
        ]
      : []),
    scrape("elasticsearch-exporter", p.elasticsearchExporter, tcp(PORTS.elasticsearchExporter)),
    scrape("blackbox", p.blackbox, tcp(PORTS.blackbox), ", which probes Kibana"),
    scrape("logstash", p.logstash, tcp(PORTS.logstashExporter), "'s exporter sidecar"),
    scrape("filebeat", p.filebeat, tcp(PORTS.filebeatExporter), "'s JSON exporter sidecar"),
  ];
}

/**
 * Grafana's namespace: its HTTP port, and the alerting gossip between replicas when highly
 * available. Without a hostname the Pulumi provider calls the in-cluster Service from wherever
 * `pulumi up` runs; through an ingress controller whose namespace the config names, only that
 * controller (and Prometheus, which scrapes the same port) reaches it.
 */
function grafanaFlows(
  config: FlowInput,
  p: PlatformPods,
  scrape: (name: string, to: Pods, ports: FlowPort[], extra?: string) => Flow,
): Flow[] {
  const from = endpointSource(
    config,
    config.grafana,
    "Grafana",
    "people and the Pulumi provider reach Grafana through the in-cluster Service, from wherever `pulumi up` runs in the cluster (docs/design/grafana.md), a namespace no config holds; Grafana authenticates every request (no anonymous access)",
  );
  return [
    {
      name: "grafana-http",
      from,
      to: p.grafana,
      ports: tcp(PORTS.grafana),
      why:
        "anywhere" in from
          ? "Grafana's web UI and API, through its Service (Prometheus scrapes /metrics on the same port)"
          : "Grafana's web UI and API, through its Ingress",
    },
    ...("anywhere" in from ? [] : [scrape("grafana", p.grafana, tcp(PORTS.grafana))]),
    ...(grafanaHighlyAvailable(config)
      ? [
          {
            name: "grafana-gossip",
            from: { pods: p.grafana },
            to: p.grafana,
            ports: [
              { port: PORTS.grafanaGossip, protocol: "TCP" },
              { port: PORTS.grafanaGossip, protocol: "UDP" },
            ] as FlowPort[],
            why: "Grafana replicas gossip alerting state (memberlist, TCP and UDP) so that each notification goes out once",
          },
        ]
      : []),
  ];
}

/**
 * The ECK operator's namespace (`elastic-system`, its release's): the API server calls its
 * validating webhook, Prometheus scrapes its metrics; nothing else calls it.
 */
function eckOperatorFlows(
  p: PlatformPods,
  scrape: (name: string, to: Pods, ports: FlowPort[], extra?: string) => Flow,
): Flow[] {
  return [
    {
      name: "eck-operator-webhook",
      from: {
        anywhere:
          "the API server calls the operator's validating webhook; on EKS it comes from the control plane's network interfaces in the VPC, not from a pod, at addresses no config holds, so the port is open to every source; it serves only TLS admission reviews",
      },
      to: p.eckOperator,
      ports: tcp(PORTS.eckWebhook),
      why: "the API server validates Elasticsearch, Kibana, Logstash and Beat resources through the ECK operator's admission webhook",
    },
    scrape("eck-operator", p.eckOperator, tcp(PORTS.eckMetrics)),
  ];
}
