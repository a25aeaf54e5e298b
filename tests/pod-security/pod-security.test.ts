import { describe, expect, it } from "vitest";
import {
  POD_SECURITY_LABEL,
  POD_SECURITY_REASON,
  POD_SECURITY_VERSION,
  podSecurityTable,
} from "../../infra/generators/pod-security";
import type { RenderResult } from "../../scripts/lib/render-files";
import { renderChart } from "../helpers/charts";
import {
  admits,
  EVALUATOR_VERSION,
  type Level,
  LEVELS,
  type PodLike,
  strictestLevel,
  violations,
} from "../helpers/pod-security";
import { rendered, STACKS } from "../helpers/render";
import { chartRenders, ECK_CONTAINERS, type RenderedPod, stackNamespaces, stackPods } from "./pods";

/**
 * Pod Security on the rendered stacks: every pod the stack runs (its own workloads, the charts'
 * rendered by the real Helm, the operators' from the rendered resources; tests/pod-security/pods.ts)
 * against the standard its namespace enforces, with the offline evaluator calibrated on the
 * reference's fixtures (fixtures.test.ts).
 */

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON
type Json = Record<string, any>;

const label = (mode: string) => `${POD_SECURITY_LABEL}/${mode}`;
const describePod = (p: RenderedPod, level: Level) =>
  `${p.id}: ${violations(p.pod, level)
    .map((v) => `${v.check} (${v.detail})`)
    .join("; ")}`;

