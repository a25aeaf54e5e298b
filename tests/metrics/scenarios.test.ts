import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { ruleFile } from "../../infra/generators/metrics";
import { agreementChecks, LONG_WINDOW_GROUPS, rawRules, SLOW, sampling } from "../helpers/long-windows";
import { type ScenarioLibrary, scenarioLibrary } from "../helpers/scenario-library";
import { runToolAsync, tempFiles } from "../helpers/tools";
import {
  EXTRA_SCENARIOS,
  inputSeries,
  promtoolSuiteTest,
  promtoolTest,
  SCENARIOS,
  type Scenario,
  SHARED_NAME_SCENARIOS,
} from "../../scripts/lib/scenarios";

/**
 * The scenario library through `promtool test rules` with the rules rendered for the dev stack:
 * each scenario asserts which priorities fire by when after onset, which stay quiet, and that
 * nothing fires before the onset. The simulated service is `api`; the other services only report
 * `up`. SHARED_NAME_SCENARIOS add another namespace's Service with the same name (issue 22).
 *
 * The scenarios evaluated every minute run side by side in one test, each on its own copy of
 * `api` (tests/helpers/scenario-library.ts); the five-day slow burn, evaluated every 5 minutes,
 * runs alone.
 */
const LIBRARY = [...SCENARIOS, ...EXTRA_SCENARIOS, ...SHARED_NAME_SCENARIOS];

function run(
  lib: ScenarioLibrary,
  name: string,
  interval: number,
  test: object,
  raw?: { groups: { name: string }[] },
) {
  // The platform's groups alert only with a component label, which no scenario judges.
  const rules = {
    groups: ruleFile(lib.config).groups.filter((g) => !g.rules.every((r) => r.alert && r.labels?.component)),
  };
  const dir = tempFiles({ "rules.yaml": toYaml(rules), ...(raw ? { "raw.yaml": toYaml(raw) } : {}) });
  const file = {
    rule_files: [join(dir, "rules.yaml"), ...(raw ? [join(dir, "raw.yaml")] : [])],
    evaluation_interval: `${interval}m`,
    // promtool otherwise evaluates groups in random order, and an alert may read last minute's recording.
    group_eval_order: [...rules.groups, ...(raw?.groups ?? [])].map((g) => g.name),
    tests: [test],
  };
  const testDir = tempFiles({ [`${name}.test.yaml`]: toYaml(file) });
  return runToolAsync("promtool", ["test", "rules", join(testDir, `${name}.test.yaml`)]);
}

/** One promtool run per evaluation interval. */
const byInterval = [1, 5].map((interval) => LIBRARY.filter((s) => s.interval === interval));
const results = new Map<number, ReturnType<typeof runToolAsync>>();

/**
 * The slow burn's long SLI windows (tests/metrics/long-windows.test.ts) are checked in this
 * library's run every 5 minutes: the same series sampled every minute, evaluated alike, so the raw
 * computation and its checks ride along instead of a promtool run of their own over the same five
 * days (17.9 s CPU together, 23.2 s apart; GOGC=400, GOMAXPROCS=1).
 */
const SLOW_WINDOWS = LONG_WINDOW_GROUPS[1]!;

beforeAll(() => {
  for (const scenarios of byInterval) {
    const lib = scenarioLibrary(scenarios);
    const interval = scenarios[0]!.interval;
    const test = promtoolSuiteTest(`every ${interval}m`, lib.runs, lib.others);
    const windows = lib.runs.filter((r) => SLOW_WINDOWS.includes(r.s));
    if (windows.length === 0) {
      results.set(interval, run(lib, `every-${interval}m`, interval, test));
      continue;
    }
    test.promql_expr_test.push(...windows.flatMap(({ s, svc }) => agreementChecks(s, svc, false)));
    results.set(
      interval,
      run(lib, `every-${interval}m`, interval, test, rawRules({ ...lib, runs: windows })),
    );
  }
});

describe("alert scenarios under promtool test rules", () => {
  it("covers the issue's scenario library", () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual([
      "normal traffic",
      "total outage",
      "partial outage (fast burn)",
      "slow burn",
      "latency regression",
      "slow database",
      "cache hit ratio drop",
      "memory growth",
    ]);
    expect(byInterval.flat()).toHaveLength(LIBRARY.length);
  });

  it("asserts that normal traffic fires nothing for six hours", () => {
    const normal = SCENARIOS.find((s) => s.name === "normal traffic")!;
    expect(normal.expect).toEqual([{ byMinute: 360, fires: [], quiet: ["P1", "P2", "P3"] }]);
  });

  it("pages a total outage within 2 minutes of onset", () => {
    const outage = SCENARIOS.find((s) => s.name === "total outage")!;
    expect(outage.expect[0]).toMatchObject({ byMinute: 2, fires: ["P1"] });
  });

  it.concurrent.each(byInterval.map((s) => [s[0]!.interval, s.map((x) => x.name).join(", ")] as const))(
    "every %im: %s",
    async (interval) => {
      const r = await results.get(interval)!;
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    // Five simulated days of the slow burn take half a minute alone, minutes beside other promtool runs.
    240_000,
  );

  it.concurrent("fails when an expectation is wrong (the checks are not vacuous)", async () => {
    const normal = SCENARIOS.find((s) => s.name === "normal traffic")!;
    const wrong: Scenario = {
      ...normal,
      name: "normal traffic expecting a page",
      durationMinutes: 90,
      expect: [{ byMinute: 60, fires: ["P1"], quiet: [] }],
    };
    const lib = scenarioLibrary([wrong]);
    const r = await run(lib, "wrong", 1, promtoolTest(wrong, lib.runs[0]!.svc, lib.others));
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("FAILED");
  });

  it.concurrent("fails when a service that no scenario judges fires (the suite's own check)", async () => {
    const down = SHARED_NAME_SCENARIOS.find((s) => s.name === "service down beside a same-named service")!;
    const lib = scenarioLibrary([down, down]);
    const [judged, unjudged] = lib.runs;
    const test = promtoolSuiteTest("unjudged", [judged!], lib.others);
    // The second copy goes down too, but no scenario of the test judges it.
    test.input_series.push(...inputSeries(down, unjudged!.svc, []));
    const r = await run(lib, "unjudged", 1, test);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/FAILED[\s\S]*job!~/);
  });
});

describe("long SLI windows from 5m records agree with the raw computation", () => {
  it("checks the slow burn's traffic in this library's run every 5 minutes", () => {
    // Sampled and evaluated as the long-windows check samples and evaluates it.
    expect(SLOW_WINDOWS.map((s) => s.name)).toEqual(["slow burn"]);
    expect(SLOW_WINDOWS.every((s) => byInterval[1]!.includes(s))).toBe(true);
    expect(SLOW_WINDOWS.map((s) => sampling(s))).toEqual([{ stepSeconds: 60, every: "5m" }]);
  });

  it.concurrent(
    "evaluated every 5m: slow burn",
    async () => {
      const r = await results.get(5)!;
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    SLOW,
  );
});
