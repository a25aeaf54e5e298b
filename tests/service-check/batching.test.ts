/**
 * How the service check splits its SLI proofs into promtool runs: one rule file per run and no
 * (namespace, job) twice in one, in as few runs as that allows; and which namespace each input's
 * samples get (its own where its own rules name it).
 */
import { describe, expect, it } from "vitest";
import { serviceRequirements } from "../../scripts/lib/service-check/requirements";
import { proofBatches, proofNamespaces } from "../../scripts/lib/service-check/run";
import { stackConfig } from "../../scripts/lib/stack-config";

describe("proof batches", () => {
  it("puts every input in one run when no (namespace, job) repeats", () => {
    const slots = ["a", "b", "c"].map((job) => ({ rules: "r", namespace: "apps", job }));
    expect(proofBatches(slots)).toEqual([[0, 1, 2]]);
  });

  it("splits a repeated (namespace, job) into as few runs as it repeats, first fit", () => {
    const slot = (namespace: string, job: string) => ({ rules: "r", namespace, job });
    expect(
      proofBatches([
        slot("apps", "api"),
        slot("apps", "api"),
        slot("apps", "web"),
        slot("apps", "api"),
        slot("other", "api"),
      ]),
    ).toEqual([[0, 2, 4], [1], [3]]);
  });

  it("never mixes rule files in one run", () => {
    expect(
      proofBatches([
        { rules: "dev", namespace: "apps", job: "api" },
        { rules: "prod", namespace: "apps", job: "web" },
        { rules: "dev", namespace: "apps", job: "web" },
      ]),
    ).toEqual([[0, 2], [1]]);
  });

  it("keeps a service with its own rules in its namespace; renames only the repeats of the others", () => {
    const base = stackConfig("dev");
    const config = stackConfig("dev", {
      services: base.services.map((s) =>
        s.name === "web"
          ? {
              ...s,
              queries: {
                requestRate: 'sum(rate(pages_total{namespace="{{namespace}}",job="{{job}}"}[{{window}}]))',
              },
            }
          : s,
      ),
    });
    const api = serviceRequirements(config, "dev", "api");
    const web = serviceRequirements(config, "dev", "web");
    expect(web.records.some((r) => r.recorded === "own")).toBe(true);
    const inputs = [{ req: api }, { req: web }, { req: api }, { req: web }, { req: api, namespace: "x" }];
    const namespaces = proofNamespaces(inputs);
    expect(namespaces).toEqual(["apps", "apps", "check-2", "apps", "x"]);
    const batches = proofBatches(
      inputs.map((i, k) => ({ rules: "r", namespace: namespaces[k]!, job: i.req.service.name })),
    );
    // The two web inputs are one (namespace, job) that their rules name: two runs, no fewer.
    expect(batches).toEqual([[0, 1, 2, 4], [3]]);
  });
});
