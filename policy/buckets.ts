import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ACCESS_LOG_SUFFIX, asArray, BucketIndex, bucketName, dedupe, known, prop, S3 } from "./lib";

/** A bucket policy document as an object, whether given as JSON text or as an object. */
function policyDocument(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

const isEveryone = (principal: unknown): boolean =>
  principal === "*" || list(prop(principal, "AWS")).includes("*");

/** Deny of every S3 action, for the bucket and its objects, when aws:SecureTransport is false. */
function deniesInsecureTransport(doc: unknown, name: string): boolean {
  return list(prop(doc, "Statement")).some((s) => {
    if (prop(s, "Effect") !== "Deny" || !isEveryone(prop(s, "Principal"))) return false;
    const actions = list(prop(s, "Action"));
    if (!actions.includes("s3:*") && !actions.includes("*")) return false;
    const secure = prop(prop(prop(s, "Condition"), "Bool"), "aws:SecureTransport");
    if (!list(secure).map(String).includes("false")) return false;
    const resources = list(prop(s, "Resource")).map(String);
    const covers = (suffix: string) =>
      resources.some((r) => r === "*" || (r.startsWith("arn:") && r.endsWith(`:s3:::${name}${suffix}`)));
    return covers("") && covers("/*");
  });
}

/** Allow statements open to everyone without a condition make a bucket public. */
const publicGrants = (doc: unknown): unknown[] =>
  list(prop(doc, "Statement")).filter(
    (s) =>
      prop(s, "Effect") === "Allow" && isEveryone(prop(s, "Principal")) && prop(s, "Condition") === undefined,
  );

interface BucketCheckContext {
  index: BucketIndex;
  resources: PolicyResource[];
  report: ReportViolation;
}

/**
 * A mandatory stack policy that applies one check to every S3 bucket (with its separate
 * configuration resources); `checker` may first derive what it needs from the whole stack.
 */
function everyBucket(
  meta: Pick<StackValidationPolicy, "name" | "description" | "remediationSteps">,
  checker: (ctx: BucketCheckContext) => (bucket: PolicyResource, name: string) => void,
): StackValidationPolicy {
  return {
    ...meta,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      const index = new BucketIndex(args.resources);
      if (index.buckets.length === 0) args.notApplicable("the stack has no S3 buckets");
      const check = checker({ index, resources: args.resources, report: dedupe(reportViolation) });
      for (const b of index.buckets) check(b, bucketName(b));
    },
  };
}

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

export const bucketsBlockPublicAccess = everyBucket(
  {
    name: "s3-public-access-blocked",
    description:
      "Every S3 bucket has a public access block with all four settings on, and no bucket policy grants access to everyone.",
    remediationSteps: "Create buckets through SecureBucket (infra/components/secure-bucket.ts).",
  },
  ({ index, report }) =>
    (b, name) => {
      const blocks = index.of(b, S3.publicAccessBlock);
      if (blocks.length === 0) report(`bucket ${name} has no public access block`, b.urn);
      for (const block of blocks) {
        const off = PUBLIC_ACCESS_FLAGS.filter((f) => known(() => block.props[f]) !== true);
        if (off.length > 0)
          report(`bucket ${name}: public access block leaves ${off.join(", ")} off`, block.urn);
      }
      for (const pol of index.of(b, S3.policy)) {
        if (publicGrants(policyDocument(known(() => pol.props.policy))).length > 0)
          report(
            `bucket ${name}: its bucket policy allows access to everyone (Principal "*") without a condition`,
            pol.urn,
          );
      }
    },
);

export const bucketsDenyInsecureTransport = everyBucket(
  {
    name: "s3-deny-insecure-transport",
    description:
      'Every S3 bucket has a bucket policy that denies all requests made without TLS (aws:SecureTransport = "false").',
  },
  ({ index, report }) =>
    (b, name) => {
      const policies = index.of(b, S3.policy);
      if (policies.length === 0) {
        report(`bucket ${name} has no bucket policy denying requests without TLS`, b.urn);
        return;
      }
      const docs = policies.map((p) => known(() => p.props.policy));
      // A policy document still unknown in a preview cannot be judged yet.
      if (docs.some((d) => d === undefined)) return;
      if (!docs.some((d) => deniesInsecureTransport(policyDocument(d), name)))
        report(
          `bucket ${name}: no bucket policy statement denies s3:* on the bucket and its objects when aws:SecureTransport is false`,
          policies[0]?.urn,
        );
    },
);

