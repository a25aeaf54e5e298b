import { join } from "node:path";
import { toYaml } from "../../infra/artifacts";
import {
  DERIVED_WINDOWS,
  fillTemplate,
  QUERY_TEMPLATES,
  RECORD,
  type SloWindow,
  TILED_WINDOWS,
} from "../../infra/catalog/recording-rules";
import { BURN_PAIRS, burnRate, round, ruleFile } from "../../infra/generators/metrics";
import { METRIC_CONTRACT } from "../../infra/catalog/metric-contract";
import {
  EXTRA_SCENARIOS,
  inputSeries,
  SAMPLE_SECONDS,
  SCENARIOS,
  type Scenario,
} from "../../scripts/lib/scenarios";
import { stackConfig } from "../../scripts/lib/stack-config";
import type { ScenarioLibrary } from "./scenario-library";
import { runToolAsync, tempFiles } from "./tools";

/**
 * The agreement of the long SLI windows with the raw computation (tests/metrics/long-windows.test.ts
 * says how and within what): the rules and checks, shared with the scenario library's run of the
 * slow burn (tests/metrics/scenarios.test.ts), which evaluates the same series alike.
 */
const config = stackConfig("dev");
const api = config.services.find((s) => s.name === "api")!;
const others = config.services.filter((x) => x !== api);
type Service = typeof api;
const KINDS = [
  { name: "errors", query: "errorRatio", record: RECORD.errorRatio, target: api.slo.availability },
  { name: "slow", query: "slowRatio", record: RECORD.slowRatio, target: api.slo.latencyTarget },
] as const;
const TILE_TOLERANCE = 0.15;
export const SLOW = 240_000;
const raw = (kind: string, w: string) => `raw:${kind}:ratio_rate${w}`;

/** Production's 30 s, except for a scenario evaluated every 5 minutes (samples every minute). */
export const sampling = (s: Scenario) =>
  s.interval === 1
    ? { stepSeconds: 30, every: "30s" }
    : { stepSeconds: SAMPLE_SECONDS, every: `${s.interval}m` };

/** The lowest threshold among the alerts that read window `w`, as a ratio. */
const threshold = (w: SloWindow, target: number): number =>
  round(
    Math.min(
      ...BURN_PAIRS.filter((p) => p.long === w || p.short === w).map((p) => burnRate(p, api.slo.windowDays)),
    ) *
      (1 - target),
  );

/** Where derived series `d` is outside its tolerance around the raw series `r` (selectors). */
function outside(s: Scenario, w: SloWindow, kind: (typeof KINDS)[number], d: string, r: string): string {
  // Evaluated every 5 minutes, a sum over time adds 5m rates that lie end to end: tiles.
  if (TILED_WINDOWS.includes(w) || s.interval === 5) {
    const floor = threshold(w, kind.target);
    return `abs(${d} - on (job) ${r}) > on (job) ${TILE_TOLERANCE} * (${r} > ${floor} or ${r} * 0 + ${floor})`;
  }
  const envelope = (0.012 * sampling(s).stepSeconds) / 60;
  const hi = `${d} > on (job) max_over_time(${r}[5m]) * ${1 + envelope} + 1e-6`;
  const lo = `${d} < on (job) min_over_time(${r}[5m]) * ${1 - envelope} - 1e-6`;
  return `${hi} or ${lo}`;
}

/**
 * The scenarios whose request series are not the start of another's: slow database, cache and
 * memory leave the requests alone, so one of them (the longest) covers the others.
 */
export function distinctTraffic(scenarios: Scenario[]): Scenario[] {
  const http = METRIC_CONTRACT.httpServerDuration.name;
  const traffic = scenarios.map((s) =>
    inputSeries(s, api, others, sampling(s).stepSeconds)
      .filter((x) => x.series.startsWith(http))
      .map((x) => `${x.values} `),
  );
  const covers = (b: string[], a: string[]) =>
    a.length === b.length && a.every((v, n) => b[n]!.startsWith(v));
  return scenarios.filter(
    (_, i) =>
      !traffic.some(
        (b, j) => j !== i && covers(b, traffic[i]!) && (b.join().length > traffic[i]!.join().length || j < i),
      ),
  );
}

/** Windows compared with a raw window of another length in the total outage: these must disagree. */
const WRONG: Partial<Record<SloWindow, SloWindow>> = { "30m": "1h", "2h": "6h" };

