import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_TYPES, type LogType } from "../catalog/retention";
import type { ArchiveConfig } from "../config";
import {
  AUDIT_LOCK_DAYS,
  accessLogBucketName,
  archiveBucketName,
  lifecyclePlan,
} from "../generators/archive";
import { SecureBucket } from "./secure-bucket";

export interface ArchiveArgs {
  archive: ArchiveConfig;
  environment: string;
  /** Protect buckets and the key against deletion. */
  production: boolean;
}

export interface ArchiveBucketOutput {
  name: pulumi.Output<string>;
  arn: pulumi.Output<string>;
}

/**
 * The S3 log archive: one bucket per log type whose lifecycle enforces the retention table, the
 * audit bucket object-locked for 7 years, all encrypted with one rotating customer-managed key.
 */
export class Archive extends pulumi.ComponentResource {
  readonly buckets: Record<LogType, ArchiveBucketOutput>;
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly accessLogBucket: ArchiveBucketOutput;
  /** Kept together for stack outputs and for the log shippers. */
  readonly outputs: {
    buckets: Record<LogType, ArchiveBucketOutput>;
    kmsKeyArn: pulumi.Output<string>;
    accessLogBucket: pulumi.Output<string>;
  };

  constructor(name: string, args: ArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:archive:Archive",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:archive:LogArchive" }] },
    );
    const stateful = { parent: this, protect: args.production, retainOnDelete: args.production };
    const tags = { environment: args.environment, "managed-by": "pulumi", component: "log-archive" };

    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Encrypts the ${args.environment} log archive buckets`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.archive.kmsDeletionWindowDays,
        tags,
      },
      stateful,
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: `alias/${args.archive.bucketPrefix}-log-archive`, targetKeyId: key.keyId },
      { parent: this },
    );
    this.kmsKeyArn = key.arn;

    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const accessLogs = new SecureBucket(
      `${name}-access-logs`,
      {
        bucketName: accessLogBucketName(args.archive),
        acceptAccessLogsFrom: account,
        lifecycle: {
          expirationDays: args.archive.accessLogRetentionDays,
          noncurrentVersionDays: 30,
          abortIncompleteMultipartDays: 7,
        },
        protect: args.production,
        tags: { ...tags, "log-type": "s3-access" },
      },
      { parent: this },
    );
    this.accessLogBucket = { name: accessLogs.name, arn: accessLogs.arn };

    const buckets = {} as Record<LogType, ArchiveBucketOutput>;
    for (const logType of LOG_TYPES) {
      const bucketName = archiveBucketName(args.archive, logType);
      const b = new SecureBucket(
        `${name}-${logType}`,
        {
          bucketName,
          kmsKeyArn: key.arn,
          accessLogs: { bucket: accessLogs.name, prefix: `${bucketName}/` },
          lifecycle: lifecyclePlan(logType),
          objectLockDays: logType === "audit" ? AUDIT_LOCK_DAYS : undefined,
          protect: args.production,
          tags: { ...tags, "log-type": logType },
        },
        { parent: this },
      );
      buckets[logType] = { name: b.name, arn: b.arn };
    }
    this.buckets = buckets;
    this.outputs = { buckets, kmsKeyArn: this.kmsKeyArn, accessLogBucket: accessLogs.name };
    this.registerOutputs(this.outputs);
  }
}
