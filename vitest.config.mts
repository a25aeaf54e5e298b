import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Checks the external tools once and renders every stack once for all files (tests/setup.ts).
    globalSetup: ["tests/setup.ts"],
    // Each file gets its own process: Pulumi's mock runtime is global state.
    pool: "forks",
    // Vitest runs on cores - 1 by default: one worker on a 2-core machine. Several files mostly
    // wait on a real Alertmanager's or Prometheus's clock (the Watchdog's 60 s heartbeat, alerts'
    // `for`), so one worker more than cores keeps both busy while they wait. Measured on 2 cores: 255 s with 2 workers,
    // 213 s with 3, 212 s with 4.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
