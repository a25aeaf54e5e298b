// A broken variant of each stack's render: a second Compactor beside the program's (someone
// scaled it, or applied another by hand), which thanos-single-compactor refuses in every stack.
import { describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { rendered, STACKS } from "../helpers/render";
import { mandatory, runPolicies, withStackResource } from "./harness";

describe.each(STACKS)("broken variant: two Thanos Compactors in %s", (stack) => {
  const render = rendered(stack);
  const compactor = render.resources.find(
    (r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "thanos-compact",
  )!;

  it("passes as rendered", async () => {
    const r = await runPolicies(ALL_POLICIES, withStackResource(render), stack);
    expect(mandatory(r).filter((l) => l.startsWith("thanos-single-compactor"))).toEqual([]);
  });

  it("fails with the Compactor scaled to two", async () => {
    const scaled = structuredClone(compactor);
    (scaled.inputs.spec as { replicas: number }).replicas = 2;
    const resources = render.resources.map((r) => (r === compactor ? scaled : r));
    const r = await runPolicies(ALL_POLICIES, withStackResource({ ...render, resources }), stack);
    expect(mandatory(r).filter((l) => l.startsWith("thanos-single-compactor"))).toEqual([
      "thanos-single-compactor: thanos-compact: runs 2 Compactor replicas: two Compactors on one bucket halt each other on overlapping blocks",
    ]);
  });

  it("fails with a second Compactor workload", async () => {
    const second = structuredClone(compactor);
    second.name = "thanos-compact-copy";
    second.urn = `${compactor.urn}-copy`;
    const r = await runPolicies(
      ALL_POLICIES,
      withStackResource({ ...render, resources: [...render.resources, second] }),
      stack,
    );
    expect(mandatory(r).filter((l) => l.startsWith("thanos-single-compactor"))).toHaveLength(2);
  });
});
