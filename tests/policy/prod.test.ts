import { describe, expect, it } from "vitest";
import {
  grafanaAvailabilityProblems,
  masterNodes,
  prodHighAvailability,
  prodStatefulProtected,
} from "../../policy/prod";
import { resource, runPolicies, violationsOf } from "./harness";

const kps = (prometheus?: number, alertmanager?: number, stack = "prod") =>
  resource(
    "kubernetes:helm.sh/v3:Release",
    "kps",
    {
      chart: "kube-prometheus-stack",
      values: {
        prometheus: { prometheusSpec: prometheus === undefined ? {} : { replicas: prometheus } },
        alertmanager: { alertmanagerSpec: alertmanager === undefined ? {} : { replicas: alertmanager } },
      },
    },
    { stack, protect: true },
  );
const es = (nodeSets: unknown[]) =>
  resource(
    "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
    "es",
    { spec: { nodeSets } },
    { stack: "prod", protect: true },
  );

/** A Grafana release; `ha` gives it what production needs, `over` replaces values. */
const grafanaRelease = (values: Record<string, unknown>, opts: { protect?: boolean } = {}) =>
  resource(
    "kubernetes:helm.sh/v3:Release",
    "grafana",
    { chart: "grafana", values },
    { stack: "prod", protect: opts.protect ?? true },
  );
const HA_VALUES = {
  replicas: 2,
  headlessService: true,
  podDisruptionBudget: { maxUnavailable: 1 },
  persistence: { enabled: false },
  "grafana.ini": {
    database: { type: "postgres", host: "db:5432" },
    unified_alerting: { enabled: true, ha_peers: "grafana-headless:9094" },
  },
};
const rds = (inputs: Record<string, unknown>, protect = true, name = "db") =>
  resource("aws:rds/instance:Instance", name, { engine: "postgres", ...inputs }, { stack: "prod", protect });
const SAFE_RDS = { multiAz: true, deletionProtection: true, skipFinalSnapshot: false };

describe("prod-high-availability for Grafana and its database", () => {
  it("passes two replicas on PostgreSQL with HA peers and a PodDisruptionBudget, on a Multi-AZ instance", async () => {
    const r = await runPolicies([prodHighAvailability], [grafanaRelease(HA_VALUES), rds(SAFE_RDS)], "prod");
    expect(r.violations).toEqual([]);
    // Autoscaling's floor counts as the replicas; MySQL is shared state too.
    const scaled = {
      ...HA_VALUES,
      replicas: 1,
      autoscaling: { enabled: true, minReplicas: 3 },
      "grafana.ini": { ...HA_VALUES["grafana.ini"], database: { type: "mysql" } },
    };
    expect(grafanaAvailabilityProblems(scaled)).toEqual([]);
  });

  it("flags the chart's defaults: one replica on SQLite, no HA peers, no PodDisruptionBudget", async () => {
    const r = await runPolicies(
      [prodHighAvailability],
      [grafanaRelease({}), rds({ multiAz: false })],
      "prod",
    );
    expect(violationsOf(r, "prod-high-availability")).toEqual([
      "grafana: Grafana runs 1 (chart default) replica(s), production needs at least 2",
      "grafana: Grafana's database is sqlite3 (Grafana's default): replicas share state only through postgres or mysql",
      "grafana: Grafana alerting has no [unified_alerting] ha_peers: every replica would send every notification",
      "grafana: Grafana has no PodDisruptionBudget: a node drain may evict every replica at once",
      "db: the RDS instance is not Multi-AZ (multiAz: true): losing its Availability Zone loses the database",
    ]);
  });

  it("flags each missing piece on its own", () => {
    const without = (change: Record<string, unknown>) =>
      grafanaAvailabilityProblems({ ...HA_VALUES, ...change });
    expect(without({ replicas: 1 })).toEqual([expect.stringMatching(/^Grafana runs 1 replica/)]);
    expect(without({ podDisruptionBudget: {} })).toEqual([expect.stringMatching(/no PodDisruptionBudget/)]);
    expect(
      without({ "grafana.ini": { database: { type: "sqlite3" }, unified_alerting: { ha_peers: "x:9094" } } }),
    ).toEqual([expect.stringMatching(/database is sqlite3/)]);
    expect(
      without({ "grafana.ini": { database: { type: "postgres" }, unified_alerting: { ha_peers: " " } } }),
    ).toEqual([expect.stringMatching(/no \[unified_alerting\] ha_peers/)]);
  });

  it("does not apply to dev, where Grafana runs one replica on SQLite", async () => {
    const dev = await runPolicies(
      [prodHighAvailability],
      [
        resource(
          "kubernetes:helm.sh/v3:Release",
          "grafana",
          { chart: "grafana", values: {} },
          { stack: "dev" },
        ),
      ],
      "dev",
    );
    expect(dev.violations).toEqual([]);
    expect(dev.notApplicable).toHaveLength(1);
  });
});

