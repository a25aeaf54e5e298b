// A broken variant of the real program: the metrics bucket's lifecycle expires current objects
// after 90 days and moves them to Glacier at 30, as an S3-side "retention" would. The override
// replaces SecureBucket in this test process only (vi.mock), so production code has no test switch.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

vi.mock("../../infra/components/secure-bucket", async (importOriginal) => {
  const orig = await importOriginal<typeof import("../../infra/components/secure-bucket")>();
  class ExpiringMetrics extends orig.SecureBucket {
    constructor(
      name: string,
      args: ConstructorParameters<typeof orig.SecureBucket>[1],
      opts?: ConstructorParameters<typeof orig.SecureBucket>[2],
    ) {
      const { spec } = args;
      const expiring = spec.lifecycle?.map((rule) => ({
        ...rule,
        transitions: [{ days: 30, storageClass: "GLACIER" as never }],
        expiration: { days: 90 },
      }));
      super(
        name,
        spec.tags.purpose === "thanos-metrics" ? { ...args, spec: { ...spec, lifecycle: expiring } } : args,
        opts,
      );
    }
  }
  return { ...orig, SecureBucket: ExpiringMetrics };
});

describe("broken variant: the metrics bucket expires current objects", () => {
  let result: RunResult;
  beforeAll(async () => {
    const rendered = await render("dev");
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "dev");
  });

  it("fails the metrics bucket's lifecycle policy, for the expiry and the unreadable class", () => {
    expect(mandatory(result)).toEqual([
      "metrics-bucket-no-current-expiry: metrics bucket acme-obs-dev-metrics: lifecycle rule noncurrent-7d expires current objects (expiration.days 90); the Compactor applies retention (thanos.retention)",
      "metrics-bucket-no-current-expiry: metrics bucket acme-obs-dev-metrics: lifecycle rule noncurrent-7d moves current objects to GLACIER, which Thanos cannot read without a restore",
    ]);
  });
  it("fails no other policy", () => {
    expect(result.violations.filter((v) => v.policy !== "metrics-bucket-no-current-expiry")).toEqual([]);
  });
});
