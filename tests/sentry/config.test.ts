import { configProblems } from "../helpers/config";
import { describe, expect, it } from "vitest";
import { readStackFile } from "../../scripts/lib/stack-file";

/** The problems the loader reports for the dev stack with some keys replaced. */
function problems(overrides: Record<string, unknown>, dropSecrets: string[] = []): string[] {
  const file = readStackFile("dev");
  for (const [k, v] of Object.entries(overrides)) file.config[`observability:${k}`] = JSON.stringify(v);
  for (const s of dropSecrets) delete file.config[`observability:${s}`];
  return configProblems(file.config, file.secretKeys);
}

const sentry = JSON.parse(readStackFile("dev").config["observability:sentry"]!) as Record<string, unknown>;

describe("sentry and frontend config", () => {
  it("accepts the dev stack with New Relic off and no newrelicApiKey", () => {
    expect(problems({}, ["newrelicApiKey"])).toEqual([]);
  });

  it("requires newrelicApiKey and an account id only when New Relic is enabled", () => {
    expect(problems({ frontend: { newRelic: { enabled: true } } }, ["newrelicApiKey"])).toEqual([
      "observability:frontend.newRelic.accountId: required when newRelic.enabled is true",
      "observability:newrelicApiKey: missing secret: set it with `pulumi config set --secret newrelicApiKey <value>`",
    ]);
    expect(problems({ frontend: { newRelic: { enabled: true, accountId: 1234567 } } })).toEqual([]);
  });

  it("validates the GA4 measurement id", () => {
    expect(problems({ frontend: { googleAnalytics: { measurementId: "UA-1234-1" } } })).toEqual([
      "observability:frontend.googleAnalytics.measurementId: expected a GA4 measurement id such as G-ABC123XYZ",
    ]);
    expect(problems({ frontend: { googleAnalytics: { measurementId: "G-ABC123XYZ" } } })).toEqual([]);
  });

  it("rejects a sample rate above 1, a warning above critical and a field both safe and sensitive", () => {
    expect(
      problems({
        sentry: {
          ...sentry,
          backend: { tracesSampleRate: 1.5, alerts: { errorRatePercent: { warning: 10, critical: 5 } } },
          scrubbing: { sensitiveFields: ["email"], safeFields: ["Email"] },
        },
      }),
    ).toEqual([
      "observability:sentry.backend.tracesSampleRate: expected a rate between 0 and 1",
      "observability:sentry.backend.alerts.errorRatePercent.critical: critical must be above warning",
      'observability:sentry.scrubbing.safeFields[0]: "Email" is also in sensitiveFields',
    ]);
  });

  it("names a missing integration id and a non-numeric one", () => {
    expect(
      problems({
        sentry: { ...sentry, integrations: { slackWorkspaceId: "abc", paging: { integrationId: 5 } } },
      }),
    ).toEqual([
      "observability:sentry.integrations.slackWorkspaceId: expected a numeric Sentry id, as shown in the integration's settings",
      "observability:sentry.integrations.paging.targetId: required: a numeric PagerDuty service id, or an Opsgenie team as `<id>-<team>`",
    ]);
  });
});
