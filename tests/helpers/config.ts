import { ConfigError, parseStackConfig } from "../../infra/config";

/** The config errors of a flat stack config map, or [] when it is accepted; any other error is thrown. */
export function configProblems(config: Record<string, string>, secretKeys: Iterable<string>): string[] {
  try {
    parseStackConfig(config, new Set(secretKeys));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

/**
 * Overrides that make a stack page through Opsgenie: the paging provider, and Sentry's form of an
 * Opsgenie team (`<integration id>-<team>`, which the config requires with Opsgenie).
 */
export function opsgenieOverrides(base: {
  alerting: Record<string, unknown>;
  sentry: { integrations: { paging: Record<string, unknown> } & Record<string, unknown> } & Record<
    string,
    unknown
  >;
}) {
  return {
    alerting: { ...base.alerting, pagingProvider: "opsgenie" as const, pagerduty: { managed: false } },
    sentry: {
      ...base.sentry,
      integrations: {
        ...base.sentry.integrations,
        paging: { ...base.sentry.integrations.paging, targetId: "100003-ops" },
      },
    },
  };
}
