import type * as aws from "@pulumi/aws";
import type { StackConfig } from "../../config";
import { type ServiceAccountRef, serviceAccountRoleDescription, serviceAccountTrustPolicy } from "../iam";
import { eckNames } from "./names";

/**
 * IAM for the logging stack's pods, through IAM roles for service accounts (IRSA): each role can be
 * assumed only by one Kubernetes service account, and no access key exists anywhere.
 */

export type IrsaRole = "es-snapshots" | "logstash-archive";

/** Which service account assumes each role. */
export const irsaServiceAccount = (config: Pick<StackConfig, "logging">, role: IrsaRole): string =>
  role === "es-snapshots" ? eckNames(config).esServiceAccount : eckNames(config).logstashServiceAccount;

/** The service account that assumes each role, in the logging namespace. */
const irsaAccount = (config: Pick<StackConfig, "logging">, role: IrsaRole): ServiceAccountRef => ({
  namespace: config.logging.namespace,
  name: irsaServiceAccount(config, role),
});

/** The trust policy: only `system:serviceaccount:<namespace>:<account>`, through the cluster's OIDC provider. */
export const irsaTrustPolicy = (
  config: Pick<StackConfig, "logging" | "kubernetes">,
  role: IrsaRole,
): aws.iam.PolicyDocument => serviceAccountTrustPolicy(config, irsaAccount(config, role));

/** The role's description as IAM shows it. */
export const irsaDescription = (config: Pick<StackConfig, "logging">, role: IrsaRole): string =>
  serviceAccountRoleDescription(irsaAccount(config, role));

/** Use of the archive's customer-managed key, which encrypts every bucket these roles touch. */
const kmsUse = (kmsKeyArn: string): aws.iam.PolicyStatement => ({
  Sid: "Kms",
  Effect: "Allow",
  Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
  Resource: [kmsKeyArn],
});

/** Elasticsearch's S3 repository: read and write the snapshot bucket, nothing else. */
export function snapshotRolePolicy(refs: { bucketArn: string; kmsKeyArn: string }): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SnapshotBucket",
        Effect: "Allow",
        Action: [
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:ListBucketMultipartUploads",
          "s3:ListBucketVersions",
        ],
        Resource: [refs.bucketArn],
      },
      {
        Sid: "SnapshotObjects",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: [`${refs.bucketArn}/*`],
      },
      kmsUse(refs.kmsKeyArn),
    ],
  };
}

/**
 * Logstash's archive output: write objects into every archive bucket. It may delete only the one
 * test object its s3 output writes at start-up to check its credentials: archived lines are never
 * deleted by anyone but the lifecycle rules.
 */
export function archiveWriterPolicy(
  config: Pick<StackConfig, "environment">,
  refs: { bucketArns: string[]; kmsKeyArn: string },
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ArchiveWrite",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: refs.bucketArns.map((arn) => `${arn}/*`),
      },
      {
        Sid: "CredentialCheckObject",
        Effect: "Allow",
        Action: ["s3:DeleteObject"],
        Resource: refs.bucketArns.map(
          (arn) => `${arn}/${config.environment}/logstash-programmatic-access-test-object*`,
        ),
      },
      {
        Sid: "ArchiveList",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: refs.bucketArns,
      },
      kmsUse(refs.kmsKeyArn),
    ],
  };
}
