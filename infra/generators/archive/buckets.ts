import type * as aws from "@pulumi/aws";
import { LOG_TYPES, type LogType, RETENTION } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { ref } from "../refs";
import { accessLogPlan, type LifecycleRule, lifecyclePlan, lifecycleRule } from "./lifecycle";

/** Audit logs are object-locked for their whole retention period. */
export const AUDIT_LOCK_DAYS = RETENTION.audit.days;

/**
 * COMPLIANCE in production: nobody, root included, can delete or shorten it. Elsewhere GOVERNANCE:
 * the same default retention, but a principal with s3:BypassGovernanceRetention can delete, so a
 * dev stack can be destroyed within seven years.
 */
export const auditLockMode = (config: Pick<StackConfig, "production">): "COMPLIANCE" | "GOVERNANCE" =>
  config.production ? "COMPLIANCE" : "GOVERNANCE";

/** Bucket names: `<archive.bucketPrefix>-<purpose>`, so every bucket of a stack shares the prefix. */
export const bucketName = (config: Pick<StackConfig, "archive">, purpose: string): string =>
  `${config.archive.bucketPrefix}-${purpose}`;
export const archiveBucketName = (config: Pick<StackConfig, "archive">, logType: LogType): string =>
  bucketName(config, `${logType}-logs`);
export const accessLogBucketName = (config: Pick<StackConfig, "archive">): string =>
  bucketName(config, "access-logs");

/** Tags of every AWS resource of one concern. */
export const awsTags = (
  config: Pick<StackConfig, "environment">,
  component: string,
): Record<string, string> => ({
  environment: config.environment,
  "managed-by": "pulumi",
  component,
});

/**
 * What one bucket of this platform needs. Every bucket gets versioning, blocked public access,
 * disabled ACLs, default encryption and a TLS-only policy; the rest is per bucket.
 */
export interface SecureBucketSpec {
  bucketName: string;
  /**
   * SSE-KMS with the archive's customer-managed key. Off only for the S3 access-log target: S3
   * delivers server access logs only to buckets encrypted with SSE-S3.
   */
  kms: boolean;
  /** Prefix of this bucket's server access logs in the access-log bucket; unset: not logged. */
  accessLogPrefix?: string;
  /** The bucket receives S3 server access logs of this account's buckets. */
  acceptsAccessLogs: boolean;
  lifecycle?: LifecycleRule[];
  /** Default Object Lock retention of every new object. */
  objectLock?: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number };
  /** Protect the bucket and keep it on delete (production). */
  protect: boolean;
  tags: Record<string, string>;
}

/** References the bucket's resources are wired with. */
export const BUCKET_REFS = {
  bucket: ref("bucket"),
  kmsKeyArn: ref("kmsKeyArn"),
  accessLogBucket: ref("accessLogBucket"),
} as const;

/**
 * The arguments of every resource of one secure bucket (the bucket policy's document comes from
 * `bucketPolicy`, which needs the bucket's ARN). With @pulumi/aws v7, each setting is its own
 * resource rather than an inline property of the bucket.
 */
export function secureBucketArgs(spec: SecureBucketSpec) {
  const bucket = BUCKET_REFS.bucket;
  return {
    bucket: {
      bucket: spec.bucketName,
      objectLockEnabled: spec.objectLock !== undefined,
      // Never empty a bucket on delete; with protect off (dev) a non-empty bucket fails to delete.
      forceDestroy: false,
      tags: spec.tags,
    },
    versioning: { bucket, versioningConfiguration: { status: "Enabled" } },
    publicAccessBlock: {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    ownership: { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    encryption: {
      bucket,
      rules: [
        spec.kms
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: BUCKET_REFS.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    },
    objectLock:
      spec.objectLock === undefined
        ? undefined
        : {
            bucket,
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode: spec.objectLock.mode, days: spec.objectLock.days } },
          },
    logging:
      spec.accessLogPrefix === undefined
        ? undefined
        : { bucket, targetBucket: BUCKET_REFS.accessLogBucket, targetPrefix: spec.accessLogPrefix },
    lifecycle: spec.lifecycle === undefined ? undefined : { bucket, rules: spec.lifecycle },
  };
}

/**
 * The bucket policy: deny every request without TLS, and let S3's logging service write server
 * access logs of `logSourceAccount`'s buckets where the bucket is an access-log target.
 */
export function bucketPolicy(bucketArn: string, logSourceAccount?: string): aws.iam.PolicyDocument {
  const statements: aws.iam.PolicyStatement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  if (logSourceAccount !== undefined) {
    statements.push({
      Sid: "AllowS3ServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringEquals: { "aws:SourceAccount": logSourceAccount } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

type ArchiveInput = Pick<StackConfig, "archive" | "environment" | "production">;

/** The access-log bucket, then one bucket per log type whose lifecycle is its retention row. */
export function archiveBuckets(
  config: ArchiveInput,
): { accessLogs: SecureBucketSpec } & Record<LogType, SecureBucketSpec> {
  const tags = awsTags(config, "log-archive");
  const perType = Object.fromEntries(
    LOG_TYPES.map((logType) => {
      const name = archiveBucketName(config, logType);
      const spec: SecureBucketSpec = {
        bucketName: name,
        kms: true,
        accessLogPrefix: `${name}/`,
        acceptsAccessLogs: false,
        lifecycle: [lifecycleRule(lifecyclePlan(logType))],
        ...(logType === "audit"
          ? { objectLock: { mode: auditLockMode(config), days: AUDIT_LOCK_DAYS } }
          : {}),
        protect: config.production,
        tags: { ...tags, "log-type": logType },
      };
      return [logType, spec];
    }),
  ) as Record<LogType, SecureBucketSpec>;
  return {
    accessLogs: {
      bucketName: accessLogBucketName(config),
      kms: false,
      acceptsAccessLogs: true,
      lifecycle: [lifecycleRule(accessLogPlan(config.archive.accessLogRetentionDays))],
      protect: config.production,
      tags: { ...tags, "log-type": "s3-access" },
    },
    ...perType,
  };
}

/** The archive's customer-managed key, rotated yearly, and its alias. */
export function archiveKey(config: ArchiveInput) {
  return {
    key: {
      description: `Encrypts the ${config.environment} log archive buckets`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: config.archive.kmsDeletionWindowDays,
      tags: awsTags(config, "log-archive"),
    },
    alias: { name: `alias/${config.archive.bucketPrefix}-log-archive`, targetKeyId: ref("keyId") },
  };
}
