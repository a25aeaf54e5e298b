import { opsgenieOverrides } from "../helpers/config";
import { describe, expect, it } from "vitest";
import { ALERT_LEVELS, PRIORITIES } from "../../infra/catalog/alert-levels";
import { parseStackConfig, type StackConfig } from "../../infra/config";
import { alertChannels } from "../../infra/generators/alerting/channels";
import {
  issueAlertAction,
  metricAlertAction,
  projectOwners,
  sentryActionsFor,
  sentryIssueAlerts,
  sentryMetricAlerts,
  sentryProjects,
} from "../../infra/generators/sentry";
import { readStackFile } from "../../scripts/lib/stack-file";

/** The stack file's config, with some `observability:` keys replaced (plain JS values). */
function configOf(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackFile(stack);
  for (const [k, v] of Object.entries(overrides)) file.config[`observability:${k}`] = JSON.stringify(v);
  return parseStackConfig(file.config, new Set(file.secretKeys)).config;
}

const dev = configOf("dev");
// Sentry names an Opsgenie team `<integration id>-<team>` (its OpsgenieIntegration).
const opsgenie = configOf("dev", opsgenieOverrides(dev));
const teamId = (team: string) => `id-of-${team}`;

describe("Sentry alert actions per priority", () => {
  it.each(PRIORITIES)("%s resolves to the alert-level table's channel (PagerDuty stack)", (priority) => {
    const actions = sentryActionsFor(dev, priority, ["platform"]);
    const channel = alertChannels(dev)[priority];
    switch (ALERT_LEVELS[priority].channel) {
      case "phone":
        expect(channel.kind).toBe("pagerduty");
        expect(actions).toEqual([{ kind: "pagerduty", integrationId: "100002", serviceId: "100003" }]);
        expect(issueAlertAction(actions[0]!, teamId)).toEqual({
          id: "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction",
          account: "100002",
          service: "100003",
        });
        expect(metricAlertAction(actions[0]!, teamId)).toEqual({
          type: "pagerduty",
          targetType: "specific",
          targetIdentifier: "100003",
          integrationId: 100002,
        });
        break;
      case "email":
        expect(actions).toEqual([
          { kind: "email", team: "platform", address: "platform-oncall@example.com" },
        ]);
        expect(issueAlertAction(actions[0]!, teamId)).toEqual({
          id: "sentry.mail.actions.NotifyEmailAction",
          targetType: "Team",
          targetIdentifier: "id-of-platform",
        });
        expect(metricAlertAction(actions[0]!, teamId)).toEqual({
          type: "email",
          targetType: "team",
          targetIdentifier: "id-of-platform",
        });
        break;
      case "slack":
        expect(actions).toEqual([
          {
            kind: "slack",
            workspaceId: "100001",
            channel: "#platform-alerts",
            channelId: "C0DEVPLAT01",
            team: "platform",
          },
        ]);
        // The channel's id next to its name: Sentry's SlackNotifyServiceForm then validates the
        // pair when the rule is saved rather than looking the name up asynchronously, and stores
        // the name without `#`, which is therefore what is sent (no diff on every preview).
        expect(issueAlertAction(actions[0]!, teamId)).toEqual({
          id: "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
          workspace: "100001",
          channel: "platform-alerts",
          channel_id: "C0DEVPLAT01",
          tags: "environment,level,release",
        });
        // Metric alerts too: the id (`inputChannelId`) makes Sentry save the rule at once.
        expect(metricAlertAction(actions[0]!, teamId)).toEqual({
          type: "slack",
          targetType: "specific",
          targetIdentifier: "platform-alerts",
          integrationId: 100001,
          inputChannelId: "C0DEVPLAT01",
        });
        break;
    }
  });

  it("P1 goes to Opsgenie when the stack pages through Opsgenie", () => {
    const [a, ...rest] = sentryActionsFor(opsgenie, "P1", ["web"]);
    expect(rest).toEqual([]);
    expect(issueAlertAction(a!, teamId)).toEqual({
      id: "sentry.integrations.opsgenie.notify_action.OpsgenieNotifyTeamAction",
      account: "100002",
      team: "100003-ops",
    });
    expect(metricAlertAction(a!, teamId)).toMatchObject({ type: "opsgenie", integrationId: 100002 });
    // P2 and P3 do not depend on the paging provider.
    expect(sentryActionsFor(opsgenie, "P2", ["web"])).toEqual(sentryActionsFor(dev, "P2", ["web"]));
  });

  it("email and Slack reach every owning team and no other", () => {
    const both = sentryActionsFor(dev, "P3", ["platform", "web"]);
    expect(both.map((a) => a.kind === "slack" && a.channel)).toEqual(["#platform-alerts", "#web-alerts"]);
    // Each team's own channel id, from its teams[] entry.
    expect(both.map((a) => a.kind === "slack" && a.channelId)).toEqual(
      dev.teams.map((t) => t.slackChannelId),
    );
    expect(sentryActionsFor(dev, "P2", ["web"]).map((a) => a.kind === "email" && a.team)).toEqual(["web"]);
  });
});

