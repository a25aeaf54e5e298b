import type { StackConfig } from "../../config";
import type { SlmPolicyBody, SnapshotRepositoryBody } from "./types";

export const SNAPSHOT_REPOSITORY = "s3-snapshots";
export const SLM_POLICY = "nightly-snapshots";

/** The snapshot bucket sits beside the archive buckets but has no lifecycle: SLM owns its contents. */
export const snapshotBucketName = (config: StackConfig): string =>
  `${config.archive.bucketPrefix}-es-snapshots`;

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
    name: "<logs-snap-{now/d}>",
    schedule: s.schedule,
    repository: SNAPSHOT_REPOSITORY,
    config: {
      indices: ["logs-*"],
      ignore_unavailable: true,
      // Global state brings back templates, pipelines, ILM policies and roles with the data.
      include_global_state: true,
    },
    retention: { expire_after: `${s.retentionDays}d`, min_count: s.minCount, max_count: s.maxCount },
  };
}
