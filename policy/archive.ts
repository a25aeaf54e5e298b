import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { type LogType, RETENTION } from "../infra/catalog/retention";
import {
  AUDIT_LOCK_DAYS,
  type LifecyclePlan,
  lifecyclePlan,
  lifecycleViolations,
  STORAGE_CLASSES,
  type Transition,
} from "../infra/generators/archive";
import { archiveLogType, asArray, BucketIndex, bucketName, dedupe, entries, known, prop, S3 } from "./lib";
import { isProductionStack, productionConfig } from "./prod";

/** Reads one lifecycle rule back into the generator's plan shape, so the generator's checks apply. */
function planOfRule(logType: LogType, rule: unknown): { plan?: LifecyclePlan; problems: string[] } {
  const problems: string[] = [];
  const days = prop(prop(rule, "expiration"), "days");
  if (typeof days !== "number") return { problems: ["has an enabled rule without an expiration in days"] };
  const transitions: Transition[] = [];
  for (const t of asArray(prop(rule, "transitions"))) {
    const cls = prop(t, "storageClass");
    const at = prop(t, "days");
    if (typeof cls !== "string" || !(cls in STORAGE_CLASSES) || cls === "STANDARD")
      problems.push(
        `transitions to storage class ${String(cls)}, which the archive's cost model does not know`,
      );
    else if (typeof at !== "number") problems.push(`transitions to ${cls} by date instead of by age`);
    else transitions.push({ days: at, storageClass: cls as Transition["storageClass"] });
  }
  if (problems.length > 0) return { problems };
  const expected = lifecyclePlan(logType);
  return {
    plan: {
      logType,
      expirationDays: days,
      transitions,
      noncurrentVersionDays: expected.noncurrentVersionDays,
      abortIncompleteMultipartDays: expected.abortIncompleteMultipartDays,
    },
    problems,
  };
}

/** A filter that selects every object: none, or only an empty prefix (state may carry other keys as null). */
function coversAllObjects(rule: unknown): boolean {
  const set = (v: unknown) => v !== undefined && v !== null;
  const legacyPrefix = prop(rule, "prefix");
  if (set(legacyPrefix) && legacyPrefix !== "") return false;
  const filter = prop(rule, "filter");
  if (!set(filter)) return true;
  return entries(filter).every(([k, v]) => !set(v) || (k === "prefix" && v === ""));
}

const archiveBuckets = (resources: PolicyResource[]) => {
  const index = new BucketIndex(resources);
  return {
    index,
    archive: index.buckets.flatMap((b) => {
      const t = known(() => archiveLogType(b));
      return t ? [{ bucket: b, logType: t }] : [];
    }),
  };
};

export const archiveLifecycleMatchesRetention: StackValidationPolicy = {
  name: "archive-lifecycle-matches-retention",
  description:
    "Every log-archive bucket expires its objects exactly at the spec's retention period (infra/catalog/retention.ts), through transitions S3 accepts.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Build the lifecycle rule from lifecyclePlan(logType) (infra/generators/archive/lifecycle.ts) instead of editing days by hand.",
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const { index, archive } = archiveBuckets(args.resources);
    if (archive.length === 0) args.notApplicable("the stack has no log-archive buckets");
    for (const { bucket, logType } of archive) {
      const name = bucketName(bucket);
      const retention = RETENTION[logType];
      const configs = index.of(bucket, S3.lifecycle);
      if (configs.length === 0) {
        report(
          `log-archive bucket ${name} (${logType} logs) has no lifecycle configuration: objects would be kept forever instead of ${retention.period}`,
          bucket.urn,
        );
        continue;
      }
      for (const cfg of configs) {
        const rules = asArray(prop(cfg.props, "rules")).filter((r) => prop(r, "status") === "Enabled");
        if (!rules.some(coversAllObjects))
          report(
            `log-archive bucket ${name}: no enabled lifecycle rule covers every object, so some ${logType} logs never expire (retention ${retention.period})`,
            cfg.urn,
          );
        for (const rule of rules) {
          const { plan, problems } = planOfRule(logType, rule);
          for (const p of problems)
            report(`log-archive bucket ${name}: lifecycle rule ${String(prop(rule, "id"))} ${p}`, cfg.urn);
          if (!plan) continue;
          for (const v of lifecycleViolations(plan)) report(`log-archive bucket ${name}: ${v}`, cfg.urn);
        }
      }
    }
  },
};

export const auditObjectLock: StackValidationPolicy = {
  name: "audit-object-lock-compliance",
  description: `The audit-log bucket has Object Lock for at least ${AUDIT_LOCK_DAYS} days (the spec's 7-year audit retention): in COMPLIANCE mode in a production stack, so nobody can delete or shorten it; GOVERNANCE is accepted elsewhere, so that a dev stack can be destroyed.`,
  enforcementLevel: "mandatory",
  remediationSteps:
    "Create the audit bucket with objectLockEnabled and a BucketObjectLockConfiguration of AUDIT_LOCK_DAYS, in COMPLIANCE mode in production stacks.",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const production = isProductionStack(args);
    const report = dedupe(reportViolation);
    const { index, archive } = archiveBuckets(args.resources);
    if (archive.length === 0) args.notApplicable("the stack has no log-archive buckets");
    const audit = archive.filter((a) => a.logType === "audit");
    if (audit.length === 0)
      report("the log archive has no audit-log bucket: audit logs must be kept 7 years under Object Lock");
    for (const { bucket } of audit) {
      const name = bucketName(bucket);
      if (known(() => bucket.props.objectLockEnabled) !== true)
        report(
          `audit bucket ${name} is created without Object Lock (objectLockEnabled: true); it cannot be enabled safely later`,
          bucket.urn,
        );
      const locks = index.of(bucket, S3.objectLock);
      if (locks.length === 0)
        report(
          `audit bucket ${name} has no Object Lock default retention: audit logs could be deleted before ${RETENTION.audit.period}`,
          bucket.urn,
        );
      for (const lock of locks) {
        const retention = prop(prop(lock.props, "rule"), "defaultRetention");
        const mode = prop(retention, "mode");
        const days = prop(retention, "days");
        const years = prop(retention, "years");
        const lockDays =
          typeof days === "number" ? days : typeof years === "number" ? years * 365 : undefined;
        if (mode !== "COMPLIANCE" && (production || mode !== "GOVERNANCE"))
          report(
            production
              ? `audit bucket ${name}: Object Lock mode is ${String(mode)}, expected COMPLIANCE in a production stack (GOVERNANCE can be bypassed)`
              : `audit bucket ${name}: Object Lock mode is ${String(mode)}, expected COMPLIANCE or GOVERNANCE`,
            lock.urn,
          );
        if (lockDays === undefined || lockDays < AUDIT_LOCK_DAYS)
          report(
            `audit bucket ${name}: Object Lock retention is ${lockDays ?? "unset"} days, expected at least ${AUDIT_LOCK_DAYS} (${RETENTION.audit.period})`,
            lock.urn,
          );
      }
    }
  },
};

export const archivePolicies = [archiveLifecycleMatchesRetention, auditObjectLock];
