import { describe, expect, it } from "vitest";
import { masterNodes, prodHighAvailability, prodStatefulProtected } from "../../policy/prod";
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
