import { spawn } from "node:child_process";
import { join } from "node:path";
import { applierScript } from "../../infra/components/logging";
import type { PlanStep } from "../../infra/components/logging-applier.mjs";
import { tempFiles } from "../helpers/tools";

export interface JobRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the run in milliseconds. */
  ms: number;
}

/**
 * Runs the Job's actual script (the mounted applier) with node, as the container does, with only
 * the given environment (plus PATH and the plan file).
 */
export function runJob(env: Record<string, string>, plan: PlanStep[]): Promise<JobRun> {
  const dir = tempFiles({ "apply.mjs": applierScript(), "plan.json": JSON.stringify(plan) });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, "apply.mjs")], {
      env: { PATH: process.env.PATH ?? "", PLAN_FILE: join(dir, "plan.json"), ...env },
      // A hung Job must fail the test, not stall it.
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}