describe("Sentry alert rules", () => {
  const issue = sentryIssueAlerts(dev);
  const metric = sentryMetricAlerts(dev);

  it("has new issue, regression and event spike issue alerts for both projects, at the documented priorities", () => {
    expect(issue.map((r) => `${r.project}/${r.key}/${r.priority}`).sort()).toEqual([
      "backend/event-spike/P2",
      "backend/new-issue/P3",
      "backend/regression/P2",
      "frontend/event-spike/P2",
      "frontend/new-issue/P3",
      "frontend/regression/P2",
    ]);
    for (const r of issue) {
      // Re-notification follows the priority's response time from the alert-level table.
      expect(r.frequencyMinutes).toBe(ALERT_LEVELS[r.priority].responseMinutes);
      const owners = sentryProjects(dev).find((p) => p.kind === r.project)!.teams;
      expect(r.actions).toEqual(sentryActionsFor(dev, r.priority, owners));
    }
    const spike = issue.find((r) => r.key === "event-spike" && r.project === "backend")!;
    expect(spike.conditions).toEqual([
      {
        id: "sentry.rules.conditions.event_frequency.EventFrequencyCondition",
        comparisonType: "count",
        interval: "1h",
        value: String(dev.sentry.backend.alerts.spikeEventsPerHour),
      },
    ]);
  });

  it("has error-rate (P1/P2) and slow-transaction (P2/P3) metric alerts with thresholds from config", () => {
    const prod = configOf("prod");
    const rate = sentryMetricAlerts(prod).find((r) => r.key === "error-rate" && r.project === "backend")!;
    expect(rate.aggregate).toBe("failure_rate()");
    // Config speaks percent; Sentry's failure_rate() is a ratio.
    expect(rate.triggers.map((t) => [t.label, t.threshold, t.priority])).toEqual([
      ["critical", prod.sentry.backend.alerts.errorRatePercent.critical / 100, "P1"],
      ["warning", prod.sentry.backend.alerts.errorRatePercent.warning / 100, "P2"],
    ]);
    const slow = metric.find((r) => r.key === "slow-transactions" && r.project === "frontend")!;
    expect(slow.aggregate).toBe("p95(span.duration)");
    // A self-hosted Sentry without the span dataset keeps the transaction dataset and its field.
    const selfHosted = configOf("dev", { sentry: { ...dev.sentry, metricAlertDataset: "transactions" } });
    expect(
      sentryMetricAlerts(selfHosted).map((r) => [r.key, r.dataset, r.query, r.eventTypes, r.aggregate]),
    ).toContainEqual(["slow-transactions", "transactions", "", undefined, "p95(transaction.duration)"]);
    expect(slow.triggers.map((t) => [t.label, t.threshold, t.priority])).toEqual([
      ["critical", 6000, "P2"],
      ["warning", 3000, "P3"],
    ]);
    for (const r of metric)
      for (const t of r.triggers) {
        const owners = sentryProjects(dev).find((p) => p.kind === r.project)!.teams;
        expect(t.actions).toEqual(sentryActionsFor(dev, t.priority, owners));
      }
  });
});

describe("Sentry projects", () => {
  it("backend is python-django, frontend javascript-nextjs, with the spec's sample rates by default", () => {
    const [backend, frontend] = sentryProjects(dev);
    expect(backend).toMatchObject({
      kind: "backend",
      slug: "acme-dev-backend",
      platform: "python-django",
      teams: ["platform"],
      sdk: { tracesSampleRate: 1, environment: "dev" },
    });
    expect(frontend).toMatchObject({
      kind: "frontend",
      slug: "acme-dev-frontend",
      platform: "javascript-nextjs",
      teams: ["web"],
      sdk: { tracesSampleRate: 0.1, environment: "dev" },
    });
  });

  it("a stack can lower a sample rate; defaults stay the spec's", () => {
    const lowered = configOf("dev", { sentry: { ...readSentry(), backend: { tracesSampleRate: 0.25 } } });
    expect(sentryProjects(lowered)[0]!.sdk.tracesSampleRate).toBe(0.25);
    const defaults = configOf("dev", { sentry: { ...readSentry(), backend: {}, frontend: {} } });
    expect(sentryProjects(defaults).map((p) => p.sdk.tracesSampleRate)).toEqual([1, 0.1]);
  });

  it("gives a project without services of its kind to every team", () => {
    expect(projectOwners({ teams: dev.teams, services: [] }, "frontend")).toEqual(["platform", "web"]);
  });
});

function readSentry(): Record<string, unknown> {
  return JSON.parse(readStackFile("dev").config["observability:sentry"]!) as Record<string, unknown>;
}
