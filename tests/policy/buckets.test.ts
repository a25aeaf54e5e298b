import { describe, expect, it } from "vitest";
import {
  bucketsBlockPublicAccess,
  bucketsDenyInsecureTransport,
  bucketsEncryptedWithKms,
  bucketsWithoutAcls,
  kmsKeyRotation,
} from "../../policy/buckets";
import { bucket } from "./fixtures";
import { resource, runPolicies, violationsOf } from "./harness";

const run = async (
  policy: Parameters<typeof runPolicies>[0][number],
  resources: Parameters<typeof runPolicies>[1],
) => violationsOf(await runPolicies([policy], resources), policy.name);

const compliant = [...bucket({ name: "acme-application-logs" }), ...bucket({ name: "acme-access-logs" })];

describe("s3-public-access-blocked", () => {
  it("passes buckets with all four settings on", async () => {
    expect(await run(bucketsBlockPublicAccess, compliant)).toEqual([]);
  });
  it("flags a missing block, a setting left off and a policy open to everyone", async () => {
    const missing = await run(
      bucketsBlockPublicAccess,
      bucket({ name: "b1", patch: { "public-access": undefined } }),
    );
    expect(missing).toEqual(["bucket b1 has no public access block"]);
    const off = await run(
      bucketsBlockPublicAccess,
      bucket({
        name: "b2",
        patch: {
          "public-access": {
            bucket: "b2",
            blockPublicAcls: true,
            blockPublicPolicy: false,
            ignorePublicAcls: true,
          },
        },
      }),
    );
    expect(off).toEqual([
      "bucket b2: public access block leaves blockPublicPolicy, restrictPublicBuckets off",
    ]);
    const open = await run(
      bucketsBlockPublicAccess,
      bucket({
        name: "b3",
        patch: {
          policy: {
            bucket: "b3",
            policy: JSON.stringify({
              Statement: [
                {
                  Effect: "Allow",
                  Principal: { AWS: "*" },
                  Action: "s3:GetObject",
                  Resource: "arn:aws:s3:::b3/*",
                },
              ],
            }),
          },
        },
      }),
    );
    expect(open).toEqual([expect.stringContaining("allows access to everyone")]);
  });
});

describe("s3-deny-insecure-transport", () => {
  it("passes buckets whose policy denies requests without TLS", async () => {
    expect(await run(bucketsDenyInsecureTransport, compliant)).toEqual([]);
  });
  it("flags a bucket without policy and a deny that misses the objects", async () => {
    expect(
      await run(bucketsDenyInsecureTransport, bucket({ name: "b1", patch: { policy: undefined } })),
    ).toEqual(["bucket b1 has no bucket policy denying requests without TLS"]);
    const partial = {
      bucket: "b2",
      policy: {
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: "arn:aws:s3:::b2",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      },
    };
    expect(
      await run(bucketsDenyInsecureTransport, bucket({ name: "b2", patch: { policy: partial } })),
    ).toEqual([expect.stringContaining("no bucket policy statement denies s3:*")]);
  });
});

