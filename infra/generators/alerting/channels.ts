import {
  ALERT_LEVELS,
  type ChannelKind,
  type NotificationTiming,
  notificationTiming,
  PRIORITIES,
  type Priority,
} from "../../catalog/alert-levels";
import type { SecretKey, StackConfig, TeamConfig } from "../../config";

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

/** Slack's Web API method that posts as the app's bot (`slackBotToken`) to the channel named in the message. */
export const SLACK_POST_MESSAGE = "https://slack.com/api/chat.postMessage";

type Delivery = Pick<AlertChannel, "kind" | "secretKey"> & { address(team: TeamConfig): string };

/** How each channel of the alert-level table is delivered with this stack's settings. */
function delivery(channel: ChannelKind, config: Pick<StackConfig, "alerting">): Delivery {
  const paging = config.alerting.pagingProvider;
  const deliveries: Record<ChannelKind, Delivery> = {
    // One routing key per provider; the team travels in the alert's labels.
    phone: {
      kind: paging,
      secretKey: paging === "pagerduty" ? "pagerdutyRoutingKey" : "opsgenieApiKey",
      address: () => paging,
    },
    email: { kind: "email", secretKey: "smtpPassword", address: (t) => t.email },
    // One bot token posts to every team's channel (chat.postMessage names the channel).
    slack: { kind: "slack", secretKey: "slackBotToken", address: (t) => t.slackChannel },
  };
  return deliveries[channel];
}

/** The channel of each priority, keyed by priority. */
export function alertChannels(
  config: Pick<StackConfig, "alerting" | "teams">,
): Record<Priority, AlertChannel> {
  const channel = (priority: Priority): AlertChannel => {
    const { kind, secretKey, address } = delivery(ALERT_LEVELS[priority].channel, config);
    return {
      priority,
      kind,
      secretKey,
      timing: notificationTiming(priority),
      sendResolved: true,
      destinations: config.teams.map((t) => ({ team: t.name, address: address(t) })),
    };
  };
  return Object.fromEntries(PRIORITIES.map((p) => [p, channel(p)])) as Record<Priority, AlertChannel>;
}

/** The channels in priority order, P1 first. */
export const channelList = (config: Pick<StackConfig, "alerting" | "teams">): AlertChannel[] =>
  Object.values(alertChannels(config)).sort((a, b) => a.priority.localeCompare(b.priority));
