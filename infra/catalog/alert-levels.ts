/**
 * The spec's "Alert Levels" table, defined once. Alertmanager receivers and routes, Grafana contact
 * points and notification policies, and Sentry/New Relic alert actions are all generated from it.
 */
export const PRIORITIES = ["P1", "P2", "P3"] as const;
export type Priority = (typeof PRIORITIES)[number];

export type ChannelKind = "phone" | "email" | "slack";

export interface AlertLevel {
  priority: Priority;
  /** The spec's response time; we also re-notify at this interval while the alert still fires. */
  responseMinutes: number;
  channel: ChannelKind;
  /** Human wording for summaries and runbooks. */
  meaning: string;
}

export const ALERT_LEVELS: Readonly<Record<Priority, AlertLevel>> = {
  P1: { priority: "P1", responseMinutes: 15, channel: "phone", meaning: "page the on-call engineer now" },
  P2: { priority: "P2", responseMinutes: 60, channel: "email", meaning: "handle within the hour" },
  P3: { priority: "P3", responseMinutes: 240, channel: "slack", meaning: "handle within the working day" },
};

/**
 * A duration in minutes as Alertmanager and Grafana both write it: whole hours as `1h`, `4h`,
 * anything else as `5m`. Every consumer of the alert levels formats durations with this.
 */
export const durationText = (minutes: number): string =>
  minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;

/** Notification timings shared by Alertmanager and Grafana alerting. */
export interface NotificationTiming {
  groupWaitSeconds: number;
  groupIntervalMinutes: number;
  repeatIntervalMinutes: number;
}

export function notificationTiming(priority: Priority): NotificationTiming {
  const level = ALERT_LEVELS[priority];
  return {
    // Pages go out fast; lower priorities wait a little longer to batch related alerts.
    groupWaitSeconds: priority === "P1" ? 10 : 30,
    groupIntervalMinutes: priority === "P1" ? 1 : 5,
    repeatIntervalMinutes: level.responseMinutes,
  };
}