describe("s3-kms-encryption", () => {
  it("passes KMS buckets and the SSE-S3 access-log bucket", async () => {
    expect(await run(bucketsEncryptedWithKms, compliant)).toEqual([]);
  });
  it("flags SSE-S3 on a log bucket, AWS-managed KMS keys and no encryption", async () => {
    const sseS3 = {
      bucket: "b1",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    };
    expect(await run(bucketsEncryptedWithKms, bucket({ name: "b1", patch: { encryption: sseS3 } }))).toEqual([
      "bucket b1 is encrypted with AES256, expected SSE-KMS with a customer-managed key",
    ]);
    const awsKey = {
      bucket: "b2",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
    };
    expect(await run(bucketsEncryptedWithKms, bucket({ name: "b2", patch: { encryption: awsKey } }))).toEqual(
      ["bucket b2 uses SSE-KMS without a customer-managed key (kmsMasterKeyId)"],
    );
    expect(
      await run(bucketsEncryptedWithKms, bucket({ name: "b3", patch: { encryption: undefined } })),
    ).toEqual(["bucket b3 has no default encryption configuration"]);
  });
  it("requires SSE-S3 on the bucket that receives access logs, recognised by name or by a BucketLogging target", async () => {
    const kms = {
      bucket: "acme-access-logs",
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: "arn:aws:kms:us-east-1:1:key/k",
          },
        },
      ],
    };
    expect(
      await run(bucketsEncryptedWithKms, bucket({ name: "acme-access-logs", patch: { encryption: kms } })),
    ).toEqual([expect.stringContaining("S3 cannot deliver access logs to a bucket encrypted with aws:kms")]);
    // A bucket named like the log bucket but that S3 logging cannot write to gets no exception.
    const tlsOnly = {
      bucket: "acme-old-access-logs",
      policy: JSON.stringify({
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["arn:aws:s3:::acme-old-access-logs", "arn:aws:s3:::acme-old-access-logs/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    };
    expect(
      await run(
        bucketsEncryptedWithKms,
        bucket({ name: "acme-old-access-logs", patch: { policy: tlsOnly } }),
      ),
    ).toEqual([
      "bucket acme-old-access-logs is encrypted with AES256, expected SSE-KMS with a customer-managed key",
    ]);
    // A differently named bucket that is a log target may use SSE-S3 (and must).
    const sseS3 = {
      bucket: "acme-s3-logs",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    };
    const logging = resource("aws:s3/bucketLogging:BucketLogging", "src-logging", {
      bucket: "src",
      targetBucket: "acme-s3-logs",
      targetPrefix: "src/",
    });
    expect(
      await run(bucketsEncryptedWithKms, [
        ...bucket({ name: "acme-s3-logs", patch: { encryption: sseS3 } }),
        logging,
      ]),
    ).toEqual([]);
  });
});

describe("s3-no-acls", () => {
  it("passes buckets with BucketOwnerEnforced", async () => {
    expect(await run(bucketsWithoutAcls, compliant)).toEqual([]);
  });
  it("flags ACLs enabled, ACL resources and a public canned ACL", async () => {
    const preferred = { bucket: "b1", rule: { objectOwnership: "BucketOwnerPreferred" } };
    expect(await run(bucketsWithoutAcls, bucket({ name: "b1", patch: { ownership: preferred } }))).toEqual([
      "bucket b1 does not disable ACLs (ownership controls with BucketOwnerEnforced)",
    ]);
    const acl = resource("aws:s3/bucketAcl:BucketAcl", "b2-acl", { bucket: "b2", acl: "public-read" });
    expect(await run(bucketsWithoutAcls, bucket({ name: "b2", extra: [acl] }))).toEqual([
      "bucket b2 has an ACL resource (b2-acl); ACLs must stay disabled",
    ]);
    const [b3, ...rest] = bucket({ name: "b3" });
    const withAcl = { ...b3!, inputs: { ...b3!.inputs, acl: "public-read-write" } };
    expect(await run(bucketsWithoutAcls, [withAcl, ...rest])).toEqual([
      "bucket b3 sets the ACL public-read-write",
    ]);
  });
});

describe("kms-key-rotation", () => {
  it("flags a key without rotation and passes one with it", async () => {
    const on = resource("aws:kms/key:Key", "on", { enableKeyRotation: true });
    const off = resource("aws:kms/key:Key", "off", { enableKeyRotation: false });
    const r = await runPolicies([kmsKeyRotation], [on, off]);
    expect(r.violations).toEqual([
      {
        policy: "kms-key-rotation",
        enforcementLevel: "advisory",
        message: "KMS key off does not rotate (enableKeyRotation)",
        urn: off.urn,
      },
    ]);
  });
});
