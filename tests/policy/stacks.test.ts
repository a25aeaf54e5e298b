import { beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { isSecretField } from "../../policy/secrets";
import { isSecret } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { rendered as renderOf, STACKS } from "../helpers/render";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

/** Policies that only production stacks are subject to. */
const PROD_ONLY = [
  "prod-stateful-protected",
  "prod-high-availability",
  "prod-network-policies",
  "prod-grafana-access",
  "prod-pod-security",
];

/** Every policy of the pack against every resource the real program registers for each stack. */
describe.each(STACKS)("policy pack on the %s render", (stack) => {
  let rendered: RenderResult;
  let result: RunResult;
  beforeAll(async () => {
    rendered = renderOf(stack);
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
    const expectApplicable = ALL_POLICIES.map((p) => p.name).filter(
      (n) => rendered.config.production || !PROD_ONLY.includes(n),
    );
    for (const name of expectApplicable) expect(skipped.has(name), `${name} was not applicable`).toBe(false);
  });
  // What the analyzer cannot see (it receives secrets decrypted), the recorded inputs still show.
  it("registers Secret data and provider credentials as Pulumi secrets", () => {
    const plain: string[] = [];
    for (const r of rendered.resources) {
      if (r.type === "kubernetes:core/v1:Secret")
        for (const field of ["data", "stringData"]) {
          const v = r.inputs[field];
          if (v === undefined || isSecret(v)) continue;
          for (const [k, x] of Object.entries(v as Record<string, unknown>))
            if (!isSecret(x)) plain.push(`${r.name}.${field}.${k}`);
        }
      if (r.type.startsWith("pulumi:providers:"))
        for (const [k, v] of Object.entries(r.inputs))
          if ((isSecretField(k) || k === "auth") && !isSecret(v)) plain.push(`${r.name}.${k}`);
    }
    expect(plain).toEqual([]);
    expect(rendered.resources.some((r) => r.type === "kubernetes:core/v1:Secret")).toBe(true);
  });
  it("saw the whole program", () => {
    expect(rendered.resources.length).toBeGreaterThan(40);
  });
});
