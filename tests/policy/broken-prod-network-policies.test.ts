// A broken variant through config alone: the prod stack with kubernetes.networkPolicies off (a
// cluster whose CNI does not enforce them, or someone opening the doors), which production refuses.
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import { ALL_POLICIES } from "../../policy/policies";
import { readStackFile } from "../../scripts/lib/stack-file";
import { rendered } from "../helpers/render";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

const policy = (r: RunResult) => mandatory(r).filter((l) => l.startsWith("prod-network-policies:"));

describe("broken variant: prod stack rendered with kubernetes.networkPolicies: false", () => {
  let off: RunResult;
  beforeAll(async () => {
    const kubernetes = JSON.parse(readStackFile("prod").config[`${PROJECT}:kubernetes`]!) as object;
    const variant = await render("prod", { kubernetes: { ...kubernetes, networkPolicies: false } });
    off = await runPolicies(ALL_POLICIES, withStackResource(variant), "prod");
  });

  it("passes as rendered", async () => {
    const r = await runPolicies(ALL_POLICIES, withStackResource(rendered("prod")), "prod");
    expect(policy(r)).toEqual([]);
  });

  it("fails prod-network-policies for the metrics namespace", () => {
    expect(policy(off)).toEqual([
      "prod-network-policies: namespace monitoring (Prometheus, Alertmanager) has no default-deny ingress NetworkPolicy: any pod in the cluster can query Prometheus and create silences in Alertmanager; set kubernetes.networkPolicies to true",
    ]);
  });

  it("does not count a policy that lets something in as default-deny", async () => {
    const render = rendered("prod");
    const resources = render.resources.map((r) => {
      if (
        r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy" ||
        !r.name.endsWith("default-deny-ingress")
      )
        return r;
      const opened = structuredClone(r);
      (opened.inputs.spec as Record<string, unknown>).ingress = [{}];
      return opened;
    });
    const r = await runPolicies(ALL_POLICIES, withStackResource({ ...render, resources }), "prod");
    expect(policy(r)).toHaveLength(1);
  });

  it("does not apply to the dev stack", async () => {
    const r = await runPolicies(ALL_POLICIES, withStackResource(rendered("dev")), "dev");
    expect(policy(r)).toEqual([]);
  });
});
