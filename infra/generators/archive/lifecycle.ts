import { type LogType, RETENTION } from "../../catalog/retention";
import { MIN_DAYS_BEFORE_IA, STORAGE_CLASSES, type StorageClass } from "./storage-classes";

export interface Transition {
  days: number;
  storageClass: Exclude<StorageClass, "STANDARD">;
}

/** How long a bucket keeps objects, and where they live meanwhile. */
export interface RetentionPlan {
  /** Objects expire exactly at this age. */
  expirationDays: number;
  transitions: Transition[];
  /** Versions replaced or deleted are kept this long, then removed. */
  noncurrentVersionDays: number;
  abortIncompleteMultipartDays: number;
}

/** One log type's plan: its expiry is the spec's retention row. */
export interface LifecyclePlan extends RetentionPlan {
  logType: LogType;
}

/**
 * The colder tiers, in order. A tier is used only when objects stay in it at least its minimum
 * billable duration, so a transition never costs more than it saves. Glacier Instant Retrieval
 * rather than Flexible Retrieval for the 90-day tier: security and audit investigations need
 * logs in milliseconds, and the price difference is 10%.
 */
const LADDER: Transition[] = [
  { days: MIN_DAYS_BEFORE_IA, storageClass: "STANDARD_IA" },
  { days: 90, storageClass: "GLACIER_IR" },
  { days: 365, storageClass: "DEEP_ARCHIVE" },
];

export function lifecyclePlan(logType: LogType): LifecyclePlan {
  const expirationDays = RETENTION[logType].days;
  const transitions = LADDER.filter(
    (t) => expirationDays - t.days >= STORAGE_CLASSES[t.storageClass].minimumDays && t.days < expirationDays,
  );
  return {
    logType,
    expirationDays,
    transitions,
    noncurrentVersionDays: Math.min(expirationDays, 30),
    abortIncompleteMultipartDays: Math.min(expirationDays, 7),
  };
}

/** S3 server access logs: kept `days` in S3 Standard (they are small and rarely read). */
export const accessLogPlan = (days: number): RetentionPlan => ({
  expirationDays: days,
  transitions: [],
  noncurrentVersionDays: 30,
  abortIncompleteMultipartDays: 7,
});

/** Days an object spends in each class under a plan, in order, starting with S3 Standard. */
export function residency(
  plan: RetentionPlan,
): { storageClass: StorageClass; fromDay: number; toDay: number }[] {
  const stops: { storageClass: StorageClass; day: number }[] = [
    { storageClass: "STANDARD", day: 0 },
    ...plan.transitions.map((t) => ({ storageClass: t.storageClass, day: t.days })),
  ];
  return stops.map((s, i) => ({
    storageClass: s.storageClass,
    fromDay: s.day,
    toDay: stops[i + 1]?.day ?? plan.expirationDays,
  }));
}

/**
 * AWS's lifecycle constraints (and ours: expiry equals the retention table). Returns one message per
 * broken rule; empty when the plan is valid. Shared by the tests and the policy pack.
 */
export function lifecycleViolations(plan: LifecyclePlan): string[] {
  const problems: string[] = [];
  const retention = RETENTION[plan.logType].days;
  if (plan.expirationDays !== retention)
    problems.push(
      `${plan.logType}: expires after ${plan.expirationDays} days, retention table says ${retention}`,
    );
  let previous = -1;
  for (const t of plan.transitions) {
    if (t.days <= previous)
      problems.push(
        `${plan.logType}: transition to ${t.storageClass} at day ${t.days} is not after the previous one`,
      );
    if (t.storageClass === "STANDARD_IA" && t.days < MIN_DAYS_BEFORE_IA)
      problems.push(`${plan.logType}: Standard-IA before day ${MIN_DAYS_BEFORE_IA}`);
    if (t.days >= plan.expirationDays)
      problems.push(
        `${plan.logType}: expiration (day ${plan.expirationDays}) is not after the transition to ${t.storageClass} (day ${t.days})`,
      );
    previous = t.days;
  }
  for (const stay of residency(plan)) {
    const min = STORAGE_CLASSES[stay.storageClass].minimumDays;
    if (stay.toDay - stay.fromDay < min)
      problems.push(
        `${plan.logType}: objects stay ${stay.toDay - stay.fromDay} days in ${stay.storageClass}, which bills at least ${min}`,
      );
  }
  return problems;
}

/**
 * One rule of a BucketLifecycleConfiguration, in the provider's input shape: the component hands
 * these to the resource unchanged, and the render writes them to `s3/<bucket>-lifecycle.json`.
 */
export interface LifecycleRule {
  id: string;
  status: "Enabled";
  /** An empty prefix: the rule covers every object. */
  filter: { prefix: "" };
  transitions: { days: number; storageClass: Transition["storageClass"] }[];
  /**
   * Current objects expire at an age, or (a bucket whose objects something else deletes) only the
   * delete markers left with no version behind them are removed: S3 refuses both in one rule.
   */
  expiration: { days: number } | { expiredObjectDeleteMarker: true };
  noncurrentVersionExpiration: { noncurrentDays: number };
  abortIncompleteMultipartUpload: { daysAfterInitiation: number };
}

/** A rule under which current objects expire at an age: every archive bucket's. */
export interface ExpiringLifecycleRule extends LifecycleRule {
  expiration: { days: number };
}

/** A plan as the bucket's one lifecycle rule. */
export function lifecycleRule(plan: RetentionPlan | LifecyclePlan): ExpiringLifecycleRule {
  const prefix = "logType" in plan ? `${plan.logType}-` : "";
  return {
    id: `${prefix}retention-${plan.expirationDays}d`,
    status: "Enabled",
    filter: { prefix: "" },
    transitions: plan.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })),
    expiration: { days: plan.expirationDays },
    noncurrentVersionExpiration: { noncurrentDays: plan.noncurrentVersionDays },
    abortIncompleteMultipartUpload: { daysAfterInitiation: plan.abortIncompleteMultipartDays },
  };
}

/**
 * For a versioned bucket whose current objects another system deletes (Elasticsearch's SLM in the
 * snapshot bucket): no current object ever expires here, while what that system deletes, which
 * versioning keeps as noncurrent versions, is removed after `noncurrentDays`, with the delete
 * markers left behind and uploads never completed. Without it every deleted file stays, billed.
 */
export function noncurrentOnlyRule(noncurrentDays: number): LifecycleRule {
  return {
    id: `noncurrent-${noncurrentDays}d`,
    status: "Enabled",
    filter: { prefix: "" },
    transitions: [],
    expiration: { expiredObjectDeleteMarker: true },
    noncurrentVersionExpiration: { noncurrentDays },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
  };
}
