// A broken variant of the real program: every bucket's public access block leaves public policies
// allowed. The override patches the AWS class in this test process only (vi.mock).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

vi.mock("@pulumi/aws", async (importOriginal) => {
  const aws = await importOriginal<typeof import("@pulumi/aws")>();
  class PublicAccessAllowed extends aws.s3.BucketPublicAccessBlock {
    constructor(
      name: string,
      args: import("@pulumi/aws").s3.BucketPublicAccessBlockArgs,
      opts?: import("@pulumi/pulumi").CustomResourceOptions,
    ) {
      super(name, { ...args, blockPublicPolicy: false, restrictPublicBuckets: false }, opts);
    }
  }
  return { ...aws, s3: { ...aws.s3, BucketPublicAccessBlock: PublicAccessAllowed } };
});

describe("broken variant: buckets open to public policies", () => {
  let result: RunResult;
  beforeAll(async () => {
    const rendered = await render("dev");
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "dev");
  });

  it("fails the public access policy for every bucket", () => {
    const lines = mandatory(result);
    expect(lines).toContain(
      "s3-public-access-blocked: bucket acme-obs-dev-audit-logs: public access block leaves blockPublicPolicy, restrictPublicBuckets off",
    );
    expect(lines).toContain(
      "s3-public-access-blocked: bucket acme-obs-dev-metrics: public access block leaves blockPublicPolicy, restrictPublicBuckets off",
    );
    expect(lines.filter((l) => l.startsWith("s3-public-access-blocked:"))).toHaveLength(7);
  });
  it("fails no other policy", () => {
    expect(result.violations.filter((v) => v.policy !== "s3-public-access-blocked")).toEqual([]);
  });
});
