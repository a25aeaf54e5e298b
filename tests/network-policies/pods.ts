import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import type { Pod, Port } from "./evaluator";

/**
 * The pods of a rendered stack, as the evaluator sees them: the workloads the program renders
 * (their pod templates' labels and container ports), and the pods the charts and operators make
 * from the rendered releases, named and labelled from the release's values and the committed
 * chart files (tests/data/charts/) and, for what an operator adds, from its source (cited).
 */

const CHARTS = join(__dirname, "../data/charts");
const chartFile = (chart: string, version: string, file: string) =>
  parse(readFileSync(join(CHARTS, chart, version, file), "utf8")) as Record<string, unknown>;

/** Rendered inputs: untyped JSON, read as the Kubernetes objects they are. */
// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON
export type Json = Record<string, any>;

const WORKLOADS = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:batch/v1:Job",
];

const containerPorts = (spec: Json): Port[] =>
  ((spec.containers ?? []) as Json[]).flatMap((c) =>
    ((c.ports ?? []) as Json[]).map((p) => ({
      name: p.name,
      port: p.containerPort,
      protocol: p.protocol ?? "TCP",
    })),
  );

export function release(result: RenderResult, chart: string): { inputs: Json } & RecordedResource {
  const r = result.resources.find(
    (x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.inputs as Json).chart === chart,
  );
  if (!r) throw new Error(`no release of ${chart}`);
  return r as { inputs: Json } & RecordedResource;
}

/** Pods of the program's own Deployments, StatefulSets and Jobs. */
function workloadPods(result: RenderResult): Pod[] {
  return result.resources
    .filter((r) => WORKLOADS.includes(r.type))
    .map((r) => {
      const i = r.inputs as Json;
      return {
        id: `${i.metadata.namespace}/${i.metadata.name}`,
        namespace: i.metadata.namespace,
        labels: i.spec.template.metadata?.labels ?? {},
        ports: containerPorts(i.spec.template.spec),
      };
    });
}

/**
 * kube-prometheus-stack's pods. The operator Deployment's labels (`app: <chart name>-operator`,
 * `release`) are the chart's (templates/prometheus-operator/deployment.yaml), its port
 * `prometheusOperator.tls.internalPort`; kube-state-metrics's are its subchart's selector labels
 * and port `http` 8080. Prometheus and Alertmanager pods are the operator's: prometheus-operator
 * labels them `app.kubernetes.io/name`, `app.kubernetes.io/instance`, `app.kubernetes.io/managed-by`,
 * `operator.prometheus.io/name`/`shard` and `prometheus: <name>` (pkg/prometheus/server/statefulset.go),
 * `alertmanager: <name>` (pkg/alertmanager/statefulset.go), with the ports `web`, `reloader-web`,
 * the Thanos sidecar's `grpc`/`http` and Alertmanager's `mesh-tcp`/`mesh-udp`.
 */
function kpsPods(result: RenderResult): Pod[] {
  const r = release(result, "kube-prometheus-stack").inputs;
  const values = chartFile("kube-prometheus-stack", r.version, "values.yaml") as Json;
  const chartName = chartFile("kube-prometheus-stack", r.version, "Chart.yaml").name as string;
  const ns: string = r.namespace;
  const fullname: string = r.values.fullnameOverride ?? `${r.name}-${chartName}`;
  const prometheus = `${fullname}-prometheus`;
  const alertmanager = `${fullname}-alertmanager`;
  const operatorPort: number =
    r.values.prometheusOperator?.tls?.internalPort ?? values.prometheusOperator.tls.internalPort;
  const sidecar: Port[] = r.values.prometheus?.prometheusSpec?.thanos
    ? [
        { name: "grpc", port: 10901, protocol: "TCP" },
        { name: "http", port: 10902, protocol: "TCP" },
      ]
    : [];
  const reloader: Port = { name: "reloader-web", port: 8080, protocol: "TCP" };
  const operatorLabels = (name: string, instance: string) => ({
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/managed-by": "prometheus-operator",
  });
  return [
    {
      id: `${ns}/prometheus`,
      namespace: ns,
      labels: {
        ...operatorLabels("prometheus", prometheus),
        "operator.prometheus.io/name": prometheus,
        "operator.prometheus.io/shard": "0",
        prometheus,
      },
      ports: [{ name: "web", port: 9090, protocol: "TCP" }, reloader, ...sidecar],
    },
    {
      id: `${ns}/alertmanager`,
      namespace: ns,
      labels: { ...operatorLabels("alertmanager", alertmanager), alertmanager },
      ports: [
        { name: "web", port: 9093, protocol: "TCP" },
        { name: "mesh-tcp", port: 9094, protocol: "TCP" },
        { name: "mesh-udp", port: 9094, protocol: "UDP" },
        reloader,
      ],
    },
    {
      id: `${ns}/prometheus-operator`,
      namespace: ns,
      labels: { app: `${chartName}-operator`, release: r.name },
      ports: [{ name: "https", port: operatorPort, protocol: "TCP" }],
    },
    {
      id: `${ns}/kube-state-metrics`,
      namespace: ns,
      labels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": r.name },
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    },
  ];
}

