import * as pulumi from "@pulumi/pulumi";
import * as sentry from "@pulumiverse/sentry";
import type { StackConfig } from "../config";
import {
  issueAlertAction,
  metricAlertAction,
  type SdkSettings,
  type SentryProjectKind,
  scrubbingSettings,
  sentryIssueAlerts,
  sentryMetricAlerts,
  sentryProjects,
  sentryTeamSlug,
} from "../generators/sentry";
import { SentryDataScrubbing } from "./sentry-scrubbing";

export interface SentryArgs {
  config: Pick<StackConfig, "environment" | "production" | "teams" | "services" | "sentry" | "alerting">;
  /** The `sentryAuthToken` secret. */
  authToken: pulumi.Input<string>;
}

export interface SentryProjectOutput {
  slug: pulumi.Output<string>;
  platform: string;
  /** Client key DSN for SENTRY_DSN / NEXT_PUBLIC_SENTRY_DSN; a secret output. */
  dsn: pulumi.Output<string>;
  sdk: SdkSettings;
}

/**
 * Sentry for the backend and the frontend: a team per owning team, a project per application with
 * a rate-limited client key, data scrubbing, and issue and metric alerts routed by priority.
 */
export class Sentry extends pulumi.ComponentResource {
  readonly outputs: { organization: string; projects: Record<SentryProjectKind, SentryProjectOutput> };

  constructor(name: string, args: SentryArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:sentry:Sentry",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:sentry:ErrorTracking" }] },
    );
    const { config } = args;
    const cfg = config.sentry;
    const organization = cfg.organization;
    const token = pulumi.secret(args.authToken);
    const provider = new sentry.Provider(
      `${name}-provider`,
      { token, baseUrl: `${cfg.baseUrl}/api/` },
      { parent: this },
    );
    const child = { parent: this, provider };

    const teams = new Map<string, sentry.SentryTeam>();
    for (const t of config.teams) {
      const slug = sentryTeamSlug(cfg, t.name);
      teams.set(
        t.name,
        new sentry.SentryTeam(`${name}-team-${t.name}`, { organization, name: slug, slug }, child),
      );
    }
    const teamId = (team: string): pulumi.Output<string> => teams.get(team)!.internalId;

    const projects = {} as Record<SentryProjectKind, SentryProjectOutput>;
    const projectSlugs = {} as Record<SentryProjectKind, pulumi.Output<string>>;
    for (const spec of sentryProjects(config)) {
      // A project holds the error history: protected in production.
      const project = new sentry.SentryProject(
        `${name}-${spec.kind}`,
        {
          organization,
          name: spec.name,
          slug: spec.slug,
          platform: spec.platform,
          teams: spec.teams.map((t) => teams.get(t)!.slug),
        },
        { ...child, protect: config.production, retainOnDelete: config.production },
      );
      const key = new sentry.SentryKey(
        `${name}-${spec.kind}-key`,
        {
          organization,
          project: project.slug,
          name: `${spec.name} (pulumi)`,
          rateLimitCount: spec.rateLimit.count,
          rateLimitWindow: spec.rateLimit.windowSeconds,
        },
        child,
      );
      new SentryDataScrubbing(
        `${name}-${spec.kind}-scrubbing`,
        {
          baseUrl: cfg.baseUrl,
          organization,
          project: project.slug,
          token,
          settings: scrubbingSettings(cfg),
        },
        { parent: this },
      );
      projectSlugs[spec.kind] = project.slug;
      projects[spec.kind] = {
        slug: project.slug,
        platform: spec.platform,
        dsn: pulumi.secret(key.dsnPublic),
        sdk: spec.sdk,
      };
    }

    for (const rule of sentryIssueAlerts(config)) {
      new sentry.SentryIssueAlert(
        `${name}-${rule.project}-${rule.key}`,
        {
          organization,
          project: projectSlugs[rule.project],
          name: rule.name,
          actionMatch: "any",
          filterMatch: "all",
          frequency: rule.frequencyMinutes,
          conditions: rule.conditions,
          actions: rule.actions.map((a) => issueAlertAction(a, teamId)),
        },
        child,
      );
    }

    for (const rule of sentryMetricAlerts(config)) {
      new sentry.SentryMetricAlert(
        `${name}-${rule.project}-${rule.key}`,
        {
          organization,
          project: projectSlugs[rule.project],
          name: rule.name,
          dataset: rule.dataset,
          aggregate: rule.aggregate,
          query: rule.query,
          timeWindow: rule.timeWindowMinutes,
          thresholdType: rule.thresholdType,
          triggers: rule.triggers.map((t) => ({
            label: t.label,
            alertThreshold: t.threshold,
            thresholdType: rule.thresholdType,
            actions: t.actions.map((a) => metricAlertAction(a, teamId)),
          })),
        },
        child,
      );
    }

    this.outputs = { organization, projects };
    this.registerOutputs(this.outputs);
  }
}
