import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LifecyclePlan } from "../generators/archive";

export interface SecureBucketArgs {
  bucketName: string;
  /** SSE-KMS with this customer-managed key; omitted only for S3 access-log targets, which S3 requires to use SSE-S3. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Where S3 server access logs of this bucket go. */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string };
  lifecycle?:
    | LifecyclePlan
    | { expirationDays: number; noncurrentVersionDays: number; abortIncompleteMultipartDays: number };
  /** Default Object Lock retention (COMPLIANCE: nobody, root included, can shorten it). */
  objectLockDays?: number;
  /** Lets the S3 logging service write access logs of the given source account into this bucket. */
  acceptAccessLogsFrom?: pulumi.Input<string>;
  /** Protect the bucket and keep it on delete (prod). */
  protect: boolean;
  tags: Record<string, string>;
}

/**
 * An S3 bucket with the settings every bucket of this platform must have: versioning, public access
 * blocked, ACLs disabled, default encryption, TLS-only bucket policy, access logging, lifecycle.
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:storage:SecureBucket", name, {}, opts);
    const child = { parent: this };
    const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };

    this.bucket = new aws.s3.Bucket(
      name,
      {
        bucket: args.bucketName,
        objectLockEnabled: args.objectLockDays !== undefined,
        // Never empty a bucket on delete; with protect off (dev) a non-empty bucket fails to delete.
        forceDestroy: false,
        tags: args.tags,
      },
      stateful,
    );
    const bucket = this.bucket.id;

    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      stateful,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          args.kmsKeyArn === undefined
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
            : {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: args.kmsKeyArn,
                },
                bucketKeyEnabled: true,
              },
        ],
      },
      child,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket, policy: bucketPolicy(this.bucket.arn, args.acceptAccessLogsFrom) },
      child,
    );
    if (args.objectLockDays !== undefined) {
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        {
          bucket,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: "COMPLIANCE", days: args.objectLockDays } },
        },
        { ...stateful, dependsOn: [versioning] },
      );
    }
    if (args.accessLogs) {
      new aws.s3.BucketLogging(
        `${name}-access-logging`,
        { bucket, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
        child,
      );
    }
    if (args.lifecycle) {
      const plan = args.lifecycle;
      new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        {
          bucket,
          rules: [
            {
              id:
                "logType" in plan
                  ? `${plan.logType}-retention-${plan.expirationDays}d`
                  : `retention-${plan.expirationDays}d`,
              status: "Enabled",
              filter: { prefix: "" },
              transitions:
                "transitions" in plan
                  ? plan.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass }))
                  : [],
              expiration: { days: plan.expirationDays },
              noncurrentVersionExpiration: { noncurrentDays: plan.noncurrentVersionDays },
              abortIncompleteMultipartUpload: { daysAfterInitiation: plan.abortIncompleteMultipartDays },
            },
          ],
        },
        // S3 evaluates lifecycle rules against versions, so versioning must exist first.
        { ...child, dependsOn: [versioning] },
      );
    }

    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}

function bucketPolicy(
  arn: pulumi.Output<string>,
  logSourceAccount?: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.all([arn, logSourceAccount]).apply(([bucketArn, account]) => {
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
    if (account !== undefined) {
      statements.push({
        Sid: "AllowS3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      });
    }
    const doc: aws.iam.PolicyDocument = { Version: "2012-10-17", Statement: statements };
    return JSON.stringify(doc);
  });
}
