// vitest globalSetup: runs once, before any test file. It stops the run when a tool the tests need
// is missing, and renders every stack once for all test files to share.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { renderStack } from "../scripts/lib/offline";
import { knownStacks } from "../scripts/lib/stack-file";

/** The external tools the tests run, each as any of its names (Debian names Alertmanager its own way). */
const TOOLS: Record<string, string[]> = {
  promtool: ["promtool"],
  amtool: ["amtool"],
  alertmanager: ["prometheus-alertmanager", "alertmanager"],
};
export const INSTALL_TOOLS = "apt-get update && apt-get install -y prometheus prometheus-alertmanager";

const found = (name: string): boolean => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

export default async function setup(project: TestProject): Promise<() => void> {
  const missing = Object.entries(TOOLS)
    .filter(([, names]) => !names.some(found))
    .map(([tool]) => tool);
  if (missing.length > 0)
    throw new Error(
      `${missing.join(", ")} not installed: the tests run the real tools. Install them (as root) with: ${INSTALL_TOOLS}`,
    );

  // One render per stack for the whole run; test files read them instead of rendering again.
  const dir = mkdtempSync(join(tmpdir(), "obs-renders-"));
  for (const stack of knownStacks())
    writeFileSync(join(dir, `${stack}.json`), JSON.stringify(await renderStack(stack)));
  project.provide("renders", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
