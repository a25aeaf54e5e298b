import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { METRICS_BUCKET_PURPOSE } from "../infra/generators/thanos/bucket";
import { asArray, BucketIndex, bucketName, dedupe, known, prop, S3 } from "./lib";

/**
 * The metrics bucket: its `purpose` tag, else the `<prefix>-metrics` name the config gives it
 * (thanos.bucketName), as the snapshot bucket is recognised by its tag or `-es-snapshots`.
 */
export const isMetricsBucket = (b: PolicyResource): boolean =>
  known(() => prop(prop(b.props, "tags"), "purpose")) === METRICS_BUCKET_PURPOSE ||
  bucketName(b).endsWith("-metrics");

/** Storage classes whose objects GetObject cannot read until restored: Thanos would fail on them. */
const UNREADABLE_CLASSES = ["GLACIER", "DEEP_ARCHIVE"];

export const metricsBucketKeepsBlocks: StackValidationPolicy = {
  name: "metrics-bucket-no-current-expiry",
  description:
    "No lifecycle rule of the Thanos metrics bucket expires current objects (Expiration by days or date) or moves them to a class that needs a restore before reading (GLACIER, DEEP_ARCHIVE): retention is the Compactor's, by the age of a block's samples, while S3 counts from an object's creation and would delete files of blocks the Compactor still needs (thanos#2869, thanos#3529). Noncurrent versions, expired delete markers and incomplete multipart uploads may expire.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Build the bucket's lifecycle with metricsLifecycle() (infra/generators/thanos/bucket.ts) and set retention per resolution in thanos.retention, which the Compactor enforces.",
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const index = new BucketIndex(args.resources);
    const buckets = index.buckets.filter(isMetricsBucket);
    if (buckets.length === 0) args.notApplicable("the stack has no metrics bucket");
    for (const bucket of buckets) {
      const name = bucketName(bucket);
      for (const cfg of index.of(bucket, S3.lifecycle)) {
        const rules = asArray(prop(cfg.props, "rules")).filter((r) => prop(r, "status") === "Enabled");
        for (const rule of rules) {
          const id = String(prop(rule, "id"));
          const expiration = prop(rule, "expiration");
          for (const field of ["days", "date"]) {
            const v = prop(expiration, field);
            if (v !== undefined && v !== null && v !== 0 && v !== "")
              report(
                `metrics bucket ${name}: lifecycle rule ${id} expires current objects (expiration.${field} ${String(v)}); the Compactor applies retention (thanos.retention)`,
                cfg.urn,
              );
          }
          for (const t of asArray(prop(rule, "transitions"))) {
            const cls = prop(t, "storageClass");
            if (typeof cls === "string" && UNREADABLE_CLASSES.includes(cls))
              report(
                `metrics bucket ${name}: lifecycle rule ${id} moves current objects to ${cls}, which Thanos cannot read without a restore`,
                cfg.urn,
              );
          }
        }
      }
    }
  },
};

export const metricsBucketPolicies = [metricsBucketKeepsBlocks];
