import { describe, expect, it } from "vitest";
import { DEFAULT_SAMPLE_RATE_BOUNDS, sentrySampleRates } from "../../policy/sentry";
import { resource, runPolicies, violationsOf } from "./harness";

const stack = (backend: number, frontend: number) =>
  resource("pulumi:pulumi:Stack", "observability-dev", {
    sentry: {
      projects: {
        backend: { sdk: { tracesSampleRate: backend } },
        frontend: { sdk: { tracesSampleRate: frontend } },
      },
    },
  });

describe("sentry-sample-rates", () => {
  it("passes rates within the default bounds", async () => {
    expect(DEFAULT_SAMPLE_RATE_BOUNDS).toEqual({ minTracesSampleRate: 0.01, maxTracesSampleRate: 1 });
    expect((await runPolicies([sentrySampleRates], [stack(1, 0.1)])).violations).toEqual([]);
  });
  it("flags rates outside the bounds, in outputs and in workload env", async () => {
    const deployment = resource("kubernetes:apps/v1:Deployment", "web", {
      spec: {
        template: { spec: { containers: [{ env: [{ name: "SENTRY_TRACES_SAMPLE_RATE", value: "1.5" }] }] } },
      },
    });
    const r = await runPolicies([sentrySampleRates], [stack(0, 0.1), deployment]);
    expect(violationsOf(r, "sentry-sample-rates")).toEqual([
      "outputs.sentry.projects.backend.sdk.tracesSampleRate = 0 is outside [0.01, 1]",
      "web.template.spec.containers.0.env.0(SENTRY_TRACES_SAMPLE_RATE) = 1.5 is outside [0.01, 1]",
    ]);
    expect(r.violations.every((v) => v.enforcementLevel === "advisory")).toBe(true);
  });
  it("takes its bounds from the policy config", async () => {
    const r = await runPolicies([sentrySampleRates], [stack(1, 0.1)], "prod", {
      "sentry-sample-rates": { maxTracesSampleRate: 0.5 },
    });
    expect(violationsOf(r, "sentry-sample-rates")).toEqual([
      "outputs.sentry.projects.backend.sdk.tracesSampleRate = 1 is outside [0.01, 0.5]",
    ]);
  });
});
