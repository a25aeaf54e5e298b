import { logsName } from "../../catalog/log-schema";
import type { StackConfig } from "../../config";
import { awsTags, bucketName, type SecureBucketSpec } from "../archive/buckets";
import { noncurrentOnlyRule } from "../archive/lifecycle";
import type { SlmPolicyBody, SnapshotRepositoryBody } from "./types";

export const SNAPSHOT_REPOSITORY = "s3-snapshots";
export const SLM_POLICY = "nightly-snapshots";

export const snapshotBucketName = (config: Pick<StackConfig, "archive">): string =>
  bucketName(config, "es-snapshots");

/** Days a snapshot file SLM deleted stays as a noncurrent version: a window to undo a mistake. */
export const SNAPSHOT_NONCURRENT_DAYS = 7;

/**
 * The snapshot bucket sits beside the archive buckets, encrypted with the archive's key. No current
 * object expires and nothing goes to Glacier: SLM deletes old snapshots itself and restores need
 * them at once. What SLM deletes stays as a noncurrent version (the bucket is versioned) for
 * SNAPSHOT_NONCURRENT_DAYS, then goes, with its delete marker.
 */
export function snapshotBucket(config: StackConfig): SecureBucketSpec {
  const name = snapshotBucketName(config);
  return {
    bucketName: name,
    kms: true,
    accessLogPrefix: `${name}/`,
    acceptsAccessLogs: false,
    lifecycle: [noncurrentOnlyRule(SNAPSHOT_NONCURRENT_DAYS)],
    protect: config.production,
    tags: { ...awsTags(config, "logging"), purpose: "elasticsearch-snapshots" },
  };
}

/**
 * Credentials come from the pods' IAM role (IRSA web identity), so the repository names no keys.
 * The bucket's default encryption (SSE-KMS) applies to every snapshot file.
 */
export function snapshotRepository(config: StackConfig): SnapshotRepositoryBody {
  return {
    type: "s3",
    settings: {
      bucket: snapshotBucketName(config),
      base_path: `${config.environment}/${config.logging.clusterName}`,
    },
  };
}

export function slmPolicy(config: StackConfig): SlmPolicyBody {
  const s = config.logging.snapshots;
  return {
    name: `<${logsName("snap")}-{now/d}>`,
    schedule: s.schedule,
    repository: SNAPSHOT_REPOSITORY,
    config: {
      indices: [logsName("*")],
      ignore_unavailable: true,
      // Global state brings back templates, pipelines, ILM policies and roles with the data.
      include_global_state: true,
    },
    retention: { expire_after: `${s.retentionDays}d`, min_count: s.minCount, max_count: s.maxCount },
  };
}
