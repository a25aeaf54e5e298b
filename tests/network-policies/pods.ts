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
    nodeExporterPod(r),
  ];
}

/**
 * The node-exporter subchart's pod: its selector labels (`prometheus-node-exporter.selectorLabels`:
 * the chart's name and the release), its port `http-metrics` 9100 (on the host network), in the
 * namespace `prometheus-node-exporter.namespaceOverride` names, else the release's.
 */
export function nodeExporterPod(r: Json): Pod {
  const ns: string = r.values["prometheus-node-exporter"]?.namespaceOverride || r.namespace;
  return {
    id: `${ns}/node-exporter`,
    namespace: ns,
    labels: { "app.kubernetes.io/name": "prometheus-node-exporter", "app.kubernetes.io/instance": r.name },
    ports: [{ name: "http-metrics", port: 9100, protocol: "TCP" }],
  };
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

const ofKind = (result: RenderResult, kind: string): Json[] =>
  result.resources
    .filter(
      (r) =>
        r.type.startsWith("kubernetes:") &&
        r.type.endsWith(`:${kind}`) &&
        r.type.includes(".k8s.elastic.co/"),
    )
    .map((r) => r.inputs as Json);

const podTemplatePorts = (template: Json | undefined): Port[] => containerPorts(template?.spec ?? {});

/**
 * The pods ECK makes from the rendered Elasticsearch, Kibana, Logstash and Beat resources, per its
 * source (elastic/cloud-on-k8s): the identity labels `common.k8s.elastic.co/type` and
 * `elasticsearch.k8s.elastic.co/cluster-name` / `kibana.k8s.elastic.co/name` /
 * `logstash.k8s.elastic.co/name` / `beat.k8s.elastic.co/name`, merged with the podTemplate's labels;
 * the default container ports (pkg/controller/elasticsearch/nodespec/podspec.go: `https` 9200 with
 * TLS and `transport` 9300; pkg/controller/kibana/pod.go: `https` 5601; pkg/controller/logstash/pod.go:
 * `http` 9600), the podTemplate's own containers' ports (the exporter sidecars), and for Logstash
 * the target ports of its `services` (the pipeline's inputs listen there).
 */
function eckPods(result: RenderResult): Pod[] {
  const pods: Pod[] = [];
  for (const es of ofKind(result, "Elasticsearch"))
    for (const set of es.spec.nodeSets as Json[])
      pods.push({
        id: `${es.metadata.namespace}/elasticsearch-${set.name}`,
        namespace: es.metadata.namespace,
        labels: {
          ...(set.podTemplate?.metadata?.labels ?? {}),
          "common.k8s.elastic.co/type": "elasticsearch",
          "elasticsearch.k8s.elastic.co/cluster-name": es.metadata.name,
          "elasticsearch.k8s.elastic.co/statefulset-name": `${es.metadata.name}-es-${set.name}`,
        },
        ports: [
          {
            name: es.spec.http?.tls?.selfSignedCertificate?.disabled ? "http" : "https",
            port: 9200,
            protocol: "TCP",
          },
          { name: "transport", port: 9300, protocol: "TCP" },
          ...podTemplatePorts(set.podTemplate),
        ],
      });
  for (const kb of ofKind(result, "Kibana"))
    pods.push({
      id: `${kb.metadata.namespace}/kibana`,
      namespace: kb.metadata.namespace,
      labels: {
        ...(kb.spec.podTemplate?.metadata?.labels ?? {}),
        "common.k8s.elastic.co/type": "kibana",
        "kibana.k8s.elastic.co/name": kb.metadata.name,
      },
      ports: [{ name: "https", port: 5601, protocol: "TCP" }, ...podTemplatePorts(kb.spec.podTemplate)],
    });
  for (const ls of ofKind(result, "Logstash"))
    pods.push({
      id: `${ls.metadata.namespace}/logstash`,
      namespace: ls.metadata.namespace,
      labels: {
        ...(ls.spec.podTemplate?.metadata?.labels ?? {}),
        "common.k8s.elastic.co/type": "logstash",
        "logstash.k8s.elastic.co/name": ls.metadata.name,
        "logstash.k8s.elastic.co/statefulset-name": `${ls.metadata.name}-ls`,
      },
      ports: [
        { name: "http", port: 9600, protocol: "TCP" },
        ...((ls.spec.services ?? []) as Json[]).flatMap((svc) =>
          ((svc.service?.spec?.ports ?? []) as Json[]).map((p) => ({
            name: p.name,
            port: p.targetPort ?? p.port,
            protocol: p.protocol ?? "TCP",
          })),
        ),
        ...podTemplatePorts(ls.spec.podTemplate),
      ],
    });
  for (const beat of ofKind(result, "Beat")) {
    const template = beat.spec.daemonSet?.podTemplate ?? beat.spec.deployment?.podTemplate;
    pods.push({
      id: `${beat.metadata.namespace}/${beat.spec.type}`,
      namespace: beat.metadata.namespace,
      labels: {
        ...(template?.metadata?.labels ?? {}),
        "common.k8s.elastic.co/type": "beat",
        "beat.k8s.elastic.co/name": beat.metadata.name,
      },
      ports: podTemplatePorts(template),
    });
  }
  return pods;
}

/** The ECK operator's pod: the eck-operator chart's selector labels (`eck-operator.selectorLabels`: name and instance `elastic-operator`). */
function eckOperatorPods(result: RenderResult): Pod[] {
  const r = release(result, "eck-operator").inputs;
  return [
    {
      id: `${r.namespace}/elastic-operator`,
      namespace: r.namespace,
      labels: {
        "app.kubernetes.io/name": "elastic-operator",
        "app.kubernetes.io/instance": r.name,
      },
      ports: [
        { name: "https-webhook", port: 9443, protocol: "TCP" },
        { name: "metrics", port: Number(r.values.config?.metrics?.port ?? 0), protocol: "TCP" },
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

/**
 * The ingress controller's pod, where the config names its namespace
 * (kubernetes.ingressControllerNamespace): ingress-nginx's controller, labelled as its chart's
 * selector labels do (`app.kubernetes.io/name: ingress-nginx`, `app.kubernetes.io/component:
 * controller`). It receives nothing of ours.
 */
export function ingressControllerPods(result: RenderResult): Pod[] {
  const ns = result.config.kubernetes.ingressControllerNamespace;
  if (ns === undefined) return [];
  return [
    {
      id: `${ns}/ingress-nginx-controller`,
      namespace: ns,
      labels: {
        "app.kubernetes.io/name": "ingress-nginx",
        "app.kubernetes.io/instance": "ingress-nginx",
        "app.kubernetes.io/component": "controller",
      },
      ports: [],
    },
  ];
}

export function stackPods(result: RenderResult): Pod[] {
  return [
    ...workloadPods(result),
    ...kpsPods(result),
    ...grafanaPods(result),
    ...eckPods(result),
    ...eckOperatorPods(result),
    ...ingressControllerPods(result),
    applicationPod(result),
  ];
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
  const g = release(result, "grafana").inputs;
  const grafanaValues = chartFile("grafana", g.version, "values.yaml") as Json;
  const [grafana] = grafanaPods(result);
  const eckService = (
    kind: string,
    suffix: string,
    labels: (cr: Json) => Record<string, string>,
    ports: ServiceModel["ports"],
  ) =>
    ofKind(result, kind).map((cr) => ({
      namespace: cr.metadata.namespace as string,
      name: `${cr.metadata.name}-${suffix}`,
      selector: labels(cr),
      ports,
    }));
  const logstashServices = ofKind(result, "Logstash").flatMap((ls) =>
    ((ls.spec.services ?? []) as Json[])
      .filter((svc) => svc.service?.spec?.ports)
      .map((svc) => ({
        namespace: ls.metadata.namespace as string,
        name: `${ls.metadata.name}-ls-${svc.name}`,
        selector: {
          "common.k8s.elastic.co/type": "logstash",
          "logstash.k8s.elastic.co/name": ls.metadata.name,
        },
        ports: (svc.service.spec.ports as Json[]).map((p) => ({
          name: p.name,
          port: p.port,
          targetPort: p.targetPort ?? p.port,
        })),
      })),
  );
  return [
    ...own,
    // The grafana chart's Service: `<fullname>`, port `service.portName` (default `service`) to `service.targetPort`.
    {
      namespace: g.namespace,
      name: g.name,
      selector: {
        "app.kubernetes.io/name": grafana!.labels["app.kubernetes.io/name"]!,
        "app.kubernetes.io/instance": g.name,
      },
      ports: [
        {
          name: g.values.service?.portName ?? grafanaValues.service.portName ?? "service",
          port: g.values.service?.port ?? grafanaValues.service.port,
          targetPort: g.values.service?.targetPort ?? grafanaValues.service.targetPort,
        },
      ],
    },
    // ECK's Services: `<name>-es-http` (9200), `<name>-kb-http` (5601), and Logstash's `<name>-ls-<service>`.
    ...eckService(
      "Elasticsearch",
      "es-http",
      (cr) => ({
        "common.k8s.elastic.co/type": "elasticsearch",
        "elasticsearch.k8s.elastic.co/cluster-name": cr.metadata.name,
      }),
      [{ name: "https", port: 9200, targetPort: 9200 }],
    ),
    ...eckService(
      "Kibana",
      "kb-http",
      (cr) => ({ "common.k8s.elastic.co/type": "kibana", "kibana.k8s.elastic.co/name": cr.metadata.name }),
      [{ name: "https", port: 5601, targetPort: 5601 }],
    ),
    ...logstashServices,
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
