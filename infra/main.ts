import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type LoadedConfig, parseStackConfig } from "./config";
import { checkPrerequisites } from "./components/prerequisites";
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

/**
 * The program: validate the config (a bad one throws here, before anything else), look up the
 * prerequisites it can check, then build every component. Resolves to the stack outputs; a
 * missing prerequisite rejects before any resource is registered.
 */
export function runProgram(
  loaded: LoadedConfig = loadStackConfig(),
): Promise<ReturnType<typeof createPlatform>> {
  return checkPrerequisites(loaded.config).then(() => createPlatform(loaded));
}
