import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type LoadedConfig, parseStackConfig } from "./config";
import { createPlatform } from "./program";

// isConfigSecret is exported by the runtime but missing from its typings.
const runtimeConfig = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/** Reads and validates this stack's config from the Pulumi runtime, before any resource exists. */
export function loadStackConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(raw).filter((k) => runtimeConfig.isConfigSecret(k)));
  return parseStackConfig(raw, secretKeys);
}

/** The program: validate, then build every component. Returns the stack outputs. */
export function runProgram(): ReturnType<typeof createPlatform> {
  let loaded: LoadedConfig;
  try {
    loaded = loadStackConfig();
  } catch (err) {
    // RunError makes the CLI print the message alone, without a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  return createPlatform(loaded);
}
