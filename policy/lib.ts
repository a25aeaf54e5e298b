import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { LOG_TYPES, type LogType } from "../infra/catalog/retention";

/**
 * Shared helpers of the policy pack. Policies read resources the way the analyzer hands them over:
 * plain JSON inputs (secrets already unwrapped by @pulumi/policy), where any value may be unknown
 * during a preview. Reading an unknown value throws, so every read goes through `known`.
 */

/** The value, or undefined when it cannot be known yet (a preview of a resource not created yet). */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && err.constructor.name === "UnknownValueError") return undefined;
    throw err;
  }
}

/** Property `key` of an object value, undefined when absent, unknown or not an object. */
export function prop(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== "object") return undefined;
  return known(() => (obj as Record<string, unknown>)[key]);
}

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Keys of an object value whose values can be read now. */
export function entries(obj: unknown): [string, unknown][] {
  if (obj === null || typeof obj !== "object") return [];
  return Object.keys(obj).flatMap((k) => {
    const v = prop(obj, k);
    return v === undefined ? [] : [[k, v] as [string, unknown]];
  });
}

/** Resource types by the @pulumi/aws v7 token, with the pre-v7 `V2` tokens that may linger in state. */
export const S3 = {
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  policy: ["aws:s3/bucketPolicy:BucketPolicy"],
  encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
  acl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  lifecycle: [
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
  ],
  objectLock: [
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
  ],
  logging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
} as const;

export const isOfType = (r: { type: string }, types: readonly string[]): boolean => types.includes(r.type);

/** The S3 name of a bucket, or its Pulumi name when the S3 name is not known yet. */
export const bucketName = (b: PolicyResource): string => {
  const n = prop(b.props, "bucket");
  return typeof n === "string" ? n : b.name;
};

/**
 * Joins the buckets of a stack with the resources that configure them (public access block,
 * policy, encryption, ...). A sub-resource belongs to a bucket when (1) the engine says its
 * `bucket` input comes from that bucket, (2) its `bucket` input equals the bucket's name (S3 IDs are
 * names), or (3) while both are unknown in a first preview, it shares its parent component with
 * exactly one bucket.
 */
export class BucketIndex {
  readonly buckets: PolicyResource[];
  private readonly subs = new Map<string, PolicyResource[]>();
  private readonly orphans: PolicyResource[] = [];

  constructor(resources: PolicyResource[]) {
    this.buckets = resources.filter((r) => isOfType(r, S3.bucket));
    const byName = new Map(this.buckets.map((b) => [bucketName(b), b]));
    const byParent = new Map<string, PolicyResource[]>();
    for (const b of this.buckets) {
      const p = b.opts.parent ?? b.parent?.urn;
      if (p) byParent.set(p, [...(byParent.get(p) ?? []), b]);
    }
    const subTypes = Object.entries(S3)
      .filter(([k]) => k !== "bucket")
      .flatMap(([, v]) => v as readonly string[]);
    for (const r of resources) {
      if (!subTypes.includes(r.type)) continue;
      const fromDeps = (r.propertyDependencies?.bucket ?? []).find((d) => isOfType(d, S3.bucket));
      const ref = prop(r.props, "bucket");
      const p = r.opts.parent ?? r.parent?.urn;
      const siblings = p ? (byParent.get(p) ?? []) : [];
      const owner =
        fromDeps ??
        (typeof ref === "string" ? byName.get(ref) : undefined) ??
        (ref === undefined && siblings.length === 1 ? siblings[0] : undefined);
      if (owner) this.subs.set(owner.urn, [...(this.subs.get(owner.urn) ?? []), r]);
      else this.orphans.push(r);
    }
  }

  /** The resources of the given types that configure this bucket. */
  of(bucket: PolicyResource, types: readonly string[]): PolicyResource[] {
    return (this.subs.get(bucket.urn) ?? []).filter((r) => isOfType(r, types));
  }

  /** Buckets that receive S3 server access logs from other buckets. */
  accessLogTargets(resources: PolicyResource[]): Set<string> {
    const targets = new Set<string>();
    for (const r of resources.filter((x) => isOfType(x, S3.logging))) {
      const t = prop(r.props, "targetBucket");
      if (typeof t === "string") targets.add(t);
    }
    return targets;
  }
}

/**
 * S3 server access logs can only be delivered to buckets encrypted with SSE-S3, so the bucket that
 * receives them is the one bucket allowed (and required) to use AES256 instead of KMS. It is
 * recognised by being a BucketLogging target or by the `-access-logs` name the archive gives it.
 */
export const ACCESS_LOG_SUFFIX = "-access-logs";

/** The log type of an archive bucket: its `log-type` tag, else its `<prefix>-<type>-logs` name. */
export function archiveLogType(bucket: PolicyResource): LogType | undefined {
  const tag = prop(prop(bucket.props, "tags"), "log-type");
  if (typeof tag === "string" && (LOG_TYPES as readonly string[]).includes(tag)) return tag as LogType;
  const m = /-(application|security|audit|debug)-logs$/.exec(bucketName(bucket));
  return m ? (m[1] as LogType) : undefined;
}

/** The stack name from a URN (`urn:pulumi:<stack>::<project>::...`). */
export const stackOfUrn = (urn: string): string => urn.split(":")[2]?.split("::")[0] ?? "";

/** Reports once per message and resource, so a problem found twice reads once. */
export function dedupe(report: ReportViolation): ReportViolation {
  const seen = new Set<string>();
  return (message, urn) => {
    const key = `${urn ?? ""}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    report(message, urn);
  };
}

/** The policy config that names the production stacks (policies held to the production rules). */
export const productionConfig = {
  configSchema: {
    properties: {
      productionStacks: {
        type: "array" as const,
        items: { type: "string" as const },
        default: ["prod", "production"],
        description:
          "Stack names held to the production rules, besides every stack whose program declares itself production (its `production` stack output, the config's `observability:production`).",
      },
    },
  },
};

/** The stack's name, from its resources' URNs. */
export const stackName = (args: StackValidationArgs): string =>
  args.resources[0] ? stackOfUrn(args.resources[0].urn) : "";

/**
 * Whether the stack is held to the production rules: its name is listed, or the program says so
 * (the `production` stack output, on the root stack resource), so a production stack with another
 * name (`prod-eu`) is not waved through.
 */
export function isProductionStack(args: StackValidationArgs): boolean {
  const stacks = args.getConfig<{ productionStacks?: string[] }>().productionStacks ?? ["prod", "production"];
  const declared = args.resources.some(
    (r) => r.type === "pulumi:pulumi:Stack" && known(() => r.props.production) === true,
  );
  return declared || stacks.includes(stackName(args));
}

/**
 * A chart's name however a Helm resource references it: `grafana`, `<repo>/grafana`,
 * `oci://ghcr.io/<org>/helm-charts/grafana`, a tarball `.../grafana-12.11.1.tgz`, a local directory.
 */
export function chartName(chart: unknown): string | undefined {
  if (typeof chart !== "string") return undefined;
  const last =
    chart
      .replace(/[?#].*$/, "")
      .replace(/\/+$/, "")
      .split("/")
      .pop() ?? "";
  return last
    .replace(/[:@].*$/, "")
    .replace(/\.tgz$/, "")
    .replace(/-v?\d+\.\d+\.\d+.*$/, "")
    .toLowerCase();
}
