import type { Priority } from "../../catalog/alert-levels";
import type { StackConfig } from "../../config";
import { alertChannels } from "../alerting/channels";
import { type SentryProjectKind, sentryProjects } from "./projects";

type Cfg = Pick<StackConfig, "environment" | "teams" | "services" | "sentry" | "alerting">;

/**
 * Where a Sentry alert action notifies, resolved from the one alert-channel definition
 * (infra/generators/alerting/channels.ts). Sentry reaches Slack, PagerDuty and Opsgenie through
 * organisation integrations, and email through the members of a Sentry team.
 */
export type SentryActionTarget =
  | { kind: "pagerduty"; integrationId: string; serviceId: string }
  | { kind: "opsgenie"; integrationId: string; teamId: string }
  | { kind: "email"; team: string; address: string }
  | { kind: "slack"; workspaceId: string; channel: string; channelId: string; team: string };

const teamChannelId = (config: Pick<StackConfig, "teams">, team: string): string => {
  const t = config.teams.find((x) => x.name === team);
  if (!t) throw new Error(`unknown team ${team}`);
  return t.slackChannelId;
};

/** The actions of one priority for the given owning teams: the alert-level table's channel. */
export function sentryActionsFor(
  config: Cfg,
  priority: Priority,
  owners: readonly string[],
): SentryActionTarget[] {
  const channel = alertChannels(config)[priority];
  const { slackWorkspaceId, paging } = config.sentry.integrations;
  const mine = channel.destinations.filter((d) => owners.includes(d.team));
  switch (channel.kind) {
    case "pagerduty":
      // One shared service, as Alertmanager shares the routing key.
      return [{ kind: "pagerduty", integrationId: paging.integrationId, serviceId: paging.targetId }];
    case "opsgenie":
      return [{ kind: "opsgenie", integrationId: paging.integrationId, teamId: paging.targetId }];
    case "email":
      return mine.map((d) => ({ kind: "email", team: d.team, address: d.address }));
    case "slack":
      return mine.map((d) => ({
        kind: "slack",
        workspaceId: slackWorkspaceId,
        channel: d.address,
        channelId: teamChannelId(config, d.team),
        team: d.team,
      }));
  }
}

/** An action in the shape SentryIssueAlert takes; `teamId` maps a team name to its Sentry id. */
export function issueAlertAction<T>(
  a: SentryActionTarget,
  teamId: (team: string) => T,
): Record<string, string | T> {
  switch (a.kind) {
    case "pagerduty":
      return {
        id: "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction",
        account: a.integrationId,
        service: a.serviceId,
      };
    case "opsgenie":
      return {
        id: "sentry.integrations.opsgenie.notify_action.OpsgenieNotifyTeamAction",
        account: a.integrationId,
        team: a.teamId,
      };
    case "email":
      return {
        id: "sentry.mail.actions.NotifyEmailAction",
        targetType: "Team",
        targetIdentifier: teamId(a.team),
      };
    case "slack":
      return {
        id: "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
        workspace: a.workspaceId,
        channel: slackChannelName(a.channel),
        // With the id, Sentry checks the channel when the rule is saved (and refuses a channel its
        // app cannot see); with the name alone it looks the id up later and, if that fails, answers
        // 202 and never creates the rule.
        channel_id: a.channelId,
        tags: "environment,level,release",
      };
  }
}

/**
 * A Slack channel as Sentry stores it when given the channel id: the name without `#` (its Slack
 * action form strips the prefix and adds none back when an id comes with the name). Sending the
 * stored form keeps every preview from showing a change Sentry would undo.
 */
