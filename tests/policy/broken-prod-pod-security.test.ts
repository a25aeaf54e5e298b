// Broken variants of the prod render, one change each, that production must refuse: a platform
// namespace without Pod Security labels, one opened to privileged pods, an unpinned version, a
// privileged namespace without its reason, and the ECK operator's namespace left to Helm again.
import { describe, expect, it } from "vitest";
import { POD_SECURITY_REASON } from "../../infra/generators/pod-security";
import { ALL_POLICIES } from "../../policy/policies";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { rendered } from "../helpers/render";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

const policy = (r: RunResult) => mandatory(r).filter((l) => l.startsWith("prod-pod-security:"));

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON
type Json = Record<string, any>;

const NAMESPACES = ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"];
const isNamespace = (r: RecordedResource, name: string) =>
  NAMESPACES.includes(r.type) && (r.inputs as Json).metadata.name === name;

/** The prod render with one Namespace's metadata changed by `edit`. */
function editNamespace(name: string, edit: (metadata: Json) => void): RecordedResource[] {
  const render = rendered("prod");
  expect(
    render.resources.some((r) => isNamespace(r, name)),
    name,
  ).toBe(true);
  return render.resources.map((r) => {
    if (!isNamespace(r, name)) return r;
    const copy = structuredClone(r);
    edit((copy.inputs as Json).metadata);
    return copy;
  });
}

const run = (resources: RecordedResource[], stack = "prod") =>
  runPolicies(ALL_POLICIES, withStackResource({ ...rendered(stack as "prod"), resources }), stack);

describe("prod-pod-security", () => {
  it("passes the prod render as it is", async () => {
    expect(policy(await run(rendered("prod").resources))).toEqual([]);
  });

  it("does not apply to the dev stack", async () => {
    const r = await runPolicies(ALL_POLICIES, withStackResource(rendered("dev")), "dev");
    expect(policy(r)).toEqual([]);
    expect(r.notApplicable.map((n) => n.policy)).toContain("prod-pod-security");
  });

  it("refuses a namespace without Pod Security labels, and requires restricted where the platform's data runs", async () => {
    // The labels gone, the reason annotation kept: no enforce level, no pinned version, not restricted.
    const bare = editNamespace("logging", (m) => {
      m.labels = Object.fromEntries(
        Object.entries(m.labels as Record<string, string>).filter(([k]) => !k.startsWith("pod-security.")),
      );
    });
    expect(policy(await run(bare)).sort()).toEqual([
      "prod-pod-security: namespace logging (Elasticsearch, Kibana, Logstash) must enforce the restricted Pod Security standard, not nothing",
      "prod-pod-security: namespace logging does not pin pod-security.kubernetes.io/enforce-version to a Kubernetes minor (v1.N): a cluster upgrade would enforce rules no test has checked",
      "prod-pod-security: namespace logging has no pod-security.kubernetes.io/enforce label of privileged, baseline or restricted: Pod Security admission applies the cluster's default there (on EKS, none)",
    ]);
  });

  it.each([
    ["monitoring", "Prometheus, Alertmanager"],
    ["grafana", "Grafana"],
    ["elastic-system", "the ECK operator"],
  ])("refuses %s opened to privileged pods, even with a reason", async (ns, what) => {
    const opened = editNamespace(ns, (m) => {
      m.labels["pod-security.kubernetes.io/enforce"] = "privileged";
    });
    expect(policy(await run(opened))).toEqual([
      `prod-pod-security: namespace ${ns} (${what}) must enforce the restricted Pod Security standard, not privileged`,
    ]);
  });

  it("refuses an enforce-version that follows the cluster (latest)", async () => {
    const latest = editNamespace("grafana", (m) => {
      m.labels["pod-security.kubernetes.io/enforce-version"] = "latest";
    });
    expect(policy(await run(latest))).toEqual([
      "prod-pod-security: namespace grafana does not pin pod-security.kubernetes.io/enforce-version to a Kubernetes minor (v1.N): a cluster upgrade would enforce rules no test has checked",
    ]);
  });

  it("accepts the privileged namespaces of node-exporter and Filebeat with their reason, and refuses them without", async () => {
    const silent = editNamespace("logging-filebeat", (m) => {
      delete m.annotations[POD_SECURITY_REASON];
    });
    expect(policy(await run(silent))).toEqual([
      "prod-pod-security: namespace logging-filebeat enforces privileged without the reason annotation observability/pod-security",
    ]);
  });

  it("refuses the ECK operator's namespace left to Helm (no Namespace the stack creates)", async () => {
    const resources = rendered("prod").resources.filter((r) => !isNamespace(r, "elastic-system"));
    expect(policy(await run(resources))).toEqual([
      "prod-pod-security: namespace elastic-system (the ECK operator) is neither created nor labelled by the stack, so it carries no Pod Security labels",
    ]);
  });
});
