import { beforeAll, describe, expect, it } from "vitest";
import {
  BUCKET_ACCESS,
  BUCKET_USER_ACCOUNTS,
  BUCKET_USERS,
  bucketUserRoleName,
  METRICS_BUCKET_PURPOSE,
  METRICS_NONCURRENT_DAYS,
} from "../../infra/generators/thanos";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { componentResources, one, ofType, rendered, STACKS } from "../helpers/render";

/** The ThanosBucket component under Pulumi mocks, through the real program, for every stack. */

const S3 = (r: string) => `aws:s3/${r}`;

describe.each(STACKS)("ThanosBucket (%s)", (stack) => {
  let r: RenderResult;
  let mine: RecordedResource[];
  let bucket: RecordedResource;
  beforeAll(() => {
    r = rendered(stack);
    mine = componentResources(r, "observability:thanos:ThanosBucket");
    bucket = one(r, S3("bucket:Bucket"), "thanos-bucket");
  });
  const forBucket = (type: string) => {
    const found = ofType(r, S3(type)).filter((x) => x.inputs.bucket === bucket.inputs.bucket);
    expect(found, type).toHaveLength(1);
    return found[0]!;
  };

  it("creates one bucket named thanos.bucketName, tagged as the metrics bucket", () => {
    expect(mine.filter((x) => x.type === S3("bucket:Bucket"))).toHaveLength(1);
    expect(bucket.inputs).toMatchObject({
      bucket: r.config.thanos.bucketName,
      forceDestroy: false,
      tags: { component: "thanos", purpose: METRICS_BUCKET_PURPOSE, environment: r.config.environment },
    });
  });

  it("versions it, encrypts it with the archive's key, denies plain HTTP and logs access into the archive's log bucket", () => {
    expect(forBucket("bucketVersioning:BucketVersioning").inputs).toMatchObject({
      versioningConfiguration: { status: "Enabled" },
    });
    const key = one(r, "aws:kms/key:Key", "log-archive-key");
    const enc = forBucket("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
      .inputs as { rules: { applyServerSideEncryptionByDefault: Record<string, string> }[] };
    expect(enc.rules[0]!.applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: expect.stringMatching(/^arn:aws:kms:/),
    });
    expect(key).toBeDefined();
    const policy = JSON.parse(String(forBucket("bucketPolicy:BucketPolicy").inputs.policy));
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(forBucket("bucketLogging:BucketLogging").inputs).toMatchObject({
      targetBucket: `${r.config.archive.bucketPrefix}-access-logs`,
      targetPrefix: `${r.config.thanos.bucketName}/`,
    });
  });

  it("expires no current object: only noncurrent versions, delete markers and incomplete uploads", () => {
    const lifecycle = forBucket("bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs as {
      rules: Record<string, unknown>[];
    };
    expect(lifecycle.rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        transitions: [],
        expiration: { expiredObjectDeleteMarker: true },
        noncurrentVersionExpiration: { noncurrentDays: METRICS_NONCURRENT_DAYS },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      }),
    ]);
    const file = r.artifacts.find((a) => a.path === `s3/${r.config.thanos.bucketName}-lifecycle.json`);
    expect(JSON.parse(file!.content)).toEqual({ rules: lifecycle.rules });
  });

  it("protects and keeps the bucket in production only", () => {
    expect(bucket.protect).toBe(r.config.production);
    expect(bucket.retainOnDelete).toBe(r.config.production);
    expect(forBucket("bucketVersioning:BucketVersioning").protect).toBe(r.config.production);
  });

  it.each(BUCKET_USERS)(
    "gives %s a role only its ServiceAccount assumes, allowed only its actions",
    (user) => {
      const role = one(r, "aws:iam/role:Role", `thanos-${bucketUserRoleName(user)}`);
      const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
      const { issuer, arn } = r.config.kubernetes.oidcProvider;
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${issuer}:sub`]: `system:serviceaccount:${r.config.metrics.namespace}:${BUCKET_USER_ACCOUNTS[user]}`,
              [`${issuer}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ]);
      const policy = JSON.parse(
        String(
          one(r, "aws:iam/rolePolicy:RolePolicy", `thanos-${bucketUserRoleName(user)}-policy`).inputs.policy,
        ),
      ) as { Statement: { Action: string[]; Resource: string[]; Condition?: unknown }[] };
      const bucketArn = `arn:aws:s3:::${r.config.thanos.bucketName}`;
      const a = BUCKET_ACCESS[user];
      expect(policy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
        [a.bucket, [bucketArn]],
        [a.objects, [`${bucketArn}/*`]],
        [a.kms, [expect.stringMatching(/^arn:aws:kms:/)]],
      ]);
      // The archive's key serves the log buckets too: its use is bound to this bucket.
      expect(policy.Statement[2]!.Condition).toEqual({
        StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] },
      });
      // No wildcard action, nothing beyond the bucket and the key.
      expect(JSON.stringify(policy)).not.toMatch(/"(s3|kms):\*"|"\*"/);
    },
  );

  it("lets only the Compactor delete, and nobody delete a version", () => {
    const deleters = BUCKET_USERS.filter((u) => BUCKET_ACCESS[u].objects.includes("s3:DeleteObject"));
    expect(deleters).toEqual(["compactor"]);
    expect(BUCKET_ACCESS.storeGateway.objects).toEqual(["s3:GetObject"]);
    expect(BUCKET_ACCESS.storeGateway.kms).toEqual(["kms:Decrypt"]);
    for (const u of BUCKET_USERS) expect(BUCKET_ACCESS[u].objects).not.toContain("s3:DeleteObjectVersion");
  });

  it("exports the bucket and each role's ARN for the Thanos parts' ServiceAccounts", () => {
    const out = (r.outputs as Record<string, { bucketName: string; roleArns: Record<string, string> }>)
      .thanos!;
    expect(out.bucketName).toBe(r.config.thanos.bucketName);
    expect(Object.keys(out.roleArns).sort()).toEqual([...BUCKET_USERS].sort());
  });

  it.each(["storeGateway", "compactor"] as const)(
    "annotates the %s's ServiceAccount with its own role, which trusts that account",
    (user) => {
      const role = one(r, "aws:iam/role:Role", `thanos-${bucketUserRoleName(user)}`);
      const account = one(r, "kubernetes:core/v1:ServiceAccount", BUCKET_USER_ACCOUNTS[user]);
      const annotations = (account.inputs.metadata as { annotations?: Record<string, string> }).annotations;
      // The mock runtime's ARN of a role ends with its name; the account waits for the role.
      expect(annotations?.["eks.amazonaws.com/role-arn"]).toMatch(new RegExp(`:${role.name}$`));
      expect(account.dependencies ?? []).toContain(role.urn);
      expect(JSON.stringify(role.inputs.assumeRolePolicy)).toContain(
        `system:serviceaccount:${r.config.metrics.namespace}:${BUCKET_USER_ACCOUNTS[user]}`,
      );
    },
  );

  it("creates the objstore Secret before the kube-prometheus-stack release that mounts it", () => {
    const release = one(r, "kubernetes:helm.sh/v3:Release", "metrics-kps");
    const secret = one(r, "kubernetes:core/v1:Secret", "metrics-thanos-objstore");
    expect(release.dependencies ?? []).toContain(secret.urn);
    expect(secret.protect).toBe(r.config.production);
  });
});