export const slackChannelName = (channel: string): string => channel.replace(/^#/, "");

/** A metric alert trigger's action, with the field names of Sentry's alert-rule API. */
export interface MetricTriggerAction<T> {
  type: string;
  targetType: string;
  targetIdentifier: string | T;
  integrationId?: number;
  /** The Slack channel id: Sentry checks the channel when the rule is saved, never later. */
  inputChannelId?: string;
}

/** An action in the shape of a metric alert rule's trigger (Sentry's alert-rule API). */
export function metricAlertAction<T>(
  a: SentryActionTarget,
  teamId: (team: string) => T,
): MetricTriggerAction<T> {
  switch (a.kind) {
    case "pagerduty":
      return {
        type: "pagerduty",
        targetType: "specific",
        targetIdentifier: a.serviceId,
        integrationId: Number(a.integrationId),
      };
    case "opsgenie":
      return {
        type: "opsgenie",
        targetType: "specific",
        targetIdentifier: a.teamId,
        integrationId: Number(a.integrationId),
      };
    case "email":
      return { type: "email", targetType: "team", targetIdentifier: teamId(a.team) };
    case "slack":
      return {
        type: "slack",
        targetType: "specific",
        targetIdentifier: slackChannelName(a.channel),
        integrationId: Number(a.workspaceId),
        inputChannelId: a.channelId,
      };
  }
}

export type IssueAlertKey = "new-issue" | "regression" | "event-spike";
export type MetricAlertKey = "error-rate" | "slow-transactions";

export interface IssueAlertSpec {
  key: IssueAlertKey;
  project: SentryProjectKind;
  name: string;
  priority: Priority;
  /** Why this priority: shown in the summary. */
  why: string;
  conditions: Record<string, string>[];
  /** Sentry re-notifies about one issue at most this often: the priority's response time. */
  frequencyMinutes: number;
  actions: SentryActionTarget[];
}

export interface MetricTriggerSpec {
  label: "critical" | "warning";
  threshold: number;
  priority: Priority;
  actions: SentryActionTarget[];
}

export interface MetricAlertSpec {
  key: MetricAlertKey;
  project: SentryProjectKind;
  name: string;
  why: string;
  dataset: SentryAlertDataset["dataset"];
  /** 1: a performance (transaction) query, as Sentry's alert-rule API names its types. */
  queryType: 1;
  /** The event types the rule reads; the span dataset takes spans. */
  eventTypes?: string[];
  aggregate: string;
  query: string;
  timeWindowMinutes: number;
  /** 0: the alert fires when the value is above the threshold. */
  thresholdType: 0;
  /** Shown with its unit in the summary. */
  unit: string;
  /** The value as configured (percent for error rate), for the summary. */
  display: { critical: number; warning: number };
  triggers: MetricTriggerSpec[];
}

/**
 * Priorities, and why:
 * - new issue → P3: a new error type is worth a look the same day, and new issues are too
 *   frequent to page or email on (alert fatigue).
 * - regression → P2: a fixed bug came back, nearly always with the latest release; someone
 *   should look within the hour, before the release spreads.
 * - event spike → P2: one issue is hitting many requests or users; harm is ongoing but limited to
 *   one code path, so not a page.
 * - error rate → P1 critical (a large share of transactions fail: an outage), P2 warning.
 * - slow transactions → P2 critical (users wait, nothing is broken), P3 warning.
 */
/*
 * No alert filters on an environment: each stack has its own projects, so every event in them is
 * from this stack, and Sentry refuses a rule for an environment it has not seen an event from yet,
 * which would fail the first `pulumi up` of a new stack.
 */
export function sentryIssueAlerts(config: Cfg): IssueAlertSpec[] {
  return sentryProjects(config).flatMap((p) => {
    const a = config.sentry[p.kind].alerts;
    const rule = (
      key: IssueAlertKey,
      name: string,
      priority: Priority,
      why: string,
      condition: Record<string, string>,
    ) => ({
      key,
      project: p.kind,
      name: `[${priority}] ${p.name}: ${name}`,
      priority,
      why,
      conditions: [condition],
      frequencyMinutes: alertChannels(config)[priority].timing.repeatIntervalMinutes,
      actions: sentryActionsFor(config, priority, p.teams),
    });
    return [
      rule(
        "new-issue",
        "new issue",
        "P3",
        "new error types are frequent: triage the same day without paging",
        {
          id: "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition",
        },
      ),
      rule("regression", "regression", "P2", "a fixed bug came back, usually with the latest release", {
        id: "sentry.rules.conditions.regression_event.RegressionEventCondition",
      }),
      rule(
        "event-spike",
        `more than ${a.spikeEventsPerHour} events of one issue in 1h`,
        "P2",
        "one code path fails for many requests",
        {
          id: "sentry.rules.conditions.event_frequency.EventFrequencyCondition",
          comparisonType: "count",
          interval: "1h",
          value: String(a.spikeEventsPerHour),
        },
      ),
    ];
  });
}

/**
 * What a metric alert queries, by `sentry.metricAlertDataset`. sentry.io refuses new
 * transaction-based alerts (it asks for span-based ones, dataset `events_analytics_platform`, with
 * `is_transaction:true`): a span whose `is_transaction` is true is a transaction, so the same
 * rules read the same events. A self-hosted Sentry without the span dataset keeps `transactions`.
 */
export interface SentryAlertDataset {
  dataset: "events_analytics_platform" | "transactions";
  eventTypes?: string[];
  /** Only transactions, whatever else the dataset holds. */
  query: string;
  durationField: "span.duration" | "transaction.duration";
}

export const sentryAlertDataset = (sentry: Pick<Cfg["sentry"], "metricAlertDataset">): SentryAlertDataset =>
  sentry.metricAlertDataset === "spans"
    ? {
        dataset: "events_analytics_platform",
        eventTypes: ["trace_item_span"],
        query: "is_transaction:true",
        durationField: "span.duration",
      }
    : { dataset: "transactions", query: "", durationField: "transaction.duration" };

export function sentryMetricAlerts(config: Cfg): MetricAlertSpec[] {
  const source = sentryAlertDataset(config.sentry);
  const on = {
    dataset: source.dataset,
    queryType: 1 as const,
    ...(source.eventTypes ? { eventTypes: source.eventTypes } : {}),
    query: source.query,
  };
  return sentryProjects(config).flatMap((p): MetricAlertSpec[] => {
    const a = config.sentry[p.kind].alerts;
    const trigger = (
      label: "critical" | "warning",
      threshold: number,
      priority: Priority,
    ): MetricTriggerSpec => ({
      label,
      threshold,
      priority,
      actions: sentryActionsFor(config, priority, p.teams),
    });
    return [
      {
        key: "error-rate",
        project: p.kind,
        name: `${p.name}: error rate`,
        why: "critical: a large share of transactions fail, an outage (P1); warning: degraded (P2)",
        ...on,
        // failure_rate() is a ratio between 0 and 1 in Sentry's API; config speaks percent.
        aggregate: "failure_rate()",
        timeWindowMinutes: 5,
        thresholdType: 0,
        unit: "%",
        display: { ...a.errorRatePercent },
        triggers: [
          trigger("critical", a.errorRatePercent.critical / 100, "P1"),
          trigger("warning", a.errorRatePercent.warning / 100, "P2"),
        ],
      },
      {
        key: "slow-transactions",
        project: p.kind,
        name: `${p.name}: slow transactions (p95)`,
        why: "users wait but nothing is broken: P2 when critical, P3 as a warning",
        ...on,
        aggregate: `p95(${source.durationField})`,
        timeWindowMinutes: 15,
        thresholdType: 0,
        unit: "ms",
        display: { ...a.slowTransactionP95Ms },
        triggers: [
          trigger("critical", a.slowTransactionP95Ms.critical, "P2"),
          trigger("warning", a.slowTransactionP95Ms.warning, "P3"),
        ],
      },
    ];
  });
}