describe.each(STACKS)("pod security of %s", (stack) => {
  let cache: { result: RenderResult; renders: ReturnType<typeof chartRenders>; pods: RenderedPod[] };
  const s = () => {
    if (!cache) {
      const result = rendered(stack);
      const renders = chartRenders(result);
      cache = { result, renders, pods: stackPods(result, renders) };
    }
    return cache;
  };
  const enforced = () =>
    new Map(stackNamespaces(s().result).map((n) => [n.name, n.labels[label("enforce")] as Level]));

  it("labels every namespace it creates with the table's levels, the pinned version and the reason", () => {
    const namespaces = stackNamespaces(s().result);
    const table = podSecurityTable(s().result.config);
    expect(namespaces.map((n) => n.name).sort()).toEqual(table.map((t) => t.namespace).sort());
    for (const n of namespaces) {
      const entry = table.find((t) => t.namespace === n.name)!;
      expect(n.labels, n.name).toMatchObject({
        [label("enforce")]: entry.enforce,
        [label("enforce-version")]: POD_SECURITY_VERSION,
        [label("warn")]: entry.report,
        [label("warn-version")]: "latest",
        [label("audit")]: entry.report,
        [label("audit-version")]: "latest",
      });
      expect(LEVELS).toContain(n.labels[label("enforce")]);
      expect(n.annotations[POD_SECURITY_REASON], n.name).toBe(entry.why);
    }
    // The version enforced is the one the offline evaluator implements.
    expect(POD_SECURITY_VERSION).toBe(EVALUATOR_VERSION);
  });

  it("finds every pod: the program's, the charts', ECK's and prometheus-operator's", () => {
    const { pods, result } = s();
    const c = result.config;
    const ids = pods.map((p) => p.id);
    const has = (re: RegExp) =>
      expect(
        ids.filter((id) => re.test(id)),
        String(re),
      ).not.toEqual([]);
    has(new RegExp(`^${c.metrics.namespace}/Deployment/thanos-query$`));
    has(new RegExp(`^${c.logging.namespace}/Job/`));
    has(new RegExp(`^${c.logging.namespace}/Deployment/elasticsearch-exporter$`));
    has(new RegExp(`^${c.logging.namespace}/Elasticsearch/`));
    has(new RegExp(`^${c.logging.namespace}/Kibana/`));
    has(new RegExp(`^${c.logging.namespace}/Logstash/`));
    has(new RegExp(`^${c.logging.namespace}-filebeat/Beat/`));
    has(new RegExp(`^${c.metrics.namespace}-node-exporter/DaemonSet/`));
    has(new RegExp(`^${c.metrics.namespace}/Deployment/kps-operator$`));
    has(new RegExp(`^${c.metrics.namespace}/Deployment/kps-kube-state-metrics$`));
    has(new RegExp(`^${c.metrics.namespace}/Job/kps-admission-create$`));
    has(new RegExp(`^${c.metrics.namespace}/Job/kps-crds-upgrade$`));
    has(new RegExp(`^${c.metrics.namespace}/Prometheus/`));
    has(new RegExp(`^${c.metrics.namespace}/Alertmanager/`));
    has(new RegExp(`^${c.grafana.namespace}/Deployment/grafana$`));
    has(/^elastic-system\/StatefulSet\/elastic-operator$/);
    // Every namespace the table names holds pods.
    for (const n of podSecurityTable(c))
      expect(
        pods.some((p) => p.namespace === n.namespace),
        n.namespace,
      ).toBe(true);
  });

  it("admits every pod in its namespace: each meets the standard its namespace enforces", () => {
    const levels = enforced();
    const homeless = s().pods.filter((p) => !levels.has(p.namespace));
    expect(homeless.map((p) => p.id)).toEqual([]);
    const refused = s().pods.filter((p) => !admits(p.pod, levels.get(p.namespace)!));
    expect(refused.map((p) => describePod(p, levels.get(p.namespace)!))).toEqual([]);
  });

  it("enforces in each namespace the strictest standard all its pods meet: restricted wherever it can", () => {
    for (const [ns, level] of enforced()) {
      const pods = s().pods.filter((p) => p.namespace === ns);
      const levels = pods.map((p) => strictestLevel(p.pod));
      const strictest = LEVELS[Math.min(...levels.map((l) => LEVELS.indexOf(l)))]!;
      expect(level, `${ns}: ${pods.map((p) => `${p.id} ${strictestLevel(p.pod)}`).join(", ")}`).toBe(
        strictest,
      );
    }
    // And only node-exporter's and Filebeat's pods need more than restricted.
    const beyond = s().pods.filter((p) => strictestLevel(p.pod) !== "restricted");
    expect(beyond.map((p) => p.id.split("/").slice(1, 2)[0]).sort()).toEqual(["Beat", "DaemonSet"]);
  });

  it("runs the program's own containers as non-root, read-only, without escalation or capabilities, with RuntimeDefault seccomp", () => {
    const own = s().pods.flatMap((p) =>
      p.own.map((name) => {
        const c = [...(p.pod.spec.initContainers ?? []), ...(p.pod.spec.containers ?? [])].find(
          (x) => x.name === name,
        )!;
        // The container with its pod's context and the volumes it mounts, without the pod's other
        // containers and theirs.
        const mounts = new Set((c.volumeMounts ?? []).map((m) => m.name));
        const alone: PodLike = {
          ...p.pod,
          spec: {
            ...p.pod.spec,
            initContainers: [],
            containers: [c],
            ephemeralContainers: [],
            volumes: (p.pod.spec.volumes ?? []).filter((v) => mounts.has(v.name)),
          },
        };
        return { id: `${p.id}/${name}`, alone, container: c };
      }),
    );
    expect(own.length).toBeGreaterThan(10);
    expect(
      own
        .filter(
          (o) =>
            !admits(o.alone, "restricted") ||
            o.container.securityContext?.readOnlyRootFilesystem !== true ||
            (o.alone.spec.securityContext?.seccompProfile ?? o.container.securityContext?.seccompProfile)
              ?.type !== "RuntimeDefault",
        )
        .map((o) => `${o.id}: ${JSON.stringify(violations(o.alone, "restricted"))}`),
    ).toEqual([]);
    // Beside Filebeat's root container, the exporter states all of it itself.
    const beat = s().pods.find((p) => p.id.includes("/Beat/"))!;
    expect(beat.own).toEqual(["json-exporter"]);
    expect(beat.pod.spec.securityContext?.runAsUser).toBeUndefined();
  });

  it("states a security context for every container ECK adds, and uses no setting that adds others", () => {
    for (const r of s().result.resources.filter((x) => x.type.includes(".k8s.elastic.co/"))) {
      const kind = r.type.split(":").at(-1)!;
      const spec = (r.inputs as Json).spec;
      expect(spec.secureSettings, kind).toBeUndefined();
      expect(spec.monitoring, kind).toBeUndefined();
      const templates: Json[] =
        kind === "Elasticsearch"
          ? spec.nodeSets.map((n: Json) => n.podTemplate)
          : [kind === "Beat" ? spec.daemonSet.podTemplate : spec.podTemplate];
      const named = ECK_CONTAINERS[kind]!;
      for (const t of templates) {
        const all: Json[] = [...(t.spec.initContainers ?? []), ...t.spec.containers];
        for (const name of [...named.init, ...(named.main ? [named.main] : [])])
          expect(all.find((c) => c.name === name)?.securityContext, `${kind} ${name}`).toBeDefined();
        if (kind !== "Beat") expect(t.spec.securityContext, kind).toBeDefined();
      }
    }
  });

  it("keeps Filebeat's registry where ECK kept it in the logging namespace", () => {
    const beat = s().result.resources.find((x) => x.type.endsWith(":Beat"))!.inputs as Json;
    const data = (beat.spec.daemonSet.podTemplate.spec.volumes as Json[]).find((v) => v.name === "beat-data");
    const c = s().result.config;
    // pkg/controller/beat/common/pod.go: DataMountPathTemplate = /var/lib/<namespace>/<name>/<type>-data.
    expect(data).toEqual({
      name: "beat-data",
      hostPath: {
        path: `/var/lib/${c.logging.namespace}/${beat.metadata.name}/filebeat-data`,
        type: "DirectoryOrCreate",
      },
    });
    expect(beat.metadata.namespace).not.toBe(c.logging.namespace);
  });
});

