import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { awsTags } from "../generators/archive";
import {
  BUCKET_USERS,
  type BucketUser,
  bucketUserDescription,
  bucketUserPolicy,
  bucketUserRoleName,
  bucketUserTrustPolicy,
  metricsBucket,
} from "../generators/thanos";
import { irsaRole } from "./irsa-role";
import { SecureBucket } from "./secure-bucket";

export interface ThanosBucketArgs {
  config: Pick<StackConfig, "thanos" | "metrics" | "kubernetes" | "environment" | "production">;
  /** The log archive's customer-managed key and access-log bucket, which this bucket shares. */
  archive: { kmsKeyArn: pulumi.Input<string>; accessLogBucket: pulumi.Input<string> };
}

export interface ThanosBucketOutputs {
  bucketName: pulumi.Output<string>;
  bucketArn: pulumi.Output<string>;
  /** The AWS provider's region, where the bucket is: the objstore config's endpoint and region. */
  region: pulumi.Output<string>;
  /** Per part that touches the bucket, the IAM role its ServiceAccount is annotated with. */
  roleArns: Record<BucketUser, pulumi.Output<string>>;
}

/**
 * The metrics bucket Thanos keeps long-term metrics in, and one IAM role per part that touches it
 * (the sidecar writes, the Store Gateway reads, the Compactor reads, writes and deletes). The parts
 * themselves are elsewhere: the sidecar in the Prometheus pods (Metrics), the others in Thanos.
 */
export class ThanosBucket extends pulumi.ComponentResource {
  readonly outputs: ThanosBucketOutputs;

  constructor(name: string, args: ThanosBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:thanos:ThanosBucket", name, {}, opts);
    const { config } = args;
    const child = { parent: this };
    const bucket = new SecureBucket(
      `${name}-bucket`,
      {
        spec: metricsBucket(config),
        kmsKeyArn: args.archive.kmsKeyArn,
        accessLogBucket: args.archive.accessLogBucket,
      },
      child,
    );
    const roleArns = Object.fromEntries(
      BUCKET_USERS.map((user) => {
        const role = irsaRole(
          `${name}-${bucketUserRoleName(user)}`,
          {
            description: bucketUserDescription(config, user),
            trustPolicy: bucketUserTrustPolicy(config, user),
            policy: pulumi
              .all([bucket.arn, args.archive.kmsKeyArn])
              .apply(([bucketArn, kmsKeyArn]) => bucketUserPolicy(user, { bucketArn, kmsKeyArn })),
            tags: awsTags(config, "thanos"),
          },
          this,
        );
        return [user, role.arn];
      }),
    ) as Record<BucketUser, pulumi.Output<string>>;

    this.outputs = {
      bucketName: bucket.name,
      bucketArn: bucket.arn,
      region: aws.getRegionOutput({}, child).region,
      roleArns,
    };
    this.registerOutputs(this.outputs);
  }
}
