import { type Concern, toYaml } from "../../artifacts";
import { ALERT_LEVELS, durationText, PRIORITIES, type Priority } from "../../catalog/alert-levels";
import type { StackConfig } from "../../config";
import { describeRouting, newRelicConditions, newRelicRouting, usedPriorities } from "../frontend/new-relic";
import { describeAction, projectOwners, SENTRY_PROJECT_KINDS, sentryActionsFor } from "../sentry";
import { alertChannels } from "./channels";
import {
  escalationLevels,
  PAGERDUTY_TIMINGS,
  pagerdutyDocument,
  pagerdutyManaged,
  pagerdutyServiceName,
} from "./pagerduty";

/** Who Alertmanager (and, with the same tree, Grafana) notifies for one priority. */
function alertmanagerTargets(config: StackConfig, priority: Priority): string {
  const channel = alertChannels(config)[priority];
  const perTeam = channel.destinations.map((d) => `${d.team}: ${d.address}`).join(", ");
  switch (channel.kind) {
    case "pagerduty":
      if (pagerdutyManaged(config))
        return `PagerDuty, the alert's team's service (${config.teams.map((t) => `${t.name}: ${pagerdutyServiceName(config, t.name)}`).join(", ")}), escalating after ${durationText(PAGERDUTY_TIMINGS.escalationDelayMinutes)} unacknowledged; alerts without a team page ${config.metrics.ownerTeam}'s`;
      return "PagerDuty, one routing key (`pagerdutyRoutingKey`); the team is in the alert's labels";
    case "opsgenie":
      return "Opsgenie (`opsgenieApiKey`); the team is in the alert's labels";
    case "email":
      return `email to the alert's team (${perTeam}); alerts without a team go to ${config.metrics.ownerTeam}`;
    case "slack":
      return `Slack bot (\`slackBotToken\`, chat.postMessage) to the alert's team's channel (${perTeam}); alerts without a team go to ${config.alerting.slackChannel}`;
  }
}

/** Who Sentry notifies for one priority, over both projects. */
function sentryTargets(config: StackConfig, priority: Priority): string {
  const targets = SENTRY_PROJECT_KINDS.flatMap((kind) =>
    sentryActionsFor(config, priority, projectOwners(config, kind)).map((a) => describeAction(config, a)),
  );
  return [...new Set(targets)].join(", ");
}

/** Who New Relic notifies for one priority, when it has a condition of that priority. */
function newRelicTargets(config: StackConfig, priority: Priority): string {
  if (!config.frontend.newRelic.enabled) return "off in this stack";
  if (!usedPriorities(newRelicConditions(config)).includes(priority)) return "no condition of this priority";
  return describeRouting(newRelicRouting(config, priority));
}

/** Managed PagerDuty: who each team's escalation policy pages, level by level. */
function pagerdutySummary(config: StackConfig): string[] {
  if (!pagerdutyManaged(config)) return [];
  const t = PAGERDUTY_TIMINGS;
  const level = (targets: ReturnType<typeof escalationLevels>[number]) =>
    targets.map((x) => `${x.type === "schedule_reference" ? "schedule" : "user"} ${x.id}`).join(" + ");
  return [
    `PagerDuty is managed here: per team a service (high urgency), an escalation policy and an Events API v2 integration: [pagerduty/pagerduty.yaml](pagerduty/pagerduty.yaml). Escalation after ${durationText(t.escalationDelayMinutes)}: ${t.escalationReason}. Acknowledgement timeout ${durationText(t.acknowledgementTimeoutMinutes)}: ${t.acknowledgementReason}. Auto-resolve ${durationText(t.autoResolveMinutes)}: ${t.autoResolveReason}.`,
    "",
    "| Team | PagerDuty service | Level 1 | Level 2 |",
    "|---|---|---|---|",
    ...config.teams.map((team) => {
      const levels = team.pagerduty ? escalationLevels(team.pagerduty) : [];
      return `| ${team.name} | ${pagerdutyServiceName(config, team.name)} | ${levels[0] ? level(levels[0]) : "-"} | ${levels[1] ? level(levels[1]) : "none"} |`;
    }),
    "",
  ];
}

/**
 * The first section of summary.md: per priority of the spec's alert levels, which system notifies
 * whom. Every system routes by the same alert-channel definition; this says where that lands.
 */
export const alertingConcern: Concern = {
  name: "alerting",
  artifacts: (config) =>
    pagerdutyManaged(config)
      ? [{ path: "pagerduty/pagerduty.yaml", content: toYaml(pagerdutyDocument(config)) }]
      : [],
  summary: (config) => {
    const muted =
      config.alerting.maintenance.windows.length > 0
        ? new Set(config.alerting.maintenance.mutedPriorities)
        : new Set();
    const rows = PRIORITIES.map((p) => {
      const level = ALERT_LEVELS[p];
      const grafana = `same as Alertmanager${muted.has(p) ? "; muted in maintenance windows" : ""}`;
      return `| ${p} | ${durationText(level.responseMinutes)}, ${level.channel} | ${alertmanagerTargets(config, p)}${muted.has(p) ? "; muted in maintenance windows" : ""} | ${grafana} | ${sentryTargets(config, p)} | ${newRelicTargets(config, p)} |`;
    });
    return [
      "## Who is notified, per priority",
      "",
      "| Priority | Respond within, by | Prometheus alerts (Alertmanager) | Grafana-managed alerts | Sentry | New Relic Browser |",
      "|---|---|---|---|---|---|",
      ...rows,
      "",
      `Alertmanager re-notifies at the response time while an alert fires, sends resolved notices, and lets a P1 on a service mute its P2 and P3; the Watchdog goes only to the dead man's switch. Routing: [alertmanager/alertmanager.yaml](alertmanager/alertmanager.yaml).`,
      "",
      ...pagerdutySummary(config),
    ].join("\n");
  },
};
