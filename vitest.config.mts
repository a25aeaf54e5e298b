import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Checks the external tools once and renders every stack once for all files (tests/setup.ts).
    globalSetup: ["tests/setup.ts"],
    // Each file gets its own process: Pulumi's mock runtime is global state.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