describe("prod-high-availability", () => {
  it("counts master-eligible nodes: explicit master role or no roles at all", () => {
    expect(
      masterNodes({
        nodeSets: [
          { count: 3, config: { "node.roles": ["master"] } },
          { count: 5, config: { "node.roles": ["data"] } },
        ],
      }),
    ).toBe(3);
    expect(masterNodes({ nodeSets: [{ count: 2 }] })).toBe(2);
  });
  it("passes 2 Prometheus, 3 Alertmanager and 3 masters", async () => {
    const r = await runPolicies(
      [prodHighAvailability],
      [kps(2, 3), es([{ count: 3, config: { "node.roles": ["master", "data"] } }])],
      "prod",
    );
    expect(r.violations).toEqual([]);
  });
  it("flags chart-default replicas and two masters", async () => {
    const r = await runPolicies(
      [prodHighAvailability],
      [kps(undefined, 2), es([{ count: 2, config: { "node.roles": ["master"] } }])],
      "prod",
    );
    expect(violationsOf(r, "prod-high-availability")).toEqual([
      "kps: Prometheus runs 1 (chart default) replica(s), production needs at least 2",
      "kps: Alertmanager runs 2 replica(s), production needs at least 3 (a quorum for its gossip)",
      "es: Elasticsearch has 2 master-eligible node(s), production needs at least 3 to survive losing one without split brain",
    ]);
  });
  it("does not apply to other stacks unless configured", async () => {
    const dev = await runPolicies([prodHighAvailability], [kps(1, 1, "dev")], "dev");
    expect(dev.violations).toEqual([]);
    expect(dev.notApplicable).toEqual([
      { policy: "prod-high-availability", reason: "stack dev is not a production stack" },
    ]);
    const staging = await runPolicies([prodHighAvailability], [kps(1, 1, "staging")], "staging", {
      "prod-high-availability": { productionStacks: ["staging"] },
    });
    expect(violationsOf(staging, "prod-high-availability")).toHaveLength(2);
  });
  it("applies to a stack of any name whose program declares it production (its `production` output)", async () => {
    const root = (production: boolean) =>
      resource("pulumi:pulumi:Stack", "observability-prod-eu", { production }, { stack: "prod-eu" });
    const declared = await runPolicies([prodHighAvailability], [root(true), kps(1, 1, "prod-eu")], "prod-eu");
    expect(violationsOf(declared, "prod-high-availability")).toHaveLength(2);
    const notDeclared = await runPolicies(
      [prodHighAvailability],
      [root(false), kps(1, 1, "prod-eu")],
      "prod-eu",
    );
    expect(notDeclared.violations).toEqual([]);
  });
});

describe("prod-stateful-protected", () => {
  it("passes protected stateful resources and ignores stateless ones", async () => {
    const r = await runPolicies(
      [prodStatefulProtected],
      [
        resource("aws:s3/bucket:Bucket", "b", { bucket: "b" }, { stack: "prod", protect: true }),
        resource("kubernetes:core/v1:ConfigMap", "cm", {}, { stack: "prod" }),
      ],
    );
    expect(r.violations).toEqual([]);
  });
  it("flags an unprotected bucket, key, Sentry project and Prometheus release", async () => {
    const r = await runPolicies(
      [prodStatefulProtected],
      [
        resource("aws:s3/bucket:Bucket", "b", { bucket: "b" }, { stack: "prod" }),
        resource("aws:kms/key:Key", "k", {}, { stack: "prod" }),
        resource("sentry:index/sentryProject:SentryProject", "p", {}, { stack: "prod" }),
        resource(
          "kubernetes:helm.sh/v3:Release",
          "kps",
          { chart: "kube-prometheus-stack" },
          { stack: "prod" },
        ),
        resource("kubernetes:helm.sh/v3:Release", "other", { chart: "ingress-nginx" }, { stack: "prod" }),
      ],
    );
    expect(violationsOf(r, "prod-stateful-protected").map((m) => m.split(" holds")[0])).toEqual([
      "aws:s3/bucket:Bucket b",
      "aws:kms/key:Key k",
      "sentry:index/sentryProject:SentryProject p",
      "kubernetes:helm.sh/v3:Release kps",
    ]);
  });
});

describe("prod-stateful-protected for Grafana and its database", () => {
  it("passes a protected, deletion-protected database that takes a final snapshot, and a Grafana release without a volume", async () => {
    const r = await runPolicies(
      [prodStatefulProtected],
      [rds(SAFE_RDS), grafanaRelease(HA_VALUES, { protect: false })],
    );
    expect(r.violations).toEqual([]);
  });

  it("flags an unprotected database, one without deletion protection or final snapshot, and a Grafana release on a volume", async () => {
    const r = await runPolicies(
      [prodStatefulProtected],
      [
        rds({ multiAz: true }, false, "unprotected"),
        rds({ deletionProtection: true, skipFinalSnapshot: true }, true, "no-snapshot"),
        grafanaRelease({ persistence: { enabled: true, type: "pvc" } }, { protect: false }),
      ],
    );
    expect(violationsOf(r, "prod-stateful-protected")).toEqual([
      "aws:rds/instance:Instance unprotected holds data but is not protected (protect: true) in production",
      "aws:rds/instance:Instance unprotected has no deletion protection (deletionProtection: true) in production",
      "aws:rds/instance:Instance no-snapshot skips its final snapshot (skipFinalSnapshot: true): deleting it loses its data",
      "kubernetes:helm.sh/v3:Release grafana holds data but is not protected (protect: true) in production",
    ]);
  });
});
