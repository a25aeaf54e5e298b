import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ScrubbingSettings } from "../generators/sentry";

/**
 * The REST provider's code: sentry-api-provider.cjs, registered as it is (Node built-ins and
 * fetch only). Pulumi's Node.js dynamic-provider host runs the module text in the `__provider`
 * property, so what is reviewed is what runs.
 */
export const sentryApiProviderCode = (): string =>
  readFileSync(join(__dirname, "sentry-api-provider.cjs"), "utf8");

export interface SentryDataScrubbingArgs {
  baseUrl: pulumi.Input<string>;
  organization: pulumi.Input<string>;
  project: pulumi.Input<string>;
  /** Must be a secret Output: it is stored in the state, encrypted. */
  token: pulumi.Input<string>;
  settings: pulumi.Input<ScrubbingSettings>;
}

/** A project's data-scrubbing options, which the Sentry provider package cannot set. */
export class SentryDataScrubbing extends pulumi.CustomResource {
  declare readonly settings: pulumi.Output<ScrubbingSettings>;

  constructor(name: string, args: SentryDataScrubbingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "pulumi-nodejs:dynamic/sentry:DataScrubbing",
      name,
      { __provider: sentryApiProviderCode(), ...args, token: pulumi.secret(args.token) },
      { ...opts, additionalSecretOutputs: ["token"] },
    );
  }
}

export interface SentryMetricAlertRuleArgs {
  kind: "metric-alert";
  baseUrl: pulumi.Input<string>;
  organization: pulumi.Input<string>;
  /** Must be a secret Output: it is stored in the state, encrypted. */
  token: pulumi.Input<string>;
  /** The rule as Sentry's alert-rule API takes it (infra/generators/sentry/resources.ts). */
  rule: pulumi.Input<Record<string, unknown>>;
}

/**
 * A metric alert rule through Sentry's alert-rule API: the provider package cannot give a Slack
 * action its channel id. The resource id is Sentry's rule id.
 */
export class SentryMetricAlertRule extends pulumi.CustomResource {
  declare readonly rule: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: SentryMetricAlertRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "pulumi-nodejs:dynamic/sentry:MetricAlertRule",
      name,
      {
        __provider: sentryApiProviderCode(),
        ...args,
        token: pulumi.secret(args.token),
      },
      { ...opts, additionalSecretOutputs: ["token"] },
    );
  }
}
