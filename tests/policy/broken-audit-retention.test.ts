// A broken variant of the real program: the audit bucket locked and kept for one year instead of
// seven. The override replaces SecureBucket in this test process only (vi.mock), so production
// code has no test switch; the policies still read the real retention table.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

vi.mock("../../infra/components/secure-bucket", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../infra/components/secure-bucket")>();
  class ShortenedAudit extends orig.SecureBucket {
    constructor(
      name: string,
      args: ConstructorParameters<typeof orig.SecureBucket>[1],
      opts?: ConstructorParameters<typeof orig.SecureBucket>[2],
    ) {
      const { spec } = args;
      const shortened = spec.lifecycle?.map((rule) => ({ ...rule, expiration: { days: 365 } }));
      super(
        name,
        spec.objectLock !== undefined && shortened
          ? {
              ...args,
              spec: { ...spec, objectLock: { ...spec.objectLock, days: 365 }, lifecycle: shortened },
            }
          : args,
        opts,
      );
    }
  }
  return { ...orig, SecureBucket: ShortenedAudit };
});

describe("broken variant: audit retention shortened to one year", () => {
  let result: RunResult;
  beforeAll(async () => {
    const rendered = await render("prod");
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "prod");
  });

  it("fails the audit Object Lock policy", () => {
    expect(mandatory(result)).toContain(
      "audit-object-lock-compliance: audit bucket acme-obs-prod-audit-logs: Object Lock retention is 365 days, expected at least 2555 (7 years)",
    );
  });
  it("fails the retention policy", () => {
    expect(mandatory(result)).toContain(
      "archive-lifecycle-matches-retention: log-archive bucket acme-obs-prod-audit-logs: audit: expires after 365 days, retention table says 2555",
    );
  });
  it("fails no other policy", () => {
    const others = result.violations.filter(
      (v) => !["audit-object-lock-compliance", "archive-lifecycle-matches-retention"].includes(v.policy),
    );
    expect(others).toEqual([]);
  });
});
