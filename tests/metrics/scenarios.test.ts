import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { ruleFile } from "../../infra/generators/metrics";
import { runToolAsync, tempFiles } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";
import {
  EXTRA_SCENARIOS,
  promtoolTest,
  SCENARIOS,
  type Scenario,
  SHARED_NAME_SCENARIOS,
} from "../../scripts/lib/scenarios";

/**
 * The scenario library through `promtool test rules` with the dev stack's rendered rules: each
 * scenario asserts which priorities fire by when after onset, which stay quiet, and that nothing
 * fires before the onset. The simulated service is `api`; the other services only report `up`.
 * SHARED_NAME_SCENARIOS add another namespace's Service called `api` (issue 22).
 */
const config = stackConfig("dev");
const api = config.services.find((s) => s.name === "api")!;
const others = config.services.filter((s) => s !== api);
let dir: string;

beforeAll(() => {
  dir = tempFiles({ "rules.yaml": toYaml(ruleFile(config)) });
});

function runScenario(s: Scenario) {
  const test = {
    rule_files: [join(dir, "rules.yaml")],
    evaluation_interval: `${s.interval}m`,
    // promtool otherwise evaluates groups in random order, and an alert may read last minute's recording.
    group_eval_order: ruleFile(config).groups.map((g) => g.name),
    tests: [promtoolTest(s, api, others)],
  };
  const file = `${s.name.replace(/[^a-z]+/g, "-")}.test.yaml`;
  const testDir = tempFiles({ [file]: toYaml(test) });
  return runToolAsync("promtool", ["test", "rules", join(testDir, file)]);
}

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
  });

  it("asserts that normal traffic fires nothing for six hours", () => {
    const normal = SCENARIOS.find((s) => s.name === "normal traffic")!;
    expect(normal.expect).toEqual([{ byMinute: 360, fires: [], quiet: ["P1", "P2", "P3"] }]);
  });

  it("pages a total outage within 2 minutes of onset", () => {
    const outage = SCENARIOS.find((s) => s.name === "total outage")!;
    expect(outage.expect[0]).toMatchObject({ byMinute: 2, fires: ["P1"] });
  });

  // Each scenario is its own promtool process; they run side by side.
  it.concurrent.each(
    [...SCENARIOS, ...EXTRA_SCENARIOS, ...SHARED_NAME_SCENARIOS].map((s) => [s.name, s] as const),
  )(
    "%s",
    async (_name, s) => {
      const r = await runScenario(s);
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status, r.stdout + r.stderr).toBe(0);
    },
    // Five simulated days of the slow burn take half a minute alone, minutes beside other promtool runs.
    240_000,
  );

  it.concurrent("fails when an expectation is wrong (the checks are not vacuous)", async () => {
    const normal = SCENARIOS.find((s) => s.name === "normal traffic")!;
    const r = await runScenario({
      ...normal,
      name: "normal traffic expecting a page",
      expect: [{ byMinute: 60, fires: ["P1"], quiet: [] }],
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("FAILED");
  });
});
