// A broken variant through config alone: the prod stack with `production: false`, which turns off
// protection and the HA defaults. The prod policies key on the stack name, so they still apply.
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

describe("broken variant: prod stack rendered with production: false", () => {
  let result: RunResult;
  beforeAll(async () => {
    const rendered = await render("prod", { production: false });
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "prod");
  });

  it("fails prod-stateful-protected for buckets, Object Lock, the KMS keys, the database, Elasticsearch, Prometheus, Thanos's volumes and Sentry", () => {
    const flagged = mandatory(result)
      .filter((l) => l.startsWith("prod-stateful-protected:"))
      .map((l) =>
        l.replace(
          /^prod-stateful-protected: (\S+ \S+) holds data but is not protected \(protect: true\) in production$/,
          "$1",
        ),
      );
    expect(flagged).toEqual(
      expect.arrayContaining([
        "aws:s3/bucket:Bucket log-archive-audit",
        "aws:s3/bucket:Bucket log-archive-access-logs",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration log-archive-audit-object-lock",
        "aws:kms/key:Key log-archive-key",
        "aws:kms/key:Key grafana-database-key",
        "aws:rds/instance:Instance grafana-database",
        "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch logging-elasticsearch",
        "kubernetes:helm.sh/v3:Release metrics-kps",
        "kubernetes:apps/v1:StatefulSet thanos-store",
        "kubernetes:apps/v1:StatefulSet thanos-compact",
        "sentry:index/sentryProject:SentryProject sentry-backend",
      ]),
    );
  });
  it("fails prod-stateful-protected for the database's deletion protection too", () => {
    expect(mandatory(result)).toContain(
      "prod-stateful-protected: aws:rds/instance:Instance grafana-database has no deletion protection (deletionProtection: true) in production",
    );
  });
  it("reports nothing outside the prod policies but the audit lock that production: false weakens", () => {
    expect(
      result.violations.filter((v) => !v.policy.startsWith("prod-")).map((v) => `${v.policy}: ${v.message}`),
    ).toEqual([
      "audit-object-lock-compliance: audit bucket acme-obs-prod-audit-logs: Object Lock mode is GOVERNANCE, expected COMPLIANCE in a production stack (GOVERNANCE can be bypassed)",
    ]);
  });
});
