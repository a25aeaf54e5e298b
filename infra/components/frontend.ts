import * as newrelic from "@pulumi/newrelic";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey, StackConfig } from "../config";
import {
  browserAppName,
  newRelicConditions,
  newRelicRouting,
  type NrRoutingSpec,
  usedPriorities,
} from "../generators/frontend";

export interface FrontendArgs {
  config: Pick<StackConfig, "environment" | "teams" | "services" | "alerting" | "frontend">;
  /** Secret config values; `newrelicApiKey` and the channel credentials are read when New Relic is on. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
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
    const { config, secrets } = args;
    const nr = config.frontend.newRelic;
    const googleAnalytics = { measurementId: config.frontend.googleAnalytics.measurementId ?? null };

    if (!nr.enabled) {
      this.outputs = { googleAnalytics, newRelic: { enabled: false } };
      this.registerOutputs(this.outputs);
      return;
    }

    const secret = (key: SecretKey): pulumi.Output<string> => {
      const value = secrets[key];
      // requiredSecrets() asks for every key used here, so this is a wiring bug, not a config problem.
      if (!value) throw new Error(`Frontend needs the secret ${key}`);
      return pulumi.secret(value);
    };
    const accountId = nr.accountId!;
    const provider = new newrelic.Provider(
      `${name}-provider`,
      { accountId, apiKey: secret("newrelicApiKey"), region: nr.region },
      { parent: this },
    );
    const child = { parent: this, provider };
    const appName = browserAppName(config);

    const app = new newrelic.BrowserApplication(
      `${name}-browser`,
      {
        accountId,
        name: appName,
        loaderType: nr.loaderType,
        distributedTracingEnabled: true,
        cookiesEnabled: true,
      },
      child,
    );

    const conditions = newRelicConditions(config);
    for (const priority of usedPriorities(conditions)) {
      const p = priority.toLowerCase();
      const policy = new newrelic.AlertPolicy(
        `${name}-${p}-policy`,
        { accountId, name: `${appName} ${priority}`, incidentPreference: "PER_CONDITION" },
        child,
      );
      for (const c of conditions.filter((x) => x.priority === priority)) {
        new newrelic.NrqlAlertCondition(
          `${name}-${c.key}`,
          {
            accountId,
            policyId: policy.id,
            name: c.name,
            type: "static",
            nrql: { query: c.nrql },
            critical: {
              operator: "above",
              threshold: c.threshold,
              thresholdDuration: c.thresholdDurationSeconds,
              thresholdOccurrences: "all",
            },
            aggregationWindow: c.aggregationWindowSeconds,
            aggregationMethod: "event_flow",
            aggregationDelay: "120",
            // No page views is not an incident (quiet nights in dev).
            fillOption: "none",
            violationTimeLimitSeconds: 86_400,
          },
          child,
        );
      }
      const routing = newRelicRouting(config, priority);
      const destination = new newrelic.NotificationDestination(
        `${name}-${p}-destination`,
        { accountId, name: `${appName} ${priority} ${routing.kind}`, ...destinationArgs(routing, secret) },
        child,
      );
      const channels = routing.channels.map(
        (c) =>
          new newrelic.NotificationChannel(
            `${name}-${p}-${c.suffix}`,
            {
              accountId,
              name: `${appName} ${priority} ${c.suffix}`,
              type: c.type,
              product: "IINT",
              destinationId: destination.id,
              properties: c.properties,
            },
            child,
          ),
      );
      new newrelic.Workflow(
        `${name}-${p}-workflow`,
        {
          accountId,
          name: `${appName} ${priority}`,
          mutingRulesHandling: "DONT_NOTIFY_FULLY_MUTED_ISSUES",
          issuesFilter: {
            name: `${appName} ${priority} policy`,
            type: "FILTER",
            predicates: [{ attribute: "labels.policyIds", operator: "EXACTLY_MATCHES", values: [policy.id] }],
          },
          destinations: channels.map((ch) => ({
            channelId: ch.id,
            notificationTriggers: ["ACTIVATED", "CLOSED"],
          })),
        },
        child,
      );
    }

    this.outputs = {
      googleAnalytics,
      newRelic: {
        enabled: true,
        appName,
        applicationId: app.applicationId,
        guid: app.guid,
        jsConfig: pulumi.secret(app.jsConfig),
      },
    };
    this.registerOutputs(this.outputs);
  }
}

/** The destination's type, plain properties and credential (always from a secret). */
function destinationArgs(
  r: NrRoutingSpec,
  secret: (key: SecretKey) => pulumi.Output<string>,
): Pick<newrelic.NotificationDestinationArgs, "type" | "properties" | "authToken" | "authCustomHeaders"> {
  const base = { type: r.destination.type, properties: r.destination.properties };
  const cred = r.destination.credential;
  if (!cred) return base;
  const value = secret(cred.secretKey);
  switch (cred.use) {
    case "authToken":
      return { ...base, authToken: { prefix: "Token token=", token: value } };
    case "opsgenieHeader":
      return {
        ...base,
        authCustomHeaders: [{ key: "Authorization", value: pulumi.interpolate`GenieKey ${value}` }],
      };
    case "url":
      return { ...base, properties: [...r.destination.properties, { key: "url", value }] };
  }
}
