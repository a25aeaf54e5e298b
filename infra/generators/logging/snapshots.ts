import { dataStreamPattern, logsName } from "../../catalog/log-schema";
import { LOG_TYPES, type LogType, RETENTION } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { awsTags, bucketName, type SecureBucketSpec } from "../archive/buckets";
import { noncurrentOnlyRule } from "../archive/lifecycle";
import { ilmPlan } from "./ilm";
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

/**
 * SLM deletes expired snapshots only when its retention task runs, `slm.retention_schedule`,
 * which this stack leaves at Elasticsearch's default, daily at 01:30 UTC: an expired snapshot can
 * wait up to this long more.
 */
export const SLM_RETENTION_TASK_DAYS = 1;

/**
 * A log type's snapshots, or why it has none. A snapshot of a data stream holds every backing
 * index, so the last one taken before ILM deletes an index holds lines as old as the type's
 * Elasticsearch life; it then lives `expireAfterDays`, up to SLM_RETENTION_TASK_DAYS until SLM's
 * retention task deletes it, and SNAPSHOT_NONCURRENT_DAYS as a noncurrent S3 version. That sum
 * must not pass the retention row, so a type gets what room its Elasticsearch life leaves (at
 * most `logging.snapshots.retentionDays`), or no snapshots when less than a day is left.
 */
export type SnapshotPlan =
  | { logType: LogType; policy: string; indices: string; expireAfterDays: number }
  | { logType: LogType; policy?: undefined; reason: string };

/**
 * The longest a line's snapshot copy lives, from ingest (see SnapshotPlan); `noncurrentDays` is the
 * snapshot bucket's, SNAPSHOT_NONCURRENT_DAYS unless the policy pack read another from a stack.
 */
export const snapshotCopyDays = (
  esLifeDays: number,
  expireAfterDays: number,
  noncurrentDays: number = SNAPSHOT_NONCURRENT_DAYS,
): number => esLifeDays + expireAfterDays + SLM_RETENTION_TASK_DAYS + noncurrentDays;

export const LOG_SNAPSHOT_MIN_COUNT = 1;

export const slmPolicyName = (logType: LogType): string => `${SLM_POLICY}-${logType}`;

export function snapshotPlan(logType: LogType, config: StackConfig): SnapshotPlan {
  const esLife = ilmPlan(logType, config.logging).searchableDays;
  const retention = RETENTION[logType].days;
  const room = retention - snapshotCopyDays(esLife, 0);
  if (room < 1)
    return {
      logType,
      reason: `its Elasticsearch copy lives ${esLife} of its ${retention} days, so a snapshot of it (kept at least a day, deleted up to ${SLM_RETENTION_TASK_DAYS} day later, then ${SNAPSHOT_NONCURRENT_DAYS} days a noncurrent S3 version) would outlive the retention; the S3 archive keeps it`,
    };
  return {
    logType,
    policy: slmPolicyName(logType),
    indices: dataStreamPattern(logType),
    expireAfterDays: Math.min(config.logging.snapshots.retentionDays, room),
  };
}

export const snapshotPlans = (config: StackConfig): SnapshotPlan[] =>
  LOG_TYPES.map((t) => snapshotPlan(t, config));

/**
 * The cluster's own state (templates, pipelines, ILM policies, roles, system indices' feature
 * states) and no log index (`-*` excludes every data stream and index): what a rebuilt cluster
 * needs before its logs. It holds no log line, so `logging.snapshots` applies to it unchanged,
 * `minCount` included. It keeps the name of the former all-in-one policy, so applying it replaces
 * that policy, whose snapshots then expire under this retention.
 */
export function clusterStateSlmPolicy(config: StackConfig): SlmPolicyBody {
  const s = config.logging.snapshots;
  return {
    name: `<${logsName("snap", "cluster")}-{now/d}>`,
    schedule: s.schedule,
    repository: SNAPSHOT_REPOSITORY,
    config: { indices: ["-*"], ignore_unavailable: true, include_global_state: true },
    retention: { expire_after: `${s.retentionDays}d`, min_count: s.minCount, max_count: s.maxCount },
  };
}

/**
 * One log type's snapshots: its data streams only, without global state (the cluster-state policy
 * has it). `min_count` 1, the least Elasticsearch accepts (the client's type requires the field):
 * an expired snapshot is kept only while it is the newest, and the schedule runs daily (config),
 * so a line's last snapshot goes once one later snapshot succeeds. More would keep expired
 * snapshots, and the lines ILM already deleted, for as many runs.
 */
export function logSlmPolicy(
  plan: Extract<SnapshotPlan, { policy: string }>,
  config: StackConfig,
): SlmPolicyBody {
  const s = config.logging.snapshots;
  return {
    name: `<${logsName("snap", plan.logType)}-{now/d}>`,
    schedule: s.schedule,
    repository: SNAPSHOT_REPOSITORY,
    config: { indices: [plan.indices], ignore_unavailable: true, include_global_state: false },
    retention: {
      expire_after: `${plan.expireAfterDays}d`,
      min_count: LOG_SNAPSHOT_MIN_COUNT,
      max_count: s.maxCount,
    },
  };
}

/** Every SLM policy by id: the cluster state's, then one per log type that has snapshots. */
export function slmPolicies(config: StackConfig): [string, SlmPolicyBody][] {
  return [
    [SLM_POLICY, clusterStateSlmPolicy(config)],
    ...snapshotPlans(config).flatMap((p) =>
      p.policy === undefined ? [] : [[p.policy, logSlmPolicy(p, config)] as [string, SlmPolicyBody]],
    ),
  ];
}
