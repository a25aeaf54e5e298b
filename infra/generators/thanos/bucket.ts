import type { StackConfig } from "../../config";
import { awsTags, type SecureBucketSpec } from "../archive/buckets";
import { type LifecycleRule, noncurrentOnlyRule } from "../archive/lifecycle";

/**
 * The metrics bucket: every Prometheus replica's blocks, shipped by the Thanos sidecars, then
 * compacted, downsampled and deleted by the Compactor. A SecureBucket like the archive's: versioned,
 * SSE-KMS with the archive's customer-managed key, TLS-only, access-logged, protected in production.
 */

/** The `purpose` tag by which the policy pack knows the metrics bucket. */
export const METRICS_BUCKET_PURPOSE = "thanos-metrics";

/**
 * Days a block file the Compactor deleted stays as a noncurrent version: a week to undo a mistaken
 * deletion (a wrong retention, a bug), after which it is no longer billed.
 */
export const METRICS_NONCURRENT_DAYS = 7;

/** Days an upload never completed is kept before S3 aborts it (its parts are billed, unseen). */
export const METRICS_ABORT_MULTIPART_DAYS = 7;

/**
 * What the bucket's lifecycle does and why, in the order of the rule's fields; summary.md and the
 * docs show these. What it does NOT do comes first: no current object ever expires here.
 */
export const METRICS_LIFECYCLE_REASONS = [
  {
    what: "no expiry of current objects",
    why: "retention is the Compactor's job, per resolution, by the age of a block's samples; S3 expiry counts from an object's creation, and the Compactor rewrites blocks when it compacts and downsamples, so an expiry rule would delete files of blocks the Compactor still needs or leave half-deleted blocks (thanos#2869, thanos#3529)",
  },
  {
    what: `noncurrent versions expire after ${METRICS_NONCURRENT_DAYS} days`,
    why: "versioning keeps whatever the Compactor deletes (blocks compacted away, past retention) as noncurrent versions: kept a week to undo a mistaken deletion, then freed, or every deleted block would stay billed",
  },
  {
    what: "expired delete markers are removed",
    why: "a delete marker left with no version behind it hides nothing and slows every listing",
  },
  {
    what: `incomplete multipart uploads are aborted after ${METRICS_ABORT_MULTIPART_DAYS} days`,
    why: "a sidecar or Compactor stopped mid-upload leaves parts that are billed but belong to no object; Thanos retries the block from scratch",
  },
] as const;

/** The bucket's one lifecycle rule: what versioning keeps, never a current block. */
export function metricsLifecycle(): LifecycleRule[] {
  const rule = noncurrentOnlyRule(METRICS_NONCURRENT_DAYS);
  return [{ ...rule, abortIncompleteMultipartUpload: { daysAfterInitiation: METRICS_ABORT_MULTIPART_DAYS } }];
}

export function metricsBucket(
  config: Pick<StackConfig, "thanos" | "environment" | "production">,
): SecureBucketSpec {
  const name = config.thanos.bucketName;
  return {
    bucketName: name,
    kms: true,
    accessLogPrefix: `${name}/`,
    acceptsAccessLogs: false,
    lifecycle: metricsLifecycle(),
    protect: config.production,
    tags: { ...awsTags(config, "thanos"), purpose: METRICS_BUCKET_PURPOSE },
  };
}
