import { beforeAll, describe, expect, it } from "vitest";
import { REPLICA_LABEL, THANOS_PARTS, THANOS_PORTS } from "../../infra/generators/thanos";
import { OBJSTORE_SECRET } from "../../infra/generators/thanos/names";
import { THANOS } from "../../infra/versions";
import type { RenderResult } from "../../scripts/lib/render-files";
import { renderChartObjects } from "../helpers/chart-rules";
import { one, rendered, STACKS } from "../helpers/render";

/**
 * The Thanos sidecar as kube-prometheus-stack renders it: the chart's own templates (committed
 * verbatim, tests/data/charts/kube-prometheus-stack/<version>/templates/prometheus/) rendered by the
 * real Helm with the values the program deploys, so what is checked is what the operator receives.
 */

type Obj = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
};

describe.each(STACKS)("Thanos sidecar in kube-prometheus-stack (%s)", (stack) => {
  let r: RenderResult;
  let objects: Obj[];
  const ofKind = (kind: string, name?: string): Obj => {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
    return found[0]!;
  };
  beforeAll(() => {
    r = rendered(stack);
    const values = one(r, "kubernetes:helm.sh/v3:Release", "metrics-kps").inputs.values as Record<
      string,
      unknown
    >;
    objects = renderChartObjects(values, { namespace: r.config.metrics.namespace }) as Obj[];
  });

  it("gives the Prometheus resource spec.thanos with the pinned image, its version and the objstore Secret", () => {
    const spec = ofKind("Prometheus").spec;
    expect(spec.thanos).toEqual({
      image: `${THANOS.repository}:${THANOS.tag}`,
      version: THANOS.tag,
      objectStorageConfig: { name: OBJSTORE_SECRET.name, key: OBJSTORE_SECRET.key },
    });
    // Delayed compaction (sidecar.ts): local compaction stays on, nothing pins block durations.
    expect(spec).not.toHaveProperty("disableCompaction");
  });

  it("labels every series with cluster and environment, and states the replica label Query deduplicates on", () => {
    const spec = ofKind("Prometheus").spec;
    expect(spec.externalLabels).toEqual({
      cluster: r.config.kubernetes.clusterName,
      environment: r.config.environment,
    });
    expect(spec.replicaExternalLabelName).toBe(REPLICA_LABEL);
    // The replicas must differ in the replica label only: no other external label may name a pod.
    expect(Object.keys(spec.externalLabels as object)).not.toContain(REPLICA_LABEL);
  });

  it("annotates Prometheus's ServiceAccount with the sidecar's IAM role", () => {
    const sa = ofKind("ServiceAccount", "kps-prometheus");
    const arn = one(r, "aws:iam/role:Role", "thanos-sidecar");
    expect(sa.metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": expect.stringMatching(/^arn:aws:iam:.*thanos-sidecar$/),
    });
    expect(arn).toBeDefined();
  });

  it("scrapes the sidecar's HTTP port as job thanos-sidecar, through a headless Service on the Prometheus pods", () => {
    const svc = ofKind("Service", "kps-thanos-discovery");
    expect(svc.spec.clusterIP).toBe("None");
    expect(svc.spec.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "http", port: THANOS_PORTS.http, targetPort: "http" }),
        expect.objectContaining({ name: "grpc", port: THANOS_PORTS.grpc, targetPort: "grpc" }),
      ]),
    );
    expect(svc.spec.selector).toMatchObject({ "app.kubernetes.io/name": "prometheus" });
    const monitor = ofKind("ServiceMonitor", "kps-thanos-sidecar");
    // A Service's endpoints give every target its namespace and pod labels, which the mixin's
    // ThanosSidecarNoConnectionToStartedPrometheus joins on with Prometheus's own series.
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({
        port: "http",
        path: "/metrics",
        relabelings: [{ action: "replace", targetLabel: "job", replacement: THANOS_PARTS.sidecar }],
      }),
    ]);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [r.config.metrics.namespace] });
  });
});
