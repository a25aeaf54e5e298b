import { logsName } from "../../catalog/log-schema";
import { type LogType, RETENTION } from "../../catalog/retention";
import { MANAGED_BY_META } from "../labels";
import type { LoggingConfig } from "../../config";
import type { IlmPolicyBody } from "./types";

/**
 * One log type's life in Elasticsearch, in days. ILM counts a phase's `min_age` from the rollover
 * of the backing index, not from when a line arrived: an index collects lines for up to
 * `rolloverDays`, then its clock starts. So the delete phase starts at `searchableDays -
 * rolloverDays` after rollover, and the oldest line of an index is deleted `searchableDays` after
 * it arrived (newer lines of the same index up to `rolloverDays` earlier). No line outlives its
 * retention row.
 */
export interface IlmPlan {
  logType: LogType;
  /** How long lines stay searchable, counted from ingest: the retention row (audit: config). */
  searchableDays: number;
  rolloverDays: number;
  rolloverMaxPrimaryShardSizeGb: number;
  /** Read-only and force-merged from this age after rollover; absent when the index is deleted first. */
  warmAfterDays?: number;
  /** The delete phase's min_age (after rollover). */
  deleteAfterDays: number;
}

export const ilmPolicyName = (logType: LogType): string => logsName(logType);

/** Audit lines stay searchable for a configured period; the object-locked archive keeps them 7 years. */
export const searchableDays = (logType: LogType, cfg: LoggingConfig): number =>
  logType === "audit" ? cfg.auditSearchableDays : RETENTION[logType].days;

export function ilmPlan(logType: LogType, cfg: LoggingConfig): IlmPlan {
  const days = searchableDays(logType, cfg);
  const deleteAfterDays = days - cfg.rolloverMaxAgeDays;
  return {
    logType,
    searchableDays: days,
    rolloverDays: cfg.rolloverMaxAgeDays,
    rolloverMaxPrimaryShardSizeGb: cfg.rolloverMaxPrimaryShardSizeGb,
    warmAfterDays: cfg.warmAfterDays < deleteAfterDays ? cfg.warmAfterDays : undefined,
    deleteAfterDays,
  };
}

const days = (n: number): string => `${n}d`;

export function ilmPolicyBody(plan: IlmPlan): IlmPolicyBody {
  return {
    policy: {
      _meta: {
        managed_by: MANAGED_BY_META,
        log_type: plan.logType,
        searchable_days_after_ingest: plan.searchableDays,
      },
      phases: {
        hot: {
          min_age: "0ms",
          actions: {
            rollover: {
              max_age: days(plan.rolloverDays),
              max_primary_shard_size: `${plan.rolloverMaxPrimaryShardSizeGb}gb`,
            },
            set_priority: { priority: 100 },
          },
        },
        ...(plan.warmAfterDays === undefined
          ? {}
          : {
              warm: {
                min_age: days(plan.warmAfterDays),
                actions: {
                  readonly: {},
                  forcemerge: { max_num_segments: 1 },
                  set_priority: { priority: 50 },
                  // All data nodes hold every tier; no warm-tier nodes to move to.
                  migrate: { enabled: false },
                },
              },
            }),
        delete: {
          min_age: days(plan.deleteAfterDays),
          actions: { delete: { delete_searchable_snapshot: true } },
        },
      },
    },
  };
}

/** Parses the duration strings ILM bodies use here (`0ms`, `<n>d`, `<n>h`) into days. */
export function durationDays(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(String(value));
  if (!m) throw new Error(`unsupported duration: ${value}`);
  const n = Number(m[1]);
  const perDay: Record<string, number> = { ms: 86_400_000, s: 86_400, m: 1440, h: 24, d: 1 };
  return n / (perDay[m[2] as string] as number);
}
