import { beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import type { RenderResult } from "../../scripts/lib/offline";
import { render } from "../helpers/render";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

/** Every policy of the pack against every resource the real program registers for a stack. */
export function stackSuite(stack: "dev" | "prod", expectApplicable: string[]): void {
  describe(`policy pack on the ${stack} render`, () => {
    let rendered: RenderResult;
    let result: RunResult;
    beforeAll(async () => {
      rendered = await render(stack);
      result = await runPolicies(ALL_POLICIES, withStackResource(rendered), stack);
    });

    it("has no mandatory violation", () => {
      expect(mandatory(result)).toEqual([]);
    });
    it("has no advisory violation either", () => {
      expect(result.violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });
    it("applies the policies whose resources the program registers", () => {
      const skipped = new Set(result.notApplicable.map((n) => n.policy));
      for (const name of expectApplicable)
        expect(skipped.has(name), `${name} was not applicable`).toBe(false);
    });
    it("saw the whole program", () => {
      expect(rendered.resources.length).toBeGreaterThan(40);
    });
  });
}
