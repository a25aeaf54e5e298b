import type { RecordedResource } from "../../scripts/lib/recorded";
import { resource } from "./harness";

export interface BucketOptions {
  name: string;
  tags?: Record<string, string>;
  /** Replace or drop (undefined) one sub-resource's inputs by suffix: "public-access", "policy", ... */
  patch?: Record<string, Record<string, unknown> | undefined>;
  objectLockEnabled?: boolean;
  /** More resources configuring this bucket (they get the bucket name as `bucket` input). */
  extra?: RecordedResource[];
}

/** A compliant bucket with every sub-resource the bucket policies expect, as SecureBucket makes it. */
export function bucket(o: BucketOptions): RecordedResource[] {
  const parent = `urn:pulumi:dev::observability::observability:storage:SecureBucket::${o.name}`;
  const arn = `arn:aws:s3:::${o.name}`;
  const kms = !o.name.endsWith("-access-logs");
  const subs: Record<string, [string, Record<string, unknown>]> = {
    "public-access": [
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      {
        bucket: o.name,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    ],
    ownership: [
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      { bucket: o.name, rule: { objectOwnership: "BucketOwnerEnforced" } },
    ],
    encryption: [
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      {
        bucket: o.name,
        rules: [
          kms
            ? {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: "arn:aws:kms:us-east-1:1:key/k",
                },
                bucketKeyEnabled: true,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
    ],
    policy: [
      "aws:s3/bucketPolicy:BucketPolicy",
      {
        bucket: o.name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            // As SecureBucket's acceptAccessLogsFrom: the S3 logging service may write.
            ...(kms
              ? []
              : [
                  {
                    Sid: "AllowS3ServerAccessLogs",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: `${arn}/*`,
                    Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
                  },
                ]),
          ],
        }),
      },
    ],
  };
  const out: RecordedResource[] = [
    resource(
      "aws:s3/bucket:Bucket",
      o.name,
      { bucket: o.name, tags: o.tags ?? {}, objectLockEnabled: o.objectLockEnabled ?? false },
      { parent },
    ),
  ];
  for (const [suffix, [type, inputs]] of Object.entries(subs)) {
    const patched = o.patch && suffix in o.patch ? o.patch[suffix] : inputs;
    if (patched) out.push(resource(type, `${o.name}-${suffix}`, patched, { parent }));
  }
  return [...out, ...(o.extra ?? [])];
}
