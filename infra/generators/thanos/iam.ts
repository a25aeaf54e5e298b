import type * as aws from "@pulumi/aws";
import type { StackConfig } from "../../config";
import { type ServiceAccountRef, serviceAccountRoleDescription, serviceAccountTrustPolicy } from "../iam";
import { BUCKET_USER_ACCOUNTS, type BucketUser, THANOS_PARTS, thanosNames } from "./names";

/**
 * One IAM role per part that touches the metrics bucket, each assumable only by that part's
 * ServiceAccount (IRSA) and allowed only what that part does to the bucket (the S3 calls of
 * Thanos's objstore client: Iter = ListObjectsV2, Get/Exists/Attributes = GetObject/HeadObject,
 * Upload = PutObject or a multipart upload, Delete = DeleteObject).
 */
export interface BucketAccess {
  /** On the bucket itself. */
  bucket: string[];
  /** On its objects. */
  objects: string[];
  /** On the archive's customer-managed key, which encrypts every object (SSE-KMS). */
  kms: string[];
  why: string;
}

/**
 * S3 with SSE-KMS calls the key on the caller's behalf: kms:GenerateDataKey to write, kms:Decrypt to
 * read and to complete a multipart upload. Multipart uploads (blocks over 64 MiB) that fail are
 * aborted by the writer (s3:AbortMultipartUpload). Deleting in a versioned bucket only adds a delete
 * marker (s3:DeleteObject), so no part may delete a version.
 */
export const BUCKET_ACCESS: Readonly<Record<BucketUser, BucketAccess>> = {
  sidecar: {
    bucket: ["s3:ListBucket"],
    objects: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
    kms: ["kms:GenerateDataKey", "kms:Decrypt"],
    why: "uploads each block Prometheus completes; never deletes (the Compactor does)",
  },
  storeGateway: {
    bucket: ["s3:ListBucket"],
    objects: ["s3:GetObject"],
    kms: ["kms:Decrypt"],
    why: "reads blocks' indexes and chunks to answer queries; writes nothing",
  },
  compactor: {
    bucket: ["s3:ListBucket"],
    objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
    kms: ["kms:GenerateDataKey", "kms:Decrypt"],
    why: "reads blocks, writes compacted and downsampled ones and deletion marks, deletes what is compacted away or past retention",
  },
};

/** The ServiceAccount each role trusts, in the metrics namespace. */
export const bucketUserAccount = (
  config: Pick<StackConfig, "metrics">,
  user: BucketUser,
): ServiceAccountRef => ({ namespace: thanosNames(config).namespace, name: BUCKET_USER_ACCOUNTS[user] });

export const bucketUserTrustPolicy = (
  config: Pick<StackConfig, "metrics" | "kubernetes">,
  user: BucketUser,
): aws.iam.PolicyDocument => serviceAccountTrustPolicy(config, bucketUserAccount(config, user));

export const bucketUserDescription = (config: Pick<StackConfig, "metrics">, user: BucketUser): string =>
  `${serviceAccountRoleDescription(bucketUserAccount(config, user))}: ${THANOS_PARTS[user]} on the metrics bucket`;

/** The role's Pulumi name under the component: one per part, in kebab case. */
export const bucketUserRoleName = (user: BucketUser): string =>
  user.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The role's policy. The key is shared with the log archive, so its use is bound to this bucket by
 * the encryption context S3 passes: the bucket's ARN with an S3 Bucket Key (the bucket's setting),
 * the object's ARN without one.
 */
export function bucketUserPolicy(
  user: BucketUser,
  refs: { bucketArn: string; kmsKeyArn: string },
): aws.iam.PolicyDocument {
  const access = BUCKET_ACCESS[user];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "MetricsBucket", Effect: "Allow", Action: access.bucket, Resource: [refs.bucketArn] },
      {
        Sid: "MetricsObjects",
        Effect: "Allow",
        Action: access.objects,
        Resource: [`${refs.bucketArn}/*`],
      },
      {
        Sid: "MetricsKey",
        Effect: "Allow",
        Action: access.kms,
        Resource: [refs.kmsKeyArn],
        Condition: {
          StringLike: { "kms:EncryptionContext:aws:s3:arn": [refs.bucketArn, `${refs.bucketArn}/*`] },
        },
      },
    ],
  };
}
