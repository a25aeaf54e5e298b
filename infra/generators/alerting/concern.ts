import type { Concern } from "../../artifacts";
import { ALERT_LEVELS, durationText, PRIORITIES, type Priority } from "../../catalog/alert-levels";
import type { StackConfig } from "../../config";
import { describeRouting, newRelicConditions, newRelicRouting, usedPriorities } from "../frontend/new-relic";
import { describeAction, projectOwners, SENTRY_PROJECT_KINDS, sentryActionsFor } from "../sentry";
import { alertChannels } from "./channels";

/** Who Alertmanager (and, with the same tree, Grafana) notifies for one priority. */
function alertmanagerTargets(config: StackConfig, priority: Priority): string {
  const channel = alertChannels(config)[priority];
  const perTeam = channel.destinations.map((d) => `${d.team}: ${d.address}`).join(", ");
  switch (channel.kind) {
    case "pagerduty":
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

/**
 * The first section of summary.md: per priority of the spec's alert levels, which system notifies
 * whom. Every system routes by the same alert-channel definition; this says where that lands.
 */
export const alertingConcern: Concern = {
  name: "alerting",
  artifacts: () => [],
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
    ].join("\n");
  },
};
