import { durationText, PRIORITIES, type Priority } from "../../catalog/alert-levels";
import type { SecretKey, StackConfig } from "../../config";
import { type AlertChannel, alertChannels, channelList } from "../alerting/channels";
import { GROUP_BY } from "../metrics/alertmanager";
import { resolveMetrics } from "../metrics/settings";
import { integrationKeyRef, pagerdutyTeams } from "../alerting/pagerduty";
import { type Ref, secretRef } from "../refs";

/**
 * Grafana alerting as pure data, generated from the one alert-channel definition
 * (infra/generators/alerting/channels.ts): a contact point per priority and team, one
 * notification policy tree with the same timings as Alertmanager's routes, and a mute timing for
 * planned maintenance. The component turns this into @pulumiverse/grafana resources and fills in
 * the secrets named by `secretKey`.
 */

/** Name of the mute timing built from `alerting.maintenance.windows` (Alertmanager's interval has the same name). */
export const MAINTENANCE_MUTE_TIMING = "planned-maintenance";

/** Root receiver: alerts without a known priority land in the default Slack channel. */
export const FALLBACK_CONTACT_POINT = "fallback";

export interface ContactPointSpec {
  name: string;
  priority: Priority | "fallback";
  team?: string;
  kind: AlertChannel["kind"];
  /** Email address or Slack channel; the paging provider's name for P1. */
  address: string;
  /** The secret the integration needs (webhook URL, routing key); SMTP is Grafana's server setting. */
  secretKey: SecretKey;
  /** Set when the credential is not `secretKey`'s: a team's managed PagerDuty integration key. */
  credential?: Ref;
  sendResolved: boolean;
}

