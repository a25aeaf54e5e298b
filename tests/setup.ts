// vitest globalSetup: runs once, before any test file. It stops the run when a tool the tests need
// is missing or too old, and renders every stack once for all test files to share.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { renderStack } from "../scripts/lib/offline";
import { knownStacks } from "../scripts/lib/stack-file";
import { toolProblems, toolsMessage, useProjectTools } from "../scripts/lib/tools";

export default async function setup(project: TestProject): Promise<() => void> {
  // `npm test` checked this already (pretest); a direct `vitest` run is checked here.
  // The tools of the deployed generation (`npm run tools`) first on the PATH of every test file's
  // process: the workers start after this and inherit it.
  useProjectTools();
  // The Go tools (promtool above all: a third of the suite's CPU) collect garbage less often, on
  // the core they run on: the cores are shared by the workers already. Measured on 2 cores, the
  // long-windows agreement run took 31.2 s CPU by default, 23.3 s so (RSS 134 -> 270 MB).
  process.env.GOGC ??= "400";
  process.env.GOMAXPROCS ??= "1";
  const problems = toolProblems();
  if (problems.length > 0) throw new Error(toolsMessage(problems));

  // One render per stack for the whole run; test files read them instead of rendering again.
  const dir = mkdtempSync(join(tmpdir(), "obs-renders-"));
  for (const stack of knownStacks())
    writeFileSync(join(dir, `${stack}.json`), JSON.stringify(await renderStack(stack)));
  project.provide("renders", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
