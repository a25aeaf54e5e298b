import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ScrubbingSettings } from "../generators/sentry";

/** The provider's code: sentry-scrubbing-provider.cjs, registered as it is (Node built-ins and fetch only). */
export const scrubbingProviderCode = (): string =>
  readFileSync(join(__dirname, "sentry-scrubbing-provider.cjs"), "utf8");

export interface SentryDataScrubbingArgs {
  baseUrl: pulumi.Input<string>;
  organization: pulumi.Input<string>;
  project: pulumi.Input<string>;
  /** Must be a secret Output: it is stored in the state, encrypted. */
  token: pulumi.Input<string>;
  settings: pulumi.Input<ScrubbingSettings>;
}

/**
 * A Sentry project's data-scrubbing options, applied through the REST API by a dynamic provider.
 * The type token and the `__provider` property are what Pulumi's Node.js dynamic-provider host
 * runs: the provider module's text, given as it is rather than serialised from a closure.
 */
export class SentryDataScrubbing extends pulumi.CustomResource {
  declare readonly settings: pulumi.Output<ScrubbingSettings>;

  constructor(name: string, args: SentryDataScrubbingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "pulumi-nodejs:dynamic/sentry:DataScrubbing",
      name,
      { __provider: scrubbingProviderCode(), ...args, token: pulumi.secret(args.token) },
      { ...opts, additionalSecretOutputs: ["token"] },
    );
  }
}