/** Grafana's pods: the chart's selector labels (chart name, release) and `podLabels`, its port, the HA gossip port. */
function grafanaPods(result: RenderResult): Pod[] {
  const r = release(result, "grafana").inputs;
  const values = chartFile("grafana", r.version, "values.yaml") as Json;
  const chartName = chartFile("grafana", r.version, "Chart.yaml").name as string;
  const gossip = /:(\d+)$/.exec(r.values["grafana.ini"]?.unified_alerting?.ha_listen_address ?? "")?.[1];
  return [
    {
      id: `${r.namespace}/grafana`,
      namespace: r.namespace,
      labels: {
        "app.kubernetes.io/name": chartName,
        "app.kubernetes.io/instance": r.name,
        ...(r.values.podLabels ?? {}),
      },
      ports: [
        { name: "grafana", port: r.values.service?.targetPort ?? values.service.targetPort, protocol: "TCP" },
        ...(gossip
          ? ([
              { name: "gossip-tcp", port: Number(gossip), protocol: "TCP" },
              { name: "gossip-udp", port: Number(gossip), protocol: "UDP" },
            ] as Port[])
          : []),
      ],
    },
  ];
}

/** An application pod: the first configured service's, as its rendered ServiceMonitor selects it. */
export function applicationPod(result: RenderResult): Pod {
  const svc = result.config.services[0];
  const sm = result.resources.find(
    (x) =>
      x.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" &&
      (x.inputs as Json).metadata.name === svc?.name,
  );
  if (!svc || !sm) throw new Error("no ServiceMonitor of a configured service");
  const spec = (sm.inputs as Json).spec;
  return {
    id: `${spec.namespaceSelector.matchNames[0]}/application`,
    namespace: spec.namespaceSelector.matchNames[0],
    labels: spec.selector.matchLabels,
    ports: [{ name: "metrics", port: 8080, protocol: "TCP" }],
  };
}

export function stackPods(result: RenderResult): Pod[] {
  return [...workloadPods(result), ...kpsPods(result), ...grafanaPods(result), applicationPod(result)];
}

/**
 * Services the charts and the operator make, which the rendered URLs name: the Alertmanager
 * Service (chart: selects `app.kubernetes.io/name: alertmanager`, `alertmanager: <name>`) and the
 * operator's governing `prometheus-operated` (selects `app.kubernetes.io/name: prometheus`).
 */
export interface ServiceModel {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: number | string }[];
}

export function stackServices(result: RenderResult): ServiceModel[] {
  const own = result.resources
    .filter((r) => r.type === "kubernetes:core/v1:Service")
    .map((r) => {
      const i = r.inputs as Json;
      return {
        namespace: i.metadata.namespace,
        name: i.metadata.name,
        selector: i.spec.selector,
        ports: i.spec.ports,
      };
    });
  const kps = kpsPods(result);
  const am = kps[1]!;
  const r = release(result, "kube-prometheus-stack").inputs;
  return [
    ...own,
    {
      namespace: r.namespace,
      name: am.labels.alertmanager!,
      selector: { "app.kubernetes.io/name": "alertmanager", alertmanager: am.labels.alertmanager! },
      ports: [{ name: "http-web", port: 9093, targetPort: 9093 }],
    },
    {
      namespace: r.namespace,
      name: "prometheus-operated",
      selector: { "app.kubernetes.io/name": "prometheus" },
      ports: [
        { name: "web", port: 9090, targetPort: "web" },
        { name: "grpc", port: 10901, targetPort: "grpc" },
      ],
    },
  ];
}