/** A bucket policy statement letting the S3 logging service write objects. */
const grantsLogDelivery = (doc: unknown): boolean =>
  list(prop(doc, "Statement")).some(
    (st) =>
      prop(st, "Effect") === "Allow" &&
      list(prop(prop(st, "Principal"), "Service")).includes("logging.s3.amazonaws.com"),
  );

/**
 * The bucket that receives S3 server access logs: the target of a BucketLogging, or a bucket named
 * `*-access-logs` whose policy lets the S3 logging service write (or is not known yet in a preview).
 * Only such a bucket may use SSE-S3; a bucket merely named like one may not.
 */
function isAccessLogTarget(b: PolicyResource, index: BucketIndex, targets: Set<string>): boolean {
  if (targets.has(bucketName(b))) return true;
  if (!bucketName(b).endsWith(ACCESS_LOG_SUFFIX)) return false;
  const docs = index.of(b, S3.policy).map((p) => known(() => p.props.policy));
  return docs.some((d) => d === undefined || grantsLogDelivery(policyDocument(d)));
}

export const bucketsEncryptedWithKms = everyBucket(
  {
    name: "s3-kms-encryption",
    description:
      "Every S3 bucket is encrypted by default with a customer-managed KMS key; the one exception is the server-access-log bucket (a BucketLogging target, or named *-access-logs with a policy letting logging.s3.amazonaws.com write), which must use SSE-S3 because S3 cannot deliver access logs to SSE-KMS buckets.",
  },
  ({ index, resources, report }) => {
    const targets = index.accessLogTargets(resources);
    return (b, name) => {
      const configs = index.of(b, S3.encryption);
      if (configs.length === 0) {
        report(`bucket ${name} has no default encryption configuration`, b.urn);
        return;
      }
      const logTarget = isAccessLogTarget(b, index, targets);
      for (const cfg of configs) {
        const rules = asArray(known(() => cfg.props.rules));
        if (rules.length === 0) report(`bucket ${name}: encryption configuration has no rule`, cfg.urn);
        for (const rule of rules) {
          const sse = prop(rule, "applyServerSideEncryptionByDefault");
          const algorithm = prop(sse, "sseAlgorithm");
          const key = prop(sse, "kmsMasterKeyId");
          if (logTarget) {
            if (algorithm !== "AES256")
              report(
                `bucket ${name} receives S3 server access logs, so it must use SSE-S3 (AES256): S3 cannot deliver access logs to a bucket encrypted with ${String(algorithm)}`,
                cfg.urn,
              );
          } else if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") {
            report(
              `bucket ${name} is encrypted with ${String(algorithm)}, expected SSE-KMS with a customer-managed key`,
              cfg.urn,
            );
          } else if (typeof key !== "string" || key === "" || key.endsWith("alias/aws/s3")) {
            report(`bucket ${name} uses SSE-KMS without a customer-managed key (kmsMasterKeyId)`, cfg.urn);
          }
        }
      }
    };
  },
);

export const bucketsWithoutAcls = everyBucket(
  {
    name: "s3-no-acls",
    description:
      "Every S3 bucket disables ACLs (object ownership BucketOwnerEnforced) and no ACL is set on any bucket.",
  },
  ({ index, report }) =>
    (b, name) => {
      const acl = known(() => b.props.acl);
      if (acl !== undefined && acl !== "private") report(`bucket ${name} sets the ACL ${String(acl)}`, b.urn);
      if (asArray(known(() => b.props.grants)).length > 0) report(`bucket ${name} sets ACL grants`, b.urn);
      for (const a of index.of(b, S3.acl))
        report(`bucket ${name} has an ACL resource (${a.name}); ACLs must stay disabled`, a.urn);
      const ownership = index.of(b, S3.ownership);
      const enforced = ownership.some(
        (o) => prop(prop(o.props, "rule"), "objectOwnership") === "BucketOwnerEnforced",
      );
      if (!enforced)
        report(
          `bucket ${name} does not disable ACLs (ownership controls with BucketOwnerEnforced)`,
          ownership[0]?.urn ?? b.urn,
        );
    },
);

export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description: "Customer-managed KMS keys rotate their key material automatically.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "aws:kms/key:Key") return;
    if (known(() => args.props.enableKeyRotation) !== true)
      reportViolation(`KMS key ${args.name} does not rotate (enableKeyRotation)`);
  },
};

export const bucketPolicies = [
  bucketsBlockPublicAccess,
  bucketsDenyInsecureTransport,
  bucketsEncryptedWithKms,
  bucketsWithoutAcls,
  kmsKeyRotation,
];
