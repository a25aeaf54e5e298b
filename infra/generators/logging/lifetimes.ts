import { LOG_TYPES, type LogType, RETENTION } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { lifecyclePlan } from "../archive/lifecycle";
import { ilmPlan } from "./ilm";
import { snapshotCopyDays, snapshotPlan } from "./snapshots";

/**
 * How long the archive may keep a log past its retention: its noncurrent versions, the window in
 * which a deleted or overwritten archive object can still be restored (at most 30 days, and never
 * more than the retention itself, so a short-lived type at most doubles). This is the only grace
 * of the retention promise: Elasticsearch and snapshot copies get none.
 */
export const retentionGraceDays = (logType: LogType): number => lifecyclePlan(logType).noncurrentVersionDays;

/** The longest each copy of one log type's line can live, in days from ingest. */
export interface CopyLives {
  logType: LogType;
  retentionDays: number;
  graceDays: number;
  /** ILM's delete age; replica shards are deleted with their index. */
  elasticsearchDays: number;
  /** Absent when the type is not snapshotted (`snapshotReason` says why). */
  snapshotDays?: number;
  snapshotReason?: string;
  /** The archive's expiry, then its noncurrent version. */
  archiveDays: number;
  longestDays: number;
}

export function copyLives(logType: LogType, config: StackConfig): CopyLives {
  const elasticsearchDays = ilmPlan(logType, config.logging).searchableDays;
  const snap = snapshotPlan(logType, config);
  const snapshotDays =
    snap.policy === undefined ? undefined : snapshotCopyDays(elasticsearchDays, snap.expireAfterDays);
  const archive = lifecyclePlan(logType);
  const archiveDays = archive.expirationDays + archive.noncurrentVersionDays;
  return {
    logType,
    retentionDays: RETENTION[logType].days,
    graceDays: retentionGraceDays(logType),
    elasticsearchDays,
    ...(snap.policy === undefined ? { snapshotReason: snap.reason } : { snapshotDays }),
    archiveDays,
    longestDays: Math.max(elasticsearchDays, snapshotDays ?? 0, archiveDays),
  };
}

/**
 * Where a type's copies break the promise: Elasticsearch and snapshot copies past the retention,
 * or any copy past retention plus grace. Shared by the tests and the policy pack.
 */
export function copyLifeViolations(c: CopyLives): string[] {
  const problems: string[] = [];
  const r = c.retentionDays;
  if (c.elasticsearchDays > r)
    problems.push(`${c.logType}: Elasticsearch keeps lines ${c.elasticsearchDays} days, retention is ${r}`);
  if (c.snapshotDays !== undefined && c.snapshotDays > r)
    problems.push(`${c.logType}: snapshot copies live up to ${c.snapshotDays} days, retention is ${r}`);
  if (c.archiveDays > r + c.graceDays)
    problems.push(
      `${c.logType}: archive copies live up to ${c.archiveDays} days, retention ${r} plus ${c.graceDays} days of grace`,
    );
  return problems;
}

export const allCopyLives = (config: StackConfig): CopyLives[] => LOG_TYPES.map((t) => copyLives(t, config));
