import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type LoadedConfig, parseStackConfig } from "./config";
import { createPlatform } from "./program";

// isConfigSecret is exported by the runtime but missing from its typings.
const runtimeConfig = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/**
 * Reads and validates this stack's config from the Pulumi runtime, before any resource exists.
 * Invalid config becomes a RunError, which the CLI prints without a stack trace.
 */
export function loadStackConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(raw).filter((k) => runtimeConfig.isConfigSecret(k)));
  try {
    return parseStackConfig(raw, secretKeys);
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/** The program: validate, then build every component. Returns the stack outputs. */
export function runProgram(loaded: LoadedConfig = loadStackConfig()): ReturnType<typeof createPlatform> {
  return createPlatform(loaded);
}
