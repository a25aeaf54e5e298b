import { ALERT_LEVELS, type NotificationTiming, notificationTiming, PRIORITIES, type Priority } from "../../catalog/alert-levels";
import type { SecretKey, StackConfig } from "../../config";

/** Where one priority's notifications go for one team. */
export interface ChannelDestination {
  team: string;
  /** Email address (P2), Slack channel (P3); for P1 the paging provider's routing key is shared. */
  address: string;
}

/**
 * The alert channels, defined once: the spec's alert-level table joined with this stack's
 * destinations. Alertmanager receivers and routes, Grafana contact points and policies, and
 * Sentry/New Relic alert actions are all generated from this.
 */
export interface AlertChannel {
  priority: Priority;
  kind: "pagerduty" | "opsgenie" | "email" | "slack";
  /** Secret config key holding the credential this channel needs. */
  secretKey: SecretKey;
  timing: NotificationTiming;
  /** Resolved notices are sent for every priority. */
  sendResolved: true;
  destinations: ChannelDestination[];
}

export function alertChannels(config: Pick<StackConfig, "alerting" | "teams">): AlertChannel[] {
  return PRIORITIES.map((priority): AlertChannel => {
    const level = ALERT_LEVELS[priority];
    const timing = notificationTiming(priority);
    switch (level.channel) {
      case "phone": {
        const kind = config.alerting.pagingProvider;
        return {
          priority,
          kind,
          secretKey: kind === "pagerduty" ? "pagerdutyRoutingKey" : "opsgenieApiKey",
          timing,
          sendResolved: true,
          destinations: config.teams.map((t) => ({ team: t.name, address: kind })),
        };
      }
      case "email":
        return {
          priority,
          kind: "email",
          secretKey: "smtpPassword",
          timing,
          sendResolved: true,
          destinations: config.teams.map((t) => ({ team: t.name, address: t.email })),
        };
      case "slack":
        return {
          priority,
          kind: "slack",
          secretKey: "slackWebhookUrl",
          timing,
          sendResolved: true,
          destinations: config.teams.map((t) => ({ team: t.name, address: t.slackChannel })),
        };
    }
  });
}

export const channelFor = (config: Pick<StackConfig, "alerting" | "teams">, priority: Priority): AlertChannel =>
  alertChannels(config).find((c) => c.priority === priority)!;