describe("the pod-security check itself", () => {
  const dev = () => rendered("dev");
  const release = (chart: string) =>
    dev().resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as Json).chart === chart,
    )!.inputs as Json;
  const podsOf = (chart: string, values: Json) => {
    const r = release(chart);
    return stackPods({ ...dev(), resources: [] }, [
      {
        release: r,
        objects: renderChart({ chart, version: r.version, name: r.name, namespace: r.namespace, values }),
      },
    ]);
  };

  it("finds Grafana's root init container when the chart's chown is left on (dev has a volume)", () => {
    const r = release("grafana");
    expect(r.values.persistence.enabled).toBe(true);
    const [grafana] = podsOf("grafana", { ...r.values, initChownData: { enabled: true } });
    expect(violations(grafana!.pod, "restricted").map((v) => v.check)).toEqual(
      expect.arrayContaining(["allowPrivilegeEscalation", "runAsNonRoot", "capabilities_restricted"]),
    );
    expect(admits(grafana!.pod, "baseline")).toBe(true);
  });

  it("finds node-exporter in the metrics namespace without the chart's namespaceOverride, needing privileged", () => {
    const r = release("kube-prometheus-stack");
    const { "prometheus-node-exporter": _moved, ...values } = r.values;
    const ne = podsOf("kube-prometheus-stack", values).find((p) => p.id.includes("/DaemonSet/"))!;
    expect(ne.namespace).toBe(r.namespace);
    expect(strictestLevel(ne.pod)).toBe("privileged");
    // hostNetwork, hostPID, hostPath, and the host port the API server gives a host-network pod.
    expect(new Set(violations(ne.pod, "baseline").map((v) => v.check))).toEqual(
      new Set(["hostNamespaces", "hostPathVolumes", "hostPorts"]),
    );
  });

  it("finds the ECK operator's missing seccomp profile with the chart's default pod context", () => {
    const r = release("eck-operator");
    const { podSecurityContext: _ours, ...values } = r.values;
    const [operator] = podsOf("eck-operator", values);
    expect(violations(operator!.pod, "restricted").map((v) => v.check)).toEqual([
      "seccompProfile_restricted",
    ]);
  });
});
