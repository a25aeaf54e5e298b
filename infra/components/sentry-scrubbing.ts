import * as pulumi from "@pulumi/pulumi";
import {
  getScrubbing,
  putScrubbing,
  SENTRY_DEFAULT_SCRUBBING,
  SentryApiError,
  type ScrubbingSettings,
  type SentryProjectRef,
  sameScrubbing,
} from "./sentry-api";

/** What the provider receives (Outputs already resolved) and keeps in the state. */
export interface ScrubbingState extends SentryProjectRef {
  /** Sentry auth token: a secret input, kept only as a secret output (additionalSecretOutputs). */
  token: string;
  settings: ScrubbingSettings;
}

const REPLACE_ON = ["baseUrl", "organization", "project"] as const;

/**
 * Create, diff, update, read and delete a project's data-scrubbing options through Sentry's REST API
 * (the Sentry provider cannot set them). diff is local, so an unchanged project costs no request.
 */
export const scrubbingProvider: pulumi.dynamic.ResourceProvider<ScrubbingState, ScrubbingState> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const key of [...REPLACE_ON, "token"] as const) {
      if (typeof news[key] !== "string" || news[key] === "")
        failures.push({ property: key, reason: `${key} is required` });
    }
    const s = news.settings as Partial<ScrubbingSettings> | undefined;
    for (const key of ["sensitiveFields", "safeFields"] as const) {
      if (!Array.isArray(s?.[key]) || !s[key].every((f) => typeof f === "string"))
        failures.push({ property: `settings.${key}`, reason: "expected a list of strings" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = REPLACE_ON.filter((k) => olds[k] !== news[k]);
    const settingsChanged = !sameScrubbing(olds.settings, news.settings);
    // A rotated token is stored for later calls; update() then sends nothing.
    const changes = replaces.length > 0 || settingsChanged || olds.token !== news.token;
    return { changes, replaces, deleteBeforeReplace: false };
  },

  async create(inputs) {
    const settings = await putScrubbing(inputs, inputs.token, inputs.settings);
    return { id: `${inputs.organization}/${inputs.project}`, outs: { ...inputs, settings } };
  },

  async read(id, props) {
    if (!props) throw new Error(`cannot read Sentry scrubbing settings of ${id} without its state`);
    // Reports drift: what Sentry has now, whatever changed it.
    const settings = await getScrubbing(props, props.token);
    return { id, props: { ...props, settings } };
  },

  async update(_id, olds, news) {
    if (sameScrubbing(olds.settings, news.settings)) return { outs: { ...news, settings: olds.settings } };
    const settings = await putScrubbing(news, news.token, news.settings);
    return { outs: { ...news, settings } };
  },

  async delete(_id, props) {
    try {
      // The project keeps existing when only this resource goes: hand it back with Sentry's defaults.
      await putScrubbing(props, props.token, SENTRY_DEFAULT_SCRUBBING);
    } catch (err) {
      // The project is gone already (deleted with the stack): nothing left to reset.
      if (err instanceof SentryApiError && err.status === 404) return;
      throw err;
    }
  },
};

export interface SentryDataScrubbingArgs {
  baseUrl: pulumi.Input<string>;
  organization: pulumi.Input<string>;
  project: pulumi.Input<string>;
  /** Must be a secret Output: it is stored in the state, encrypted. */
  token: pulumi.Input<string>;
  settings: pulumi.Input<ScrubbingSettings>;
}

/** A Sentry project's data-scrubbing options, applied through the REST API. */
export class SentryDataScrubbing extends pulumi.dynamic.Resource {
  declare readonly settings: pulumi.Output<ScrubbingSettings>;

  constructor(name: string, args: SentryDataScrubbingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      scrubbingProvider,
      name,
      { ...args, token: pulumi.secret(args.token), settings: args.settings },
      { ...opts, additionalSecretOutputs: ["token"] },
      "sentry",
      "DataScrubbing",
    );
  }
}
