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
 * Test passwords for the steps that take a secret (people's users), by key: what the users Secret
 * would hold. Long enough for Elasticsearch, distinct per user.
 */
export const testSecrets = (plan: readonly PlanStep[]): Record<string, string> =>
  Object.fromEntries(
    plan.flatMap((s) => (s.secret ? [[s.secret.key, `pw-${s.secret.key}-Q7x2Lm9Rt4`]] : [])),
  );

/** The body a step sends: its own, with its secret field filled in. */
export const sentBody = (s: PlanStep, secrets: Record<string, string>): unknown =>
  s.secret ? { ...(s.body as object), [s.secret.field]: secrets[s.secret.key] } : s.body;

/** Steps that are checks (several requests, or none) rather than one write of their body. */
export const isCheck = (s: PlanStep): boolean => s.kind === "data_stream" || s.kind === "retired_users";

/**
 * Runs the Job's actual script (the mounted applier) with node, as the container does, with only
 * the given environment (plus PATH, the plan file and, when the plan takes secrets and `env`
 * names no SECRETS_DIR, a directory of them as the users Secret would be mounted).
 */
export function runJob(env: Record<string, string>, plan: PlanStep[]): Promise<JobRun> {
  const dir = tempFiles({ "apply.mjs": applierScript(), "plan.json": JSON.stringify(plan) });
  const secrets = testSecrets(plan);
  const secretsDir =
    Object.keys(secrets).length > 0 && env.SECRETS_DIR === undefined
      ? { SECRETS_DIR: tempFiles(secrets) }
      : {};
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, "apply.mjs")], {
      env: { PATH: process.env.PATH ?? "", PLAN_FILE: join(dir, "plan.json"), ...secretsDir, ...env },
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
