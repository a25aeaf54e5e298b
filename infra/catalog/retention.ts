/**
 * The spec's "Log Retention" table. It exists only here: S3 lifecycle rules, Elasticsearch ILM,
 * the summary and the policy pack all derive from it.
 */
export const LOG_TYPES = ["application", "security", "audit", "debug"] as const;
export type LogType = (typeof LOG_TYPES)[number];

export interface RetentionRow {
  logType: LogType;
  /** The period as the spec writes it. */
  period: string;
  /** The same period in days; S3 and ILM both count in days. */
  days: number;
}

export const RETENTION: Readonly<Record<LogType, RetentionRow>> = {
  application: { logType: "application", period: "30 days", days: 30 },
  security: { logType: "security", period: "1 year", days: 365 },
  audit: { logType: "audit", period: "7 years", days: 7 * 365 },
  debug: { logType: "debug", period: "7 days", days: 7 },
};
