import * as pulumi from "@pulumi/pulumi";
import * as sentry from "@pulumiverse/sentry";
import type { StackConfig } from "../config";
import {
  type SdkSettings,
  type SentryProjectKind,
  sentryAlertRules,
  sentryKeyArgs,
  sentryProjectArgs,
  sentryProjects,
  sentryProviderArgs,
  sentryScrubbingArgs,
  sentryTeamArgs,
} from "../generators/sentry";
import { type RefValues, wire } from "./refs";
import { SentryDataScrubbing, SentryMetricAlertRule } from "./sentry-api";

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
    const refs: Record<string, pulumi.Input<string>> = { "secret:sentryAuthToken": args.authToken };
    const provider = new sentry.Provider(`${name}-provider`, wire(sentryProviderArgs(config), refs), {
      parent: this,
    });
    const child = { parent: this, provider };

    for (const t of config.teams) {
      const team = new sentry.SentryTeam(`${name}-team-${t.name}`, sentryTeamArgs(config, t.name), child);
      refs[`team-slug:${t.name}`] = team.slug;
      refs[`team:${t.name}`] = team.internalId;
    }

    const projects = {} as Record<SentryProjectKind, SentryProjectOutput>;
    for (const spec of sentryProjects(config)) {
      // A project holds the error history: protected in production.
      const project = new sentry.SentryProject(
        `${name}-${spec.kind}`,
        wire(sentryProjectArgs(config, spec), refs),
        {
          ...child,
          protect: config.production,
          retainOnDelete: config.production,
        },
      );
      refs[`project:${spec.kind}`] = project.slug;
      const key = new sentry.SentryKey(
        `${name}-${spec.kind}-key`,
        wire(sentryKeyArgs(config, spec), refs),
        child,
      );
      new SentryDataScrubbing(
        `${name}-${spec.kind}-scrubbing`,
        wire(sentryScrubbingArgs(config, spec), refs),
        {
          parent: this,
        },
      );
      projects[spec.kind] = {
        slug: project.slug,
        platform: spec.platform,
        dsn: pulumi.secret(key.dsnPublic),
        sdk: spec.sdk,
      };
    }

    const rules = sentryAlertRules(config);
    const wired = refs as RefValues;
    for (const [id, rule] of Object.entries(rules.issueAlerts))
      new sentry.SentryIssueAlert(`${name}-${id}`, wire(rule, wired), child);
    // Through the REST provider, which sends each Slack action's channel id. A stack made before
    // has the provider package's rules: the same `pulumi up` deletes them after creating these.
    for (const [id, rule] of Object.entries(rules.metricAlerts))
      new SentryMetricAlertRule(`${name}-${id}`, wire(rule, wired), { parent: this });

    this.outputs = { organization: config.sentry.organization, projects };
    this.registerOutputs(this.outputs);
  }
}
