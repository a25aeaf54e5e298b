import { describe, expect, it } from "vitest";
import {
  BLOCK_DURATION_MODE,
  BUCKET_USERS,
  bucketUserPolicy,
  METRICS_LIFECYCLE_REASONS,
  metricsBucket,
  metricsLifecycle,
  objstoreConfig,
  sidecarSpec,
} from "../../infra/generators/thanos";
import { KUBE_PROMETHEUS_STACK, THANOS } from "../../infra/versions";
import { stackConfig } from "../../scripts/lib/stack-config";
import { releaseOf } from "../versions/chart-data";

const atLeast = (version: string, min: string): boolean => {
  const [a, b] = [version, min].map((v) => (releaseOf(v) ?? v).split(".").map(Number));
  for (let i = 0; i < 3; i++) if (a![i]! !== b![i]!) return a![i]! > b![i]!;
  return true;
};

describe("the metrics bucket's generator", () => {
  it("builds a SecureBucket on the archive's key, access-logged, protected in production only", () => {
    for (const stack of ["dev", "prod"] as const) {
      const config = stackConfig(stack);
      expect(metricsBucket(config)).toMatchObject({
        bucketName: config.thanos.bucketName,
        kms: true,
        accessLogPrefix: `${config.thanos.bucketName}/`,
        acceptsAccessLogs: false,
        protect: config.production,
      });
    }
  });

  it("expires nothing current, and gives each thing it does expire a reason", () => {
    const rules = metricsLifecycle();
    expect(rules).toHaveLength(1);
    for (const rule of rules) {
      expect(rule.expiration).toEqual({ expiredObjectDeleteMarker: true });
      expect(rule.transitions).toEqual([]);
      expect(rule.filter).toEqual({ prefix: "" });
    }
    expect(METRICS_LIFECYCLE_REASONS.map((r) => r.what)).toEqual([
      "no expiry of current objects",
      `noncurrent versions expire after ${rules[0]!.noncurrentVersionExpiration.noncurrentDays} days`,
      "expired delete markers are removed",
      `incomplete multipart uploads are aborted after ${rules[0]!.abortIncompleteMultipartUpload.daysAfterInitiation} days`,
    ]);
    for (const r of METRICS_LIFECYCLE_REASONS) expect(r.why.length).toBeGreaterThan(40);
  });
});

describe("the objstore config's generator", () => {
  it("leaves only the bucket, region, endpoint and key to pulumi up, and names no credential", () => {
    const text = JSON.stringify(objstoreConfig());
    expect([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(
      ["bucket", "kmsKeyArn", "region", "s3Endpoint"].sort(),
    );
    expect(text).not.toMatch(/access_key|secret_key|session_token|aws_sdk_auth/);
  });
});

describe("the bucket users' policies", () => {
  const refs = { bucketArn: "arn:aws:s3:::b", kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:key/k" };
  it.each(BUCKET_USERS)(
    "%s: bucket actions on the bucket, object actions on its objects, the key only for it",
    (user) => {
      const doc = bucketUserPolicy(user, refs);
      const statements = doc.Statement as { Action: string[]; Resource: string[] }[];
      expect(statements[0]!.Resource).toEqual([refs.bucketArn]);
      expect(statements[0]!.Action.every((a) => a === "s3:ListBucket")).toBe(true);
      expect(statements[1]!.Resource).toEqual([`${refs.bucketArn}/*`]);
      expect(statements[1]!.Action.every((a) => a.startsWith("s3:") && a !== "s3:ListBucket")).toBe(true);
      expect(statements[2]!.Resource).toEqual([refs.kmsKeyArn]);
      expect(statements[2]!.Action).toContain("kms:Decrypt");
      // Whoever writes objects needs data keys; the reader does not.
      expect(statements[2]!.Action.includes("kms:GenerateDataKey")).toBe(
        statements[1]!.Action.includes("s3:PutObject"),
      );
    },
  );
});

describe("the sidecar's block-duration mode", () => {
  it("is delayed compaction because the pinned operator, Prometheus and Thanos are all new enough", () => {
    // prometheus-operator 0.93.0 (#8694): Prometheus >= 3.9.0 and Thanos >= 0.41.0 keep local compaction.
    const { prometheusOperator, prometheus } = KUBE_PROMETHEUS_STACK.deploys;
    expect(atLeast(prometheusOperator, "0.93.0")).toBe(true);
    expect(atLeast(prometheus, "3.9.0")).toBe(true);
    expect(atLeast(THANOS.tag, "0.41.0")).toBe(true);
    expect(sidecarSpec().version).toBe(THANOS.tag);
    expect(BLOCK_DURATION_MODE.mode).toBe("delayed compaction");
  });
});
