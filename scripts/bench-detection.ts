import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PRIORITIES } from "../infra/catalog/alert-levels";
import { parse } from "yaml";
import { toYaml } from "../infra/artifacts";
import { type RuleFile, ruleFile } from "../infra/generators/metrics";
import { stackConfig } from "./lib/stack-config";
import { EXTRA_SCENARIOS, firstFiringProbe, SCENARIOS, type Scenario, type Target } from "./lib/scenarios";
import { FETCH_COMMAND, useProjectTools } from "./lib/tools";

// The promtool of the deployed generation (`npm run tools`).
useProjectTools();

export interface DetectionTime {
  scenario: string;
  /** The first alert that fired after onset, with its priority, or "none". */
  firstAlert: string;
  /** Minutes from onset until the first P1 (or, if no P1, the first ticket) fired; null: nothing fired. */
  minutes: number | null;
}

export interface FiredAlert {
  alertname: string;
  priority: string;
  /** Minutes after the scenario's onset. */
  minute: number;
}

/**
 * Every scenario is evaluated every minute, its sample interval (production evaluates every 30 s).
 * The tests evaluate the slow burn only every 5 minutes, to save time; here it costs a minute.
 */
export const EVALUATION_MINUTES = 1;

/**
 * Runs one scenario through `promtool test rules` with the dev stack's rules and reads, per alert,
 * the first evaluation at which it fired, in promtool's simulated time. The probe expects an empty
 * result, so promtool prints what it got: that output is the measurement.
 */
export function firedAlerts(s: Scenario, rulesYaml: string, svc: Target, others: Target[]): FiredAlert[] {
  const dir = mkdtempSync(join(tmpdir(), "bench-detection-"));
  try {
    writeFileSync(join(dir, "rules.yaml"), rulesYaml);
    const test = {
      rule_files: ["rules.yaml"],
      evaluation_interval: `${EVALUATION_MINUTES}m`,
      // Recording groups before alert groups: promtool's default order is random (±1 interval).
      group_eval_order: (parse(rulesYaml) as RuleFile).groups.map((g) => g.name),
      tests: [firstFiringProbe(s, svc, others, EVALUATION_MINUTES)],
    };
    writeFileSync(join(dir, "test.yaml"), toYaml(test));
    const r = spawnSync("promtool", ["test", "rules", "test.yaml"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 600_000,
    });
    if (r.error) throw new Error(`promtool could not run (${FETCH_COMMAND}): ${r.error.message}`);
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 0) return [];
    const got = out.slice(out.indexOf("got:"));
    if (!out.includes("got:")) throw new Error(`promtool failed unexpectedly:\n${out}`);
    const fired: FiredAlert[] = [];
    for (const m of got.matchAll(/\{alertname="([^"]+)", priority="(P\d)"\} ([0-9.eE+-]+)/g)) {
      fired.push({ alertname: m[1]!, priority: m[2]!, minute: Number(m[3]) / 60 - s.onsetMinute });
    }
    return fired.sort((a, b) => a.minute - b.minute);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Detection time per scenario: minutes from onset to the first P1, else the first ticket. */
export async function detectionTimes(
  progress: (scenario: string) => void = () => {},
): Promise<DetectionTime[]> {
  const config = stackConfig("dev");
  const rules = toYaml(ruleFile(config));
  const [svc, ...rest] = config.services
    .filter((s) => s.kind === "backend")
    .concat(config.services.filter((s) => s.kind !== "backend"));
  if (!svc) throw new Error("the dev stack has no service to simulate");
  return [...SCENARIOS, ...EXTRA_SCENARIOS].map((s) => {
    progress(s.name);
    const fired = firedAlerts(s, rules, svc, rest);
    const first = PRIORITIES.map((p) => fired.find((f) => f.priority === p)).find((f) => f !== undefined);
    return {
      scenario: s.name,
      firstAlert: first ? `${first.alertname} (${first.priority})` : "none",
      minutes: first ? first.minute : null,
    };
  });
}