export interface Matcher {
  label: string;
  match: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface PolicyTiming {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

export interface PolicyRoute extends Partial<PolicyTiming> {
  matchers: Matcher[];
  /** Unset: inherits the parent's contact point. */
  contactPoint?: string;
  muteTimings: string[];
  routes: PolicyRoute[];
}

export interface PolicyTree extends PolicyTiming {
  contactPoint: string;
  groupBy: string[];
  routes: PolicyRoute[];
}

export const contactPointName = (priority: Priority, team: string): string => `${priority}-${team}`;

export function timingOf(channel: AlertChannel): PolicyTiming {
  return {
    groupWait: `${channel.timing.groupWaitSeconds}s`,
    groupInterval: durationText(channel.timing.groupIntervalMinutes),
    repeatInterval: durationText(channel.timing.repeatIntervalMinutes),
  };
}

type AlertingInput = Pick<
  StackConfig,
  "alerting" | "teams" | "grafana" | "metrics" | "production" | "services" | "environment"
>;

export function contactPoints(config: AlertingInput): ContactPointSpec[] {
  const managed = new Set(pagerdutyTeams(config));
  const perTeam = channelList(config).flatMap((channel) =>
    channel.destinations.map(
      (d): ContactPointSpec => ({
        name: contactPointName(channel.priority, d.team),
        priority: channel.priority,
        team: d.team,
        kind: channel.kind,
        address: d.address,
        secretKey: channel.secretKey,
        // Managed PagerDuty: the team's P1 pages its own service and escalation policy.
        ...(channel.kind === "pagerduty" && managed.has(d.team)
          ? { credential: integrationKeyRef(d.team) }
          : {}),
        sendResolved: channel.sendResolved,
      }),
    ),
  );
  const { P3: p3 } = alertChannels(config);
  const fallback: ContactPointSpec = {
    name: FALLBACK_CONTACT_POINT,
    priority: "fallback",
    kind: p3.kind,
    address: config.alerting.slackChannel,
    secretKey: p3.secretKey,
    sendResolved: true,
  };
  return [fallback, ...perTeam];
}

/**
 * The whole policy tree (Grafana replaces it as one object): root -> priority -> team. A priority
 * route carries that priority's timings; team routes inherit them and pick the team's contact
 * point. Alerts without a known team go where Alertmanager sends them: P1 pages and P2 mails the
 * platform's owner team (`metrics.ownerTeam`; its managed PagerDuty service, else the shared routing
 * key), P3 posts to the default Slack channel (the fallback).
 */
export function notificationPolicy(config: AlertingInput): PolicyTree {
  const channels = alertChannels(config);
  const { ownerTeam } = resolveMetrics(config);
  const { windows, mutedPriorities } = config.alerting.maintenance;
  const muted = new Set(windows.length > 0 ? mutedPriorities : []);
  const p3 = channels.P3;
  return {
    contactPoint: FALLBACK_CONTACT_POINT,
    // The same grouping as the Alertmanager route tree.
    groupBy: [...GROUP_BY],
    ...timingOf(p3),
    routes: PRIORITIES.map((priority): PolicyRoute => {
      const channel = channels[priority];
      return {
        matchers: [{ label: "priority", match: "=", value: priority }],
        contactPoint: channel.kind === "slack" ? undefined : contactPointName(priority, ownerTeam),
        ...timingOf(channel),
        muteTimings: muted.has(priority) ? [MAINTENANCE_MUTE_TIMING] : [],
        routes: channel.destinations.map((d) => ({
          matchers: [{ label: "team", match: "=", value: d.team }],
          contactPoint: contactPointName(priority, d.team),
          muteTimings: muted.has(priority) ? [MAINTENANCE_MUTE_TIMING] : [],
          routes: [],
        })),
      };
    }),
  };
}

export interface MuteTimingSpec {
  name: string;
  intervals: {
    weekdays?: string[];
    daysOfMonths?: string[];
    months?: string[];
    times: { start: string; end: string }[];
    location: string;
  }[];
}

/** The planned-maintenance mute timing, or undefined when the stack has no windows. */
export function maintenanceMuteTiming(config: Pick<StackConfig, "alerting">): MuteTimingSpec | undefined {
  const windows = config.alerting.maintenance.windows;
  if (windows.length === 0) return undefined;
  return {
    name: MAINTENANCE_MUTE_TIMING,
    intervals: windows.map((w) => ({
      ...(w.weekdays ? { weekdays: w.weekdays } : {}),
      ...(w.daysOfMonth ? { daysOfMonths: w.daysOfMonth } : {}),
      ...(w.months ? { months: w.months } : {}),
      times: [{ start: w.startTime, end: w.endTime }],
      location: w.location,
    })),
  };
}

/** A contact point as the provider takes it: one integration of the channel's kind. */
export function contactPointArgs(cp: ContactPointSpec) {
  const disableResolveMessage = !cp.sendResolved;
  const secret = cp.credential ?? secretRef(cp.secretKey);
  const integration = (() => {
    switch (cp.kind) {
      case "pagerduty":
        return {
          pagerduties: [
            {
              integrationKey: secret,
              severity: "critical",
              ...(cp.team ? { component: cp.team, group: cp.team } : {}),
              disableResolveMessage,
            },
          ],
        };
      case "opsgenie":
        return { opsgenies: [{ apiKey: secret, autoClose: true, disableResolveMessage }] };
      case "email":
        return { emails: [{ addresses: [cp.address], singleEmail: true, disableResolveMessage }] };
      case "slack":
        // With a token Grafana posts through chat.postMessage to `recipient`: any channel the bot is in.
        return { slacks: [{ token: secret, recipient: cp.address, disableResolveMessage }] };
    }
  })();
  return { name: cp.name, ...integration };
}

/** A route of the tree as the provider nests it (`policies`), leaving out what it inherits. */
function policyArgs(r: PolicyRoute): Record<string, unknown> {
  return {
    matchers: r.matchers,
    ...(r.contactPoint ? { contactPoint: r.contactPoint } : {}),
    ...(r.groupWait
      ? { groupWait: r.groupWait, groupInterval: r.groupInterval, repeatInterval: r.repeatInterval }
      : {}),
    ...(r.muteTimings.length > 0 ? { muteTimings: r.muteTimings } : {}),
    ...(r.routes.length > 0 ? { policies: r.routes.map(policyArgs) } : {}),
  };
}

/** The whole tree as one NotificationPolicy: Grafana replaces the tree as a unit. */
export function notificationPolicyArgs(tree: PolicyTree) {
  return {
    contactPoint: tree.contactPoint,
    groupBies: tree.groupBy,
    groupWait: tree.groupWait,
    groupInterval: tree.groupInterval,
    repeatInterval: tree.repeatInterval,
    policies: tree.routes.map(policyArgs),
  };
}
