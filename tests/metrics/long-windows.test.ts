import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
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
const ctx = {
  job: api.name,
  namespace: api.namespace,
  latencyThresholdSeconds: api.slo.latencyThresholdSeconds,
};
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

/** Where derived series `d` is outside its tolerance around the raw series `r`. */
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
const sliRules = () => ({
  groups: ruleFile(config).groups.filter((g) => g.name === "services.data" || g.name === "http.recording"),
});

let dir: string;

beforeAll(() => {
  const rawRules = {
    groups: [
      {
        name: "raw",
        rules: DERIVED_WINDOWS.flatMap((w) =>
          KINDS.map((k) => ({
            record: raw(k.name, w),
            expr: fillTemplate(QUERY_TEMPLATES[k.query].template, ctx, w),
            labels: { namespace: api.namespace, job: api.name },
          })),
        ),
      },
    ],
  };
  dir = tempFiles({ "rules.yaml": toYaml(sliRules()), "raw.yaml": toYaml(rawRules) });
});

/**
 * One promtool test: no evaluation outside the tolerance, and both series present throughout.
 * With `wrong`, the same comparison of the error ratio against a raw window of another length
 * must find evaluations outside (the checks are not vacuous).
 */
function agreement(s: Scenario, wrong = false) {
  const end = s.durationMinutes;
  const { stepSeconds, every } = sampling(s);
  const span = `[${end - 10}m:${every}]`;
  const checks = DERIVED_WINDOWS.flatMap((w) =>
    KINDS.flatMap((k) => {
      const d = k.record(w);
      const r = raw(k.name, w);
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
          exp_samples: [{ labels: `{job="${api.name}"}`, value: 1 }],
        },
        // The outage changes the error ratio only.
        ...(wrong && other && k.name === "errors"
          ? [
              {
                expr: `count_over_time((${outside(s, w, k, d, raw(k.name, other))})${span}) > bool 0`,
                eval_time: `${end}m`,
                exp_samples: [{ labels: `{job="${api.name}"}`, value: 1 }],
              },
            ]
          : []),
      ];
    }),
  );
  const test = {
    rule_files: [join(dir, "rules.yaml"), join(dir, "raw.yaml")],
    evaluation_interval: every,
    group_eval_order: [...sliRules().groups.map((g) => g.name), "raw"],
    tests: [
      {
        interval: `${stepSeconds}s`,
        input_series: inputSeries(s, api, others, stepSeconds),
        promql_expr_test: checks,
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

  it.concurrent.each(distinctTraffic(LIBRARY).map((s) => [s.name, s] as const))(
    "%s",
    async (_name, s) => {
      // The outage also checks that raw windows of another length disagree.
      const r = await agreement(s, s.name === "total outage");
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    // promtool evaluates the raw 3d windows at every step of five simulated days: minutes on a busy machine.
    SLOW,
  );
});
