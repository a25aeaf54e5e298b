import { beforeAll, describe, expect, it } from "vitest";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import { AUDIT_LOCK_DAYS } from "../../infra/generators/archive";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { ofType, rendered, STACKS } from "../helpers/render";

const S3 = (r: string) => `aws:s3/${r}`;

/** The resource of a type whose `bucket` input is the given bucket's ID. */
function forBucket(result: RenderResult, type: string, bucket: RecordedResource): RecordedResource {
  const bucketId = bucket.inputs.bucket as string; // the mock uses the bucket name as its ID
  const found = ofType(result, type).filter((r) => r.inputs.bucket === bucketId);
  expect(found, `${type} for ${bucketId}`).toHaveLength(1);
  return found[0]!;
}

describe.each(STACKS)("log archive in %s", (stack) => {
  let result: RenderResult;
  let buckets: RecordedResource[];
  beforeAll(() => {
    result = rendered(stack);
    buckets = ofType(result, S3("bucket:Bucket")).filter((b) => b.parent?.includes("Archive"));
  });

  const bucketOf = (logType: string) => {
    const b = buckets.find((x) => (x.inputs.bucket as string).endsWith(`-${logType}-logs`));
    if (!b) throw new Error(`no ${logType} bucket`);
    return b;
  };

  it("has a bucket per log type plus the access-log bucket", () => {
    expect(buckets.map((b) => b.inputs.bucket).sort()).toEqual(
      [
        ...LOG_TYPES.map((t) => `${result.config.archive.bucketPrefix}-${t}-logs`),
        `${result.config.archive.bucketPrefix}-access-logs`,
      ].sort(),
    );
  });

  it.each(LOG_TYPES)("expires %s logs at the retention period", (logType) => {
    const lc = forBucket(
      result,
      S3("bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
      bucketOf(logType),
    );
    const rules = lc.inputs.rules as { expiration: { days: number }; status: string }[];
    expect(rules).toHaveLength(1);
    expect(rules[0]!.expiration.days).toBe(RETENTION[logType].days);
    expect(rules[0]!.status).toBe("Enabled");
  });

  it("object-locks the audit bucket for 7 years, COMPLIANCE in production and GOVERNANCE elsewhere, with versioning", () => {
    const audit = bucketOf("audit");
    expect(audit.inputs.objectLockEnabled).toBe(true);
    const lock = forBucket(result, S3("bucketObjectLockConfiguration:BucketObjectLockConfiguration"), audit);
    // A dev stack must stay destroyable: GOVERNANCE can be bypassed by a privileged principal.
    const mode = result.config.production ? "COMPLIANCE" : "GOVERNANCE";
    expect(lock.inputs.rule).toEqual({ defaultRetention: { mode, days: AUDIT_LOCK_DAYS } });
    expect(result.config.production).toBe(stack === "prod");
    expect(AUDIT_LOCK_DAYS).toBeGreaterThanOrEqual(7 * 365);
    const versioning = forBucket(result, S3("bucketVersioning:BucketVersioning"), audit);
    expect(versioning.inputs.versioningConfiguration).toEqual({ status: "Enabled" });
    expect(ofType(result, S3("bucketObjectLockConfiguration:BucketObjectLockConfiguration"))).toHaveLength(1);
  });

  it("secures every bucket: no public access, no ACLs, encryption, TLS only, versioning", () => {
    for (const b of buckets) {
      expect(
        forBucket(result, S3("bucketPublicAccessBlock:BucketPublicAccessBlock"), b).inputs,
      ).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(forBucket(result, S3("bucketOwnershipControls:BucketOwnershipControls"), b).inputs.rule).toEqual(
        {
          objectOwnership: "BucketOwnerEnforced",
        },
      );
      const policy = JSON.parse(
        forBucket(result, S3("bucketPolicy:BucketPolicy"), b).inputs.policy as string,
      );
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
      expect(
        forBucket(result, S3("bucketVersioning:BucketVersioning"), b).inputs.versioningConfiguration,
      ).toEqual({
        status: "Enabled",
      });
      expect(b.inputs.forceDestroy).toBe(false);
    }
  });

  it("encrypts log buckets with the rotating customer-managed key; the access-log bucket with SSE-S3", () => {
    const [key] = ofType(result, "aws:kms/key:Key");
    expect(key!.inputs).toMatchObject({ enableKeyRotation: true });
    for (const b of buckets) {
      const enc = forBucket(
        result,
        S3("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
        b,
      );
      const byDefault = (
        enc.inputs.rules as { applyServerSideEncryptionByDefault: Record<string, string> }[]
      )[0]!.applyServerSideEncryptionByDefault;
      const isAccessLogs = (b.inputs.bucket as string).endsWith("-access-logs");
      // S3 delivers server access logs only to SSE-S3 buckets.
      expect(byDefault.sseAlgorithm).toBe(isAccessLogs ? "AES256" : "aws:kms");
      const keyArn = (result.outputs as { logArchive: { kmsKeyArn: string } }).logArchive.kmsKeyArn;
      if (!isAccessLogs) expect(byDefault.kmsMasterKeyId).toBe(keyArn);
    }
  });

  it("logs access to every log bucket into the access-log bucket", () => {
    const target = `${result.config.archive.bucketPrefix}-access-logs`;
    for (const logType of LOG_TYPES) {
      const logging = forBucket(result, S3("bucketLogging:BucketLogging"), bucketOf(logType));
      expect(logging.inputs.targetBucket).toBe(target);
    }
  });

  it("protects buckets and the key in production, and only there", () => {
    const stateful = [...buckets, ...ofType(result, "aws:kms/key:Key")];
    for (const r of stateful) {
      expect(r.protect, r.name).toBe(result.config.production);
      expect(r.retainOnDelete, r.name).toBe(result.config.production);
    }
  });

  it("exports bucket names and ARNs per log type", () => {
    const outputs = result.outputs as {
      logArchive: { buckets: Record<string, { name: string; arn: string }> };
    };
    for (const t of LOG_TYPES) {
      expect(outputs.logArchive.buckets[t]).toEqual({
        name: `${result.config.archive.bucketPrefix}-${t}-logs`,
        arn: `arn:aws:s3:::${result.config.archive.bucketPrefix}-${t}-logs`,
      });
    }
  });
});
