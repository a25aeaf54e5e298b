import { PROJECT, parseStackConfig, type StackConfig } from "../../infra/config";
import { readStackFile } from "../../scripts/lib/stack-file";

/** A stack file's validated config (secrets replaced by the render's placeholders), with overrides. */
export function stackConfig(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    file.config[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return parseStackConfig(file.config, new Set(file.secretKeys)).config;
}
