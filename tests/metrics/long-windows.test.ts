import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
import { type ScenarioLibrary, scenarioLibrary } from "../helpers/scenario-library";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The SLI windows from 30m up are derived from the 5m records (docs/design/metrics.md), checked
 * against the raw computation (the per-service template over the raw series) recorded side by
 * side, at every evaluation after the first 10 minutes. The data are sampled and evaluated every
 * 30 seconds, as production scrapes and evaluates; the slow burn is sampled every minute and
 * evaluated every 5 minutes (five simulated days at 30 s would take minutes).
 *
 * - Sums over time (2h..3d) are the average of the raw increases over the windows ending 0..5
 *   minutes ago: the derived ratio lies between the smallest and the largest raw ratio of the last
 *   five minutes, within a relative tolerance of 1.2% per minute of sample interval.
 * - Tiles (30m and 1h, and every derived window of a scenario evaluated every 5 minutes, whose
 *   sums add 5m rates that lie end to end) add 5m rates, each of which sees only its own samples:
 *   the increase between a tile's first sample and the previous tile's last is made up by rate()'s
 *   extrapolation, only on average. They must agree with the raw ratio of the same instant within
 *   TILE_TOLERANCE of the raw ratio or of the lowest alert threshold that reads the window,
 *   whichever is larger: below the threshold, what matters is that no difference can cross it.
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
const SLOW = 240_000;
const raw = (kind: string, w: string) => `raw:${kind}:ratio_rate${w}`;

/** Production's 30 s, except for a scenario evaluated every 5 minutes (samples every minute). */
const sampling = (s: Scenario) =>
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
function distinctTraffic(scenarios: Scenario[]): Scenario[] {
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
const sliRules = (lib: ScenarioLibrary) => ({
  groups: ruleFile(lib.config).groups.filter(
    (g) => g.name === "services.data" || g.name === "http.recording",
  ),
});

/** The raw computation of every derived window, for each scenario's service. */
const rawRules = (lib: ScenarioLibrary) => ({
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
function checks(s: Scenario, svc: Service, wrong: boolean) {
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
function agreement(lib: ScenarioLibrary, wrong: string) {
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
        promql_expr_test: lib.runs.flatMap(({ s, svc }) => checks(s, svc, s.name === wrong)),
      },
    ],
  };
  const testDir = tempFiles({ "agreement.test.yaml": toYaml(test) });
  return runToolAsync("promtool", ["test", "rules", join(testDir, "agreement.test.yaml")]);
}

const LIBRARY = [...SCENARIOS, ...EXTRA_SCENARIOS];

describe("long SLI windows from 5m records agree with the raw computation", () => {
  it("checks every distinct request traffic of the library, the outage among them", () => {
    const names = distinctTraffic(LIBRARY).map((s) => s.name);
    expect(names).toContain("total outage");
    // Only scenarios that leave the requests alone are covered by another.
    expect(LIBRARY.filter((s) => !names.includes(s.name)).map((s) => s.name)).toEqual([
      "slow database",
      "cache hit ratio drop",
    ]);
  });

  // One promtool run per sampling: production's 30 s, and the slow burn's minute.
  const groups = [1, 5].map((interval) => distinctTraffic(LIBRARY).filter((s) => s.interval === interval));

  it("runs every distinct traffic once", () => {
    const names = (l: Scenario[]) => l.map((s) => s.name).sort();
    expect(names(groups.flat())).toEqual(names(distinctTraffic(LIBRARY)));
  });

  it.concurrent.each(groups.map((g) => [sampling(g[0]!).every, g.map((s) => s.name).join(", "), g] as const))(
    "evaluated every %s: %s",
    async (_every, _names, scenarios) => {
      // The outage also checks that raw windows of another length disagree.
      const r = await agreement(scenarioLibrary(scenarios), "total outage");
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    // promtool evaluates the raw 3d windows at every step of five simulated days: minutes on a busy machine.
    SLOW,
  );
});
