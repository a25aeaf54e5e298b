import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Test files that change process-wide state: Pulumi's mock runtime (a render in the test's own
 * process), module mocks, spies and environment stubs. Each of these gets a fresh process; the
 * rest share their worker's module cache, which saves importing the program's dependencies once
 * per file: on 2 cores, the whole suite took 240 s with a process per file and 211 s so (same
 * machine, one run after the other). Found by what the file uses, so a new test is classified
 * without a list to keep.
 *
 * A render through tests/helpers/variant.ts shares a worker: it sets the whole mock runtime afresh
 * (all config, secret keys and mocks: installMockRuntime), as the files that render several
 * variants one after another already rely on. A file that sets mocks or the runtime itself stays
 * alone. Measured on 2 cores, fifteen such files in the shared workers cut the run's CPU from
 * 366 s to 320 s (user+sys) and vitest's summed import time from 238 s to 87 s.
 */
const GLOBAL_STATE =
  /vi\.mock|vi\.spyOn|vi\.stubEnv|vi\.stubGlobal|installMockRuntime|setMocks|renderStack|mock-runtime/;

const testFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
const isolated = testFiles("tests").filter((f) => GLOBAL_STATE.test(readFileSync(f, "utf8")));

/**
 * Vitest runs one project's files after the other's ("isolated" before "shared"), so the longest
 * files (promtool's scenario runs, a real Alertmanager's clock) started when the isolated ones
 * were done and the suite ended on them. Longest first across both projects (by the last run's
 * durations, vitest's own results cache) keeps both cores busy until the end; files without a
 * recorded duration keep vitest's order, first.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const duration = (f: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(this.ctx.config.root, f.moduleId)}`)
        ?.duration ?? Number.POSITIVE_INFINITY;
    return ordered
      .map((f, i) => ({ f, i, d: duration(f) }))
      .sort((a, b) => (a.d === b.d ? a.i - b.i : b.d - a.d))
      .map((x) => x.f);
  }
}

const shared = {
  // Removes each file's temporary folders after it.
  setupFiles: ["tests/helpers/cleanup.ts"],
  pool: "forks" as const,
  // The heaviest promtool runs take 40-60 s alone on 2 cores (elasticsearch-rules' incidents):
  // twice that keeps a busy machine from failing them on time alone.
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Checks the external tools once and renders every stack once for all files (tests/setup.ts).
    // Here, not in each project: vitest runs a project's globalSetup once per project, one after
    // the other before any test, and the root's always; the projects read what the root provides.
    globalSetup: ["tests/setup.ts"],
    // Vitest runs on cores - 1 by default: one worker on a 2-core machine. Several files mostly
    // wait on a real Alertmanager's or Prometheus's clock (the Watchdog's 60 s heartbeat, alerts'
    // `for`), so one worker more than cores keeps both busy while they wait. Measured on 2 cores: 255 s with 2 workers,
    // 213 s with 3, 212 s with 4.
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { ...shared, name: "isolated", include: isolated, isolate: true } },
      {
        test: {
          ...shared,
          name: "shared",
          include: ["tests/**/*.test.ts"],
          exclude: isolated,
          isolate: false,
        },
      },
    ],
  },
});
