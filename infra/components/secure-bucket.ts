import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketPolicy, type SecureBucketSpec, secureBucketArgs } from "../generators/archive";
import { wire } from "./refs";

export interface SecureBucketArgs {
  spec: SecureBucketSpec;
  /** The customer-managed key of SSE-KMS buckets. */
  kmsKeyArn?: pulumi.Input<string>;
  /** The bucket that receives this bucket's server access logs. */
  accessLogBucket?: pulumi.Input<string>;
  /** The account whose buckets log into this one (access-log targets). */
  logSourceAccount?: pulumi.Input<string>;
}

/**
 * An S3 bucket with the settings every bucket of this platform must have (secureBucketArgs):
 * versioning, public access blocked, ACLs disabled, default encryption, a TLS-only policy, access
 * logging, lifecycle and Object Lock where the spec asks.
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:storage:SecureBucket", name, {}, opts);
    const { spec } = args;
    const child = { parent: this };
    const stateful = { parent: this, protect: spec.protect, retainOnDelete: spec.protect };
    const a = secureBucketArgs(spec);

    this.bucket = new aws.s3.Bucket(name, a.bucket, stateful);
    const refs = {
      bucket: this.bucket.id,
      ...(args.kmsKeyArn === undefined ? {} : { kmsKeyArn: args.kmsKeyArn }),
      ...(args.accessLogBucket === undefined ? {} : { accessLogBucket: args.accessLogBucket }),
    };
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, wire(a.versioning, refs), stateful);
    new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, wire(a.publicAccessBlock, refs), child);
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, wire(a.ownership, refs), child);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, wire(a.encryption, refs), child);
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: this.bucket.id,
        policy: pulumi
          .all([this.bucket.arn, spec.acceptsAccessLogs ? args.logSourceAccount : undefined])
          .apply(([arn, account]) => JSON.stringify(bucketPolicy(arn, account))),
      },
      child,
    );
    if (a.objectLock)
      new aws.s3.BucketObjectLockConfiguration(`${name}-object-lock`, wire(a.objectLock, refs), {
        ...stateful,
        dependsOn: [versioning],
      });
    if (a.logging) new aws.s3.BucketLogging(`${name}-access-logging`, wire(a.logging, refs), child);
    // S3 evaluates lifecycle rules against versions, so versioning must exist first.
    if (a.lifecycle)
      new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, wire(a.lifecycle, refs), {
        ...child,
        dependsOn: [versioning],
      });

    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
