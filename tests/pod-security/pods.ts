import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { type K8sObject, renderChart } from "../helpers/charts";
import type { Container, PodLike, PodSpec } from "../helpers/pod-security";

/**
 * Every pod a rendered stack runs, as the API server would admit it: the pod templates of the
 * program's own workloads, of the charts (rendered by the real Helm from their committed files, with
 * the values each release sets), and of the operators (ECK from the rendered custom resources,
 * prometheus-operator from the Prometheus and Alertmanager resources the chart renders), each with
 * what the operator adds, per its source (cited below).
 */

/** Rendered inputs: untyped JSON, read as the Kubernetes objects they are. */
// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON
type Json = Record<string, any>;

export interface RenderedPod {
  /** `<namespace>/<kind>/<name>[/<part>]`, for messages. */
  id: string;
  namespace: string;
  /** Who makes the pod: the program's own workload, a chart's, or an operator's from a resource. */
  from: "program" | "chart" | "eck" | "prometheus-operator";
  pod: PodLike;
  /** The containers the program itself defines in it (its workloads, sidecars, init containers). */
  own: string[];
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job"];

/** The pod template of a workload object, if it is one. */
function template(o: Json): Json | undefined {
  if (WORKLOADS.includes(o.kind)) return o.spec?.template;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template;
  return undefined;
}

const kindOf = (r: RecordedResource): string => r.type.split(":").at(-1) ?? "";
const podOf = (t: Json): PodLike => ({ metadata: t.metadata ?? {}, spec: (t.spec ?? {}) as PodSpec });
const containerNames = (spec: PodSpec): string[] =>
  [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name ?? "");

/** The program's Deployments, StatefulSets, DaemonSets, Jobs and CronJobs. */
function programPods(result: RenderResult): RenderedPod[] {
  return result.resources.flatMap((r) => {
    if (!r.type.startsWith("kubernetes:")) return [];
    const o: Json = { ...(r.inputs as Json), kind: kindOf(r) };
    const t = template(o);
    if (!t) return [];
    const ns = o.metadata.namespace as string;
    return [
      {
        id: `${ns}/${o.kind}/${o.metadata.name}`,
        namespace: ns,
        from: "program" as const,
        pod: podOf(t),
        own: containerNames(t.spec ?? {}),
      },
    ];
  });
}

/**
 * The containers ECK adds to each product's pods, by name (elastic/cloud-on-k8s v3.5.0):
 * pkg/controller/elasticsearch/initcontainer/initcontainer.go (NewInitContainers: the filesystem
 * and suspend init containers; the keystore one only with `secureSettings`),
 * pkg/controller/kibana/volume/volume.go (InitContainerName), pkg/controller/logstash/initcontainer.go
 * (InitConfigContainerName), each product's main container (the podTemplate's container of that name
 * is its base). Stack-monitoring sidecars come only with `monitoring`. ECK merges each into the
 * template's container of the same name and keeps that container's security context
 * (pkg/controller/common/defaults/pod_template.go: WithInitContainers; its defaults fill only
 * contexts the template leaves empty, which this model does not count on).
 */
export const ECK_CONTAINERS: Record<string, { main: string; init: string[] }> = {
  Elasticsearch: {
    main: "elasticsearch",
    init: ["elastic-internal-init-filesystem", "elastic-internal-suspend"],
  },
  Kibana: { main: "kibana", init: ["elastic-internal-init"] },
  Logstash: { main: "logstash", init: ["logstash-internal-init-config"] },
  Beat: { main: "", init: [] },
};

/**
 * A pod ECK builds from a template: the template, with the containers ECK adds where the template
 * has none of that name (they then have no security context here), and for a Beat the `beat-data`
 * hostPath volume (pkg/controller/beat/common/pod.go, createDataVolume) unless the template names
 * that volume. ECK's other volumes are secrets, config maps, emptyDirs, downward API and claims.
 */
function eckPod(kind: string, spec: Json, tpl: Json | undefined): { pod: PodLike; own: string[] } {
  const added = ECK_CONTAINERS[kind]!;
  const main = kind === "Beat" ? spec.type : added.main;
  const base = (tpl?.spec ?? {}) as PodSpec;
  const ensure = (list: Container[] | undefined, names: string[]): Container[] => [
    ...names.filter((n) => !(list ?? []).some((c) => c.name === n)).map((name) => ({ name })),
    ...(list ?? []),
  ];
  const volumes = [...(base.volumes ?? [])];
  if (kind === "Beat" && !volumes.some((v) => v.name === "beat-data"))
    volumes.push({ name: "beat-data", hostPath: { path: "/var/lib/<namespace>/<name>/<type>-data" } });
  const pod: PodLike = {
    metadata: tpl?.metadata ?? {},
    spec: {
      ...base,
      initContainers: ensure(base.initContainers, added.init),
      containers: ensure(base.containers, [main]),
      volumes,
    },
  };
  const theirs = new Set([main, ...added.init]);
  return { pod, own: containerNames(base).filter((n) => !theirs.has(n)) };
}

/** The pods of the rendered Elasticsearch, Kibana, Logstash and Beat resources. */
function eckPods(result: RenderResult): RenderedPod[] {
  return result.resources.flatMap((r) => {
    if (!r.type.includes(".k8s.elastic.co/")) return [];
    const kind = kindOf(r);
    const cr = r.inputs as Json;
    const ns = cr.metadata.namespace as string;
    const templates: [string, Json | undefined][] =
      kind === "Elasticsearch"
        ? (cr.spec.nodeSets as Json[]).map((set) => [set.name, set.podTemplate])
        : kind === "Beat"
          ? [["", cr.spec.daemonSet?.podTemplate ?? cr.spec.deployment?.podTemplate]]
          : [["", cr.spec.podTemplate]];
    return templates.map(([part, tpl]) => ({
      id: `${ns}/${kind}/${cr.metadata.name}${part ? `/${part}` : ""}`,
      namespace: ns,
      from: "eck" as const,
      ...eckPod(kind, cr.spec, tpl),
    }));
  });
}

/**
 * The container context prometheus-operator gives each container it makes (v0.93.0:
 * pkg/prometheus/server/statefulset.go `prometheus` and `thanos-sidecar`,
 * pkg/alertmanager/statefulset.go `alertmanager`, pkg/operator/config_reloader.go
 * `config-reloader` and `init-config-reloader`): no escalation, read-only root, all capabilities
 * dropped. The pod's context is the resource's `spec.securityContext`; its volumes are config maps,
 * secrets, emptyDirs and the storage claim, plus the resource's `spec.volumes`.
 */
const OPERATOR_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

function prometheusOperatorPods(objects: K8sObject[], releaseNs: string): RenderedPod[] {
  return objects.flatMap((o) => {
    const cr = o as Json;
    if (cr.kind !== "Prometheus" && cr.kind !== "Alertmanager") return [];
    const main = cr.kind === "Prometheus" ? "prometheus" : "alertmanager";
    const names = [
      main,
      "config-reloader",
      ...(cr.kind === "Prometheus" && cr.spec.thanos ? ["thanos-sidecar"] : []),
    ];
    // Containers of the resource itself would be merged over the operator's (strategic merge).
    if (cr.spec.containers || cr.spec.initContainers)
      throw new Error(`${cr.kind} ${cr.metadata.name} sets containers of its own: model them`);
    const ns = cr.metadata.namespace ?? releaseNs;
    return [
      {
        id: `${ns}/${cr.kind}/${cr.metadata.name}`,
        namespace: ns,
        from: "prometheus-operator" as const,
        own: [],
        pod: {
          metadata: { annotations: cr.spec.podMetadata?.annotations },
          spec: {
            securityContext: cr.spec.securityContext,
            hostNetwork: cr.spec.hostNetwork,
            volumes: cr.spec.volumes ?? [],
            initContainers: [{ name: "init-config-reloader", securityContext: OPERATOR_CONTAINER_SECURITY }],
            containers: names.map((name) => ({ name, securityContext: OPERATOR_CONTAINER_SECURITY })),
          } as PodSpec,
        },
      },
    ];
  });
}

/** Each Helm release rendered by the real Helm from the chart's committed files, with its values. */
export function chartRenders(result: RenderResult): { release: Json; objects: K8sObject[] }[] {
  return result.resources
    .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
    .map((r) => {
      const release = r.inputs as Json;
      return {
        release,
        objects: renderChart({
          chart: release.chart,
          version: release.version,
          name: release.name,
          namespace: release.namespace,
          values: release.values,
        }),
      };
    });
}

/** The pods of the charts' workloads, and those prometheus-operator makes from the chart's resources. */
export function chartPods(renders: ReturnType<typeof chartRenders>): RenderedPod[] {
  return renders.flatMap(({ release, objects }) => [
    ...objects.flatMap((o) => {
      const t = template(o as Json);
      if (!t) return [];
      const ns = o.metadata?.namespace ?? release.namespace;
      return [
        {
          id: `${ns}/${o.kind}/${o.metadata?.name}`,
          namespace: ns,
          from: "chart" as const,
          pod: podOf(t),
          own: [],
        },
      ];
    }),
    ...prometheusOperatorPods(objects, release.namespace),
  ]);
}

export function stackPods(result: RenderResult, renders = chartRenders(result)): RenderedPod[] {
  return [...programPods(result), ...eckPods(result), ...chartPods(renders)];
}

/** The Namespaces the stack creates or labels (a NamespacePatch), with their labels and annotations. */
export function stackNamespaces(
  result: RenderResult,
): { name: string; labels: Record<string, string>; annotations: Record<string, string> }[] {
  return result.resources
    .filter(
      (r) => r.type === "kubernetes:core/v1:Namespace" || r.type === "kubernetes:core/v1:NamespacePatch",
    )
    .map((r) => {
      const m = (r.inputs as Json).metadata;
      return { name: m.name, labels: m.labels ?? {}, annotations: m.annotations ?? {} };
    });
}
