/** The spec's log levels, lowest first. `severity` orders them for filters and ingest routing. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_LEVEL_MEANING: Readonly<Record<LogLevel, string>> = {
  DEBUG: "Detailed diagnostic info",
  INFO: "Normal operational messages",
  WARNING: "Indications of potential issues",
  ERROR: "Error conditions requiring attention",
  CRITICAL: "System failures",
};

export const severity = (level: LogLevel): number => LOG_LEVELS.indexOf(level);
