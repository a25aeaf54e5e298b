import * as newrelic from "@pulumi/newrelic";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey, StackConfig } from "../config";
import { AUTHORIZATION_HEADERS, browserAppName, newRelicResources } from "../generators/frontend";
import { integrationKeyValues } from "./pagerduty";
import { type RefValues, secretValues, wire } from "./refs";

export interface FrontendArgs {
  config: Pick<StackConfig, "environment" | "teams" | "services" | "alerting" | "frontend">;
  /** Secret config values; `newrelicApiKey` and the channel credentials are read when New Relic is on. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
  /** Per team, its managed PagerDuty integration key (alerting.pagerduty.managed). */
  pagerdutyKeys?: Record<string, pulumi.Input<string>>;
}

export interface FrontendOutputs {
  googleAnalytics: { measurementId: string | null };
  newRelic:
    | { enabled: false }
    | {
        enabled: true;
        appName: string;
        applicationId: pulumi.Output<string>;
        guid: pulumi.Output<string>;
        /** Browser agent configuration (holds the browser licence key): secret. */
        jsConfig: pulumi.Output<string>;
      };
}

/**
 * Frontend monitoring: a New Relic Browser application with Web Vitals and JavaScript-error alert
 * conditions, routed by priority through New Relic workflows (on or off per stack), and the Google
 * Analytics measurement id passed through for the application.
 */
export class Frontend extends pulumi.ComponentResource {
  readonly outputs: FrontendOutputs;

  constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:frontend:Frontend",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:frontend:FrontendMonitoring" }] },
    );
    const { config } = args;
    const googleAnalytics = { measurementId: config.frontend.googleAnalytics.measurementId ?? null };
    const nr = newRelicResources(config);
    if (!nr) {
      this.outputs = { googleAnalytics, newRelic: { enabled: false } };
      this.registerOutputs(this.outputs);
      return;
    }

    const refs: Record<string, pulumi.Input<string>> = {
      ...secretValues(args.secrets),
      ...integrationKeyValues(args.pagerdutyKeys),
    };
    for (const [name, header] of Object.entries(AUTHORIZATION_HEADERS)) {
      const secret = args.secrets[header.secretKey];
      if (secret) refs[`secret:${name}`] = pulumi.interpolate`${header.scheme} ${secret}`;
    }
    const provider = new newrelic.Provider(`${name}-provider`, wire(nr.provider, refs as RefValues), {
      parent: this,
    });
    const child = { parent: this, provider };
    const app = new newrelic.BrowserApplication(`${name}-browser`, nr.browserApplication, child);

    for (const p of nr.priorities) {
      const prefix = `${name}-${p.priority.toLowerCase()}`;
      const policy = new newrelic.AlertPolicy(`${prefix}-policy`, p.policy, child);
      refs[`policy:${p.priority}`] = policy.id;
      for (const [key, condition] of Object.entries(p.conditions))
        new newrelic.NrqlAlertCondition(`${name}-${key}`, wire(condition, refs as RefValues), child);
      const destination = new newrelic.NotificationDestination(
        `${prefix}-destination`,
        wire(p.destination, refs as RefValues),
        child,
      );
      refs[`destination:${p.priority}`] = destination.id;
      for (const [suffix, channel] of Object.entries(p.channels)) {
        const ch = new newrelic.NotificationChannel(
          `${prefix}-${suffix}`,
          wire(channel, refs as RefValues),
          child,
        );
        refs[`channel:${p.priority}:${suffix}`] = ch.id;
      }
      new newrelic.Workflow(`${prefix}-workflow`, wire(p.workflow, refs as RefValues), child);
    }

    this.outputs = {
      googleAnalytics,
      newRelic: {
        enabled: true,
        appName: browserAppName(config),
        applicationId: app.applicationId,
        guid: app.guid,
        jsConfig: pulumi.secret(app.jsConfig),
      },
    };
    this.registerOutputs(this.outputs);
  }
}
