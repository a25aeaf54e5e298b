// A broken variant of the real program: one generated alert loses its runbook_url. The override
// wraps the rule generator in this test process only (vi.mock).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

let dropped = "";
vi.mock("../../infra/generators/metrics/rules", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../infra/generators/metrics/rules")>();
  return {
    ...orig,
    ruleFile: (...args: Parameters<typeof orig.ruleFile>) => {
      const file = orig.ruleFile(...args);
      const first = file.groups.flatMap((g) => g.rules).find((r) => "alert" in r && r.alert);
      if (first && "annotations" in first && first.annotations) {
        dropped = String((first as { alert: string }).alert);
        delete (first.annotations as Record<string, string>).runbook_url;
      }
      return file;
    },
  };
});

describe("broken variant: an alert without a runbook", () => {
  let result: RunResult;
  beforeAll(async () => {
    const rendered = await render("dev");
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "dev");
  });

  it("fails the alert-labels policy naming the alert", () => {
    expect(dropped).not.toBe("");
    expect(mandatory(result)).toEqual([
      expect.stringMatching(
        new RegExp(`^alert-rules-labelled: alert ${dropped} in .*: no runbook_url annotation$`),
      ),
    ]);
  });
});
