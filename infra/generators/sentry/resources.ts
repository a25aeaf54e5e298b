import type { StackConfig } from "../../config";
import { ref, secretRef } from "../refs";
import {
  type IssueAlertSpec,
  issueAlertAction,
  type MetricAlertSpec,
  metricAlertAction,
  sentryIssueAlerts,
  sentryMetricAlerts,
} from "./alerts";
import { type SentryProjectKind, type SentryProjectSpec, sentryTeamSlug } from "./projects";
import { scrubbingSettings } from "./scrubbing";

/**
 * Sentry's resources as the provider takes them. Ids Sentry assigns are references: a team's slug
 * (`team-slug:<team>`) and numeric id (`team:<team>`), a project's slug (`project:<kind>`).
 */
type Cfg = Pick<StackConfig, "environment" | "teams" | "services" | "sentry" | "alerting">;

const teamId = (team: string) => ref(`team:${team}`);
const projectSlug = (kind: SentryProjectKind) => ref(`project:${kind}`);

export const sentryProviderArgs = (config: Pick<StackConfig, "sentry">) => ({
  token: secretRef("sentryAuthToken"),
  baseUrl: `${config.sentry.baseUrl}/api/`,
});

export function sentryTeamArgs(config: Pick<StackConfig, "sentry">, team: string) {
  const slug = sentryTeamSlug(config.sentry, team);
  return { organization: config.sentry.organization, name: slug, slug };
}

export const sentryProjectArgs = (config: Pick<StackConfig, "sentry">, spec: SentryProjectSpec) => ({
  organization: config.sentry.organization,
  name: spec.name,
  slug: spec.slug,
  platform: spec.platform,
  teams: spec.teams.map((t) => ref(`team-slug:${t}`)),
});

/** The project's client key (its DSN), rate-limited so one noisy release cannot eat the quota. */
export const sentryKeyArgs = (config: Pick<StackConfig, "sentry">, spec: SentryProjectSpec) => ({
  organization: config.sentry.organization,
  project: projectSlug(spec.kind),
  name: `${spec.name} (pulumi)`,
  rateLimitCount: spec.rateLimit.count,
  rateLimitWindow: spec.rateLimit.windowSeconds,
});

/** The project's server-side scrubbing, applied through the REST API by the dynamic provider. */
export const sentryScrubbingArgs = (config: Pick<StackConfig, "sentry">, spec: SentryProjectSpec) => ({
  baseUrl: config.sentry.baseUrl,
  organization: config.sentry.organization,
  project: projectSlug(spec.kind),
  token: secretRef("sentryAuthToken"),
  settings: scrubbingSettings(config.sentry),
});

export const issueAlertArgs = (config: Pick<StackConfig, "sentry">, rule: IssueAlertSpec) => ({
  organization: config.sentry.organization,
  project: projectSlug(rule.project),
  name: rule.name,
  actionMatch: "any",
  filterMatch: "all",
  frequency: rule.frequencyMinutes,
  conditions: rule.conditions,
  actions: rule.actions.map((a) => issueAlertAction(a, teamId)),
});

/**
 * A metric alert rule, applied through Sentry's alert-rule API by the REST dynamic provider: the
 * provider package cannot give a Slack action its channel id (`inputChannelId`), without which
 * Sentry looks the channel up later and may never create the rule.
 */
export const metricAlertArgs = (config: Pick<StackConfig, "sentry">, rule: MetricAlertSpec) => ({
  /** Tells the REST provider which of its resources this is. */
  kind: "metric-alert" as const,
  baseUrl: config.sentry.baseUrl,
  organization: config.sentry.organization,
  token: secretRef("sentryAuthToken"),
  rule: {
    name: rule.name,
    dataset: rule.dataset,
    queryType: rule.queryType,
    ...(rule.eventTypes ? { eventTypes: rule.eventTypes } : {}),
    aggregate: rule.aggregate,
    query: rule.query,
    timeWindow: rule.timeWindowMinutes,
    thresholdType: rule.thresholdType,
    projects: [projectSlug(rule.project)],
    triggers: rule.triggers.map((t) => ({
      label: t.label,
      alertThreshold: t.threshold,
      actions: t.actions.map((a) => metricAlertAction(a, teamId)),
    })),
  },
});

/** Every alert rule by its resource suffix (`<project>-<key>`), as the provider takes it. */
export function sentryAlertRules(config: Cfg) {
  return {
    issueAlerts: Object.fromEntries(
      sentryIssueAlerts(config).map((r) => [`${r.project}-${r.key}`, issueAlertArgs(config, r)]),
    ),
    metricAlerts: Object.fromEntries(
      sentryMetricAlerts(config).map((r) => [`${r.project}-${r.key}`, metricAlertArgs(config, r)]),
    ),
  };
}
