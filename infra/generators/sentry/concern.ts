import { type Concern, json } from "../../artifacts";
import type { Priority } from "../../catalog/alert-levels";
import type { StackConfig } from "../../config";
import { type SentryActionTarget, sentryIssueAlerts, sentryMetricAlerts } from "./alerts";
import { sentryProjects, sentryTeamSlug } from "./projects";
import { sentryAlertRules } from "./resources";
import { scrubbingSettings } from "./scrubbing";

/** One action in words, for the summary. */
export function describeAction(config: Pick<StackConfig, "sentry">, a: SentryActionTarget): string {
  switch (a.kind) {
    case "pagerduty":
      return `PagerDuty service ${a.serviceId}`;
    case "opsgenie":
      return `Opsgenie team ${a.teamId}`;
    case "email":
      return `email to Sentry team \`${sentryTeamSlug(config.sentry, a.team)}\``;
    case "slack":
      return `Slack ${a.channel} (\`${a.channelId}\`)`;
  }
}

const cell = (s: string): string => s.replace(/\|/g, "\\|");

export const sentryConcern: Concern = {
  name: "sentry",
  artifacts: (config) => {
    const settings = scrubbingSettings(config.sentry);
    return [
      ...sentryProjects(config).map((p) => ({
        path: `sentry/${p.slug}-scrubbing.json`,
        content: json(settings),
      })),
      // Every alert rule as handed to its SentryIssueAlert or SentryMetricAlert.
      { path: "sentry/alert-rules.json", content: json(sentryAlertRules(config)) },
    ];
  },
  summary: (config) => {
    const s = config.sentry;
    const projects = sentryProjects(config);
    const issue = sentryIssueAlerts(config);
    const metric = sentryMetricAlerts(config);
    const rule = (r: { name: string; priority: Priority }) => `${cell(r.name)} (${r.priority})`;
    const scrub = scrubbingSettings(s);
    return [
      "## Error tracking (Sentry)",
      "",
      `Organisation \`${s.organization}\` at ${s.baseUrl}. Teams: ${config.teams.map((t) => `\`${sentryTeamSlug(s, t.name)}\``).join(", ")}.`,
      "",
      "| Project | Platform | Teams | Traces sample rate | Environment | Client key rate limit | DSN (stack output) |",
      "|---|---|---|---|---|---|---|",
      ...projects.map(
        (p) =>
          `| \`${p.slug}\` | ${p.platform} | ${p.teams.map((t) => `\`${sentryTeamSlug(s, t)}\``).join(", ")} | ${p.sdk.tracesSampleRate} | ${p.sdk.environment} | ${p.rateLimit.count} events / ${p.rateLimit.windowSeconds}s | \`sentry.projects.${p.kind}.dsn\` = [secret] |`,
      ),
      "",
      `Alert rules, routed as in the table at the top: issue alerts ${issue.map(rule).join(", ")}; metric alerts ${metric
        .flatMap((r) =>
          r.triggers.map(
            (t) => `${cell(r.name)} ${t.label} > ${r.display[t.label]}${r.unit} (${t.priority})`,
          ),
        )
        .join(", ")}. Arguments as deployed: [sentry/alert-rules.json](sentry/alert-rules.json).`,
      "",
      `Data scrubbing (both projects, through the REST API): data scrubber ${scrub.dataScrubber ? "on" : "off"}, Sentry's default sensitive keys ${scrub.dataScrubberDefaults ? "on" : "off"}, IP addresses ${scrub.scrubIPAddresses ? "scrubbed" : "kept"}; sensitive fields: ${scrub.sensitiveFields.map((f) => `\`${f}\``).join(", ") || "none"}; safe fields: ${scrub.safeFields.map((f) => `\`${f}\``).join(", ") || "none"}.`,
      "",
    ].join("\n");
  },
};
