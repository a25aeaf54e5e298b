import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Checks the external tools once and renders every stack once for all files (tests/setup.ts).
    globalSetup: ["tests/setup.ts"],
    // Each file gets its own process: Pulumi's mock runtime is global state.
    pool: "forks",
    // Vitest runs on cores - 1 by default: one worker on a 2-core machine. Most files wait on
    // promtool, amtool or Alertmanager, so one worker per core keeps both cores busy.
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