/**
 * The groups that record the SLI windows: the compared records read nothing else. The alert
 * groups and the resource records (tested by scenarios.test.ts) would only add evaluation work.
 */
export const sliRules = (lib: ScenarioLibrary) => ({
  groups: ruleFile(lib.config).groups.filter(
    (g) => g.name === "services.data" || g.name === "http.recording",
  ),
});

/** The raw computation of every derived window, for each scenario's service. */
export const rawRules = (lib: ScenarioLibrary) => ({
  groups: [
    {
      name: "raw",
      rules: lib.runs.flatMap(({ svc }) =>
        DERIVED_WINDOWS.flatMap((w) =>
          KINDS.map((k) => ({
            record: raw(k.name, w),
            expr: fillTemplate(
              QUERY_TEMPLATES[k.query].template,
              {
                job: svc.name,
                namespace: svc.namespace,
                latencyThresholdSeconds: svc.slo.latencyThresholdSeconds,
              },
              w,
            ),
            labels: { namespace: svc.namespace, job: svc.name },
          })),
        ),
      ),
    },
  ],
});

/** The checks of one scenario on its service: none outside the tolerance, both series present. */
export function agreementChecks(s: Scenario, svc: Service, wrong: boolean) {
  const end = s.durationMinutes;
  const span = `[${end - 10}m:${sampling(s).every}]`;
  const job = `{job="${svc.name}"}`;
  return DERIVED_WINDOWS.flatMap((w) =>
    KINDS.flatMap((k) => {
      const d = k.record(w) + job;
      const r = raw(k.name, w) + job;
      const other = WRONG[w];
      return [
        {
          expr: `count_over_time((${outside(s, w, k, d, r)})${span})`,
          eval_time: `${end}m`,
          exp_samples: [],
        },
        {
          expr: `count_over_time(${d}${span}) == bool on (job) count_over_time(${r}${span})`,
          eval_time: `${end}m`,
          exp_samples: [{ labels: job, value: 1 }],
        },
        // The outage changes the error ratio only.
        ...(wrong && other && k.name === "errors"
          ? [
              {
                expr: `count_over_time((${outside(s, w, k, d, raw(k.name, other) + job)})${span}) > bool 0`,
                eval_time: `${end}m`,
                exp_samples: [{ labels: job, value: 1 }],
              },
            ]
          : []),
      ];
    }),
  );
}

/**
 * One promtool test for scenarios sampled alike, side by side (tests/helpers/scenario-library.ts).
 * With `wrong`, the comparison of the outage's error ratio against a raw window of another length
 * must find evaluations outside (the checks are not vacuous).
 */
export function agreement(lib: ScenarioLibrary, wrong: string) {
  const { stepSeconds, every } = sampling(lib.runs[0]!.s);
  const dir = tempFiles({ "rules.yaml": toYaml(sliRules(lib)), "raw.yaml": toYaml(rawRules(lib)) });
  const test = {
    rule_files: [join(dir, "rules.yaml"), join(dir, "raw.yaml")],
    evaluation_interval: every,
    group_eval_order: [...sliRules(lib).groups.map((g) => g.name), "raw"],
    tests: [
      {
        interval: `${stepSeconds}s`,
        input_series: lib.runs.flatMap(({ s, svc }) => inputSeries(s, svc, [], stepSeconds)),
        promql_expr_test: lib.runs.flatMap(({ s, svc }) => agreementChecks(s, svc, s.name === wrong)),
      },
    ],
  };
  const testDir = tempFiles({ "agreement.test.yaml": toYaml(test) });
  return runToolAsync("promtool", ["test", "rules", join(testDir, "agreement.test.yaml")]);
}

/** The scenarios whose SLI windows are checked: the whole library's distinct traffic. */
export const LONG_WINDOW_LIBRARY = [...SCENARIOS, ...EXTRA_SCENARIOS];

/**
 * One list per sampling (production's 30 s, the slow burn's minute) of the traffic checked. The
 * slow burn's is checked in the scenario library's own run at its interval (tests/metrics/
 * scenarios.test.ts): the same series, evaluated alike, so one promtool run serves both.
 */
export const LONG_WINDOW_GROUPS = [1, 5].map((interval) =>
  distinctTraffic(LONG_WINDOW_LIBRARY).filter((s) => s.interval === interval),
);
