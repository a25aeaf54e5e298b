import { describe, expect, it } from "vitest";
import { prodHighAvailability, prodStatefulProtected } from "../../policy/prod";
import { thanosSingleCompactor, thanosWorkloads } from "../../policy/thanos";
import { policyResources, resource, runPolicies, violationsOf } from "./harness";

/** A workload running `thanos <component>`; `spec` adds to or replaces its spec. */
const thanos = (
  kind: "Deployment" | "StatefulSet",
  name: string,
  component: string,
  spec: Record<string, unknown> = {},
  opts: { stack?: string; protect?: boolean } = {},
) =>
  resource(
    `kubernetes:apps/v1:${kind}`,
    name,
    {
      metadata: { name, namespace: "monitoring" },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": name } },
          spec: {
            containers: [
              { name: "thanos", image: "quay.io/thanos/thanos:v0.42.4", args: [component, "--wait"] },
            ],
          },
        },
        ...spec,
      },
    },
    opts,
  );
const pdb = (name: string, stack = "prod") =>
  resource(
    "kubernetes:policy/v1:PodDisruptionBudget",
    name,
    {
      metadata: { name, namespace: "monitoring" },
      spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": name } } },
    },
    { stack },
  );

describe("thanos-single-compactor", () => {
  it("passes one Compactor StatefulSet with one replica, and ignores the other Thanos parts", async () => {
    const r = await runPolicies(
      [thanosSingleCompactor],
      [
        thanos("StatefulSet", "thanos-compact", "compact"),
        thanos("Deployment", "thanos-query", "query", { replicas: 3 }),
      ],
    );
    expect(r.violations).toEqual([]);
  });

  it("refuses a second replica, a second workload and a Deployment that surges, in every stack", async () => {
    for (const stack of ["dev", "prod"]) {
      const r = await runPolicies(
        [thanosSingleCompactor],
        [
          thanos("StatefulSet", "thanos-compact", "compact", { replicas: 2 }, { stack }),
          thanos("Deployment", "compact-by-hand", "compact", {}, { stack }),
        ],
        stack,
      );
      expect(violationsOf(r, "thanos-single-compactor"), stack).toEqual([
        "thanos-compact: one of 2 workloads running `thanos compact` (thanos-compact, compact-by-hand): only one Compactor may run against a bucket",
        "compact-by-hand: one of 2 workloads running `thanos compact` (thanos-compact, compact-by-hand): only one Compactor may run against a bucket",
        "thanos-compact: runs 2 Compactor replicas: two Compactors on one bucket halt each other on overlapping blocks",
        "compact-by-hand: a Deployment's rolling update runs the new Compactor beside the old one: use a StatefulSet or strategy Recreate",
      ]);
    }
  });

  it("recognises Thanos by image and subcommand, through command or args", () => {
    const byCommand = resource("kubernetes:apps/v1:Deployment", "c", {
      spec: {
        strategy: { type: "Recreate" },
        template: {
          spec: {
            containers: [
              {
                name: "x",
                image: "registry.example/mirror/thanos@sha256:abc",
                command: ["/bin/thanos", "compact"],
              },
              { name: "y", image: "busybox:1.38", args: ["compact"] },
            ],
          },
        },
      },
    });
    expect(thanosWorkloads(policyResources([byCommand])).map((w) => [w.component, w.replicas])).toEqual([
      ["compact", 1],
    ]);
  });
});

describe("prod-high-availability for Thanos", () => {
  const readers = (replicas: number, withPdb: boolean) => [
    thanos("Deployment", "thanos-query", "query", { replicas }, { stack: "prod" }),
    thanos("Deployment", "thanos-query-frontend", "query-frontend", { replicas }, { stack: "prod" }),
    thanos("StatefulSet", "thanos-store", "store", { replicas }, { stack: "prod", protect: true }),
    thanos("StatefulSet", "thanos-compact", "compact", {}, { stack: "prod", protect: true }),
    ...(withPdb ? [pdb("thanos-query"), pdb("thanos-query-frontend"), pdb("thanos-store")] : []),
  ];

  it("passes two replicas of each reader with a PodDisruptionBudget; one Compactor needs none", async () => {
    const r = await runPolicies([prodHighAvailability], readers(2, true), "prod");
    expect(r.violations).toEqual([]);
  });

  it("flags one replica and a missing PodDisruptionBudget for Query, Query Frontend and Store Gateway", async () => {
    const r = await runPolicies([prodHighAvailability], readers(1, false), "prod");
    const lines = violationsOf(r, "prod-high-availability");
    for (const [name, component] of [
      ["thanos-query", "query"],
      ["thanos-query-frontend", "query-frontend"],
      ["thanos-store", "store"],
    ]) {
      expect(lines).toContain(
        `${name}: Thanos ${component} runs 1 replica(s), production needs at least 2: Grafana's every query goes through it`,
      );
      expect(lines).toContain(
        `${name}: Thanos ${component} has no PodDisruptionBudget keeping a replica up: a node drain may evict every replica at once`,
      );
    }
    expect(lines).toHaveLength(6);
  });

  it("does not count a PodDisruptionBudget of other pods or another namespace", async () => {
    const other = resource(
      "kubernetes:policy/v1:PodDisruptionBudget",
      "other",
      {
        metadata: { name: "other", namespace: "elsewhere" },
        spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "thanos-query" } } },
      },
      { stack: "prod" },
    );
    const r = await runPolicies(
      [prodHighAvailability],
      [
        thanos("Deployment", "thanos-query", "query", { replicas: 2 }, { stack: "prod" }),
        other,
        pdb("grafana"),
      ],
      "prod",
    );
    expect(violationsOf(r, "prod-high-availability")).toEqual([
      "thanos-query: Thanos query has no PodDisruptionBudget keeping a replica up: a node drain may evict every replica at once",
    ]);
  });

  it("does not apply to dev", async () => {
    const devReaders = [thanos("Deployment", "thanos-query", "query", {}, { stack: "dev" })];
    const r = await runPolicies([prodHighAvailability], devReaders, "dev");
    expect(r.violations).toEqual([]);
  });
});

describe("prod-stateful-protected for StatefulSets with volumes", () => {
  const claims = { volumeClaimTemplates: [{ metadata: { name: "data" }, spec: {} }] };
  it("flags an unprotected Store Gateway and Compactor, not a StatefulSet without volumes", async () => {
    const r = await runPolicies(
      [prodStatefulProtected],
      [
        thanos("StatefulSet", "thanos-store", "store", claims, { stack: "prod" }),
        thanos("StatefulSet", "thanos-compact", "compact", claims, { stack: "prod", protect: true }),
        thanos("StatefulSet", "scratch", "query", {}, { stack: "prod" }),
      ],
      "prod",
    );
    expect(violationsOf(r, "prod-stateful-protected")).toEqual([
      "kubernetes:apps/v1:StatefulSet thanos-store holds data but is not protected (protect: true) in production",
    ]);
  });
});
