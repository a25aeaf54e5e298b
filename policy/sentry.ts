import type { StackValidationPolicy } from "@pulumi/policy";
import { dedupe, entries, known } from "./lib";

/** SDK sampling settings a stack can hand to applications. */
const SAMPLE_RATE_FIELD =
  /^(traces_?sample_?rate|tracesSampleRate|profiles_?sample_?rate|profilesSampleRate|SENTRY_TRACES_SAMPLE_RATE)$/i;

export interface SampleRateBounds {
  minTracesSampleRate: number;
  maxTracesSampleRate: number;
}

/** Default bounds; override with `pulumi preview --policy-pack-config`. */
export const DEFAULT_SAMPLE_RATE_BOUNDS: SampleRateBounds = {
  minTracesSampleRate: 0.01,
  maxTracesSampleRate: 1,
};

/** Every sample rate under `value`, with its path. Env-style `{ name, value }` pairs count too. */
export function sampleRates(value: unknown, path: string): { path: string; rate: unknown }[] {
  const out: { path: string; rate: unknown }[] = [];
  const visit = (v: unknown, at: string): void => {
    if (v === null || typeof v !== "object") return;
    const pairs = entries(v);
    const name = pairs.find(([k]) => k === "name")?.[1];
    if (typeof name === "string" && SAMPLE_RATE_FIELD.test(name)) {
      const raw = pairs.find(([k]) => k === "value")?.[1];
      out.push({ path: `${at}(${name})`, rate: typeof raw === "string" ? Number(raw) : raw });
    }
    for (const [k, x] of pairs) {
      if (SAMPLE_RATE_FIELD.test(k) && (typeof x === "number" || typeof x === "string"))
        out.push({ path: `${at}.${k}`, rate: typeof x === "string" ? Number(x) : x });
      else visit(x, `${at}.${k}`);
    }
  };
  visit(value, path);
  return out;
}

export const sentrySampleRates: StackValidationPolicy = {
  name: "sentry-sample-rates",
  description:
    "Every Sentry traces/profiles sample rate the stack hands to applications (stack outputs, workload env) lies within the pack's configured bounds: below the minimum tracing sees too little, above 1 is invalid.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      minTracesSampleRate: {
        type: "number",
        minimum: 0,
        maximum: 1,
        default: DEFAULT_SAMPLE_RATE_BOUNDS.minTracesSampleRate,
      },
      maxTracesSampleRate: {
        type: "number",
        minimum: 0,
        maximum: 1,
        default: DEFAULT_SAMPLE_RATE_BOUNDS.maxTracesSampleRate,
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const bounds = { ...DEFAULT_SAMPLE_RATE_BOUNDS, ...args.getConfig<Partial<SampleRateBounds>>() };
    let seen = 0;
    for (const r of args.resources) {
      // The root stack resource's props are the stack outputs, where the Sentry component publishes SDK settings.
      const scope =
        r.type === "pulumi:pulumi:Stack"
          ? r.props
          : r.type.startsWith("kubernetes:")
            ? known(() => r.props.spec)
            : undefined;
      if (scope === undefined) continue;
      for (const { path, rate } of sampleRates(
        scope,
        r.type === "pulumi:pulumi:Stack" ? "outputs" : r.name,
      )) {
        seen++;
        if (
          typeof rate !== "number" ||
          Number.isNaN(rate) ||
          rate < bounds.minTracesSampleRate ||
          rate > bounds.maxTracesSampleRate
        )
          report(
            `${path} = ${String(rate)} is outside [${bounds.minTracesSampleRate}, ${bounds.maxTracesSampleRate}]`,
            r.urn,
          );
      }
    }
    if (seen === 0) args.notApplicable("the stack publishes no Sentry sample rate");
  },
};

export const sentryPolicies = [sentrySampleRates];
