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

  it("fails prod-network-policies for the metrics, logging, Grafana and ECK operator namespaces", () => {
    expect([...policy(off)].sort()).toEqual([
      "prod-network-policies: namespace elastic-system (the ECK operator) has no default-deny ingress NetworkPolicy: any pod in the cluster can reach every port the ECK operator opens, not only its webhook; set kubernetes.networkPolicies to true",
      "prod-network-policies: namespace grafana (Grafana) has no default-deny ingress NetworkPolicy: any pod in the cluster can reach Grafana's alerting gossip and every port Grafana opens; set kubernetes.networkPolicies to true",
      "prod-network-policies: namespace logging (Elasticsearch, Kibana, Logstash) has no default-deny ingress NetworkPolicy: any pod in the cluster can reach Elasticsearch's HTTP and transport ports, Kibana and Logstash's inputs; set kubernetes.networkPolicies to true",
      "prod-network-policies: namespace monitoring (Prometheus, Alertmanager) has no default-deny ingress NetworkPolicy: any pod in the cluster can query Prometheus and create silences in Alertmanager; set kubernetes.networkPolicies to true",
    ]);
  });

  it("fails for each namespace whose default-deny alone is missing, and for no other", async () => {
    const render = rendered("prod");
    for (const ns of ["monitoring", "logging", "grafana", "elastic-system"]) {
      const resources = render.resources.filter(
        (r) =>
          !(
            r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
            r.name.endsWith("default-deny-ingress") &&
            (r.inputs.metadata as { namespace: string }).namespace === ns
          ),
      );
      expect(resources.length, ns).toBe(render.resources.length - 1);
      const r = await runPolicies(ALL_POLICIES, withStackResource({ ...render, resources }), "prod");
      expect(
        policy(r).map((l) => /namespace (\S+)/.exec(l)?.[1]),
        ns,
      ).toEqual([ns]);
    }
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
    expect(policy(r)).toHaveLength(4);
  });

  it("does not apply to the dev stack", async () => {
    const r = await runPolicies(ALL_POLICIES, withStackResource(rendered("dev")), "dev");
    expect(policy(r)).toEqual([]);
  });
});
