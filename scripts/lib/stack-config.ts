import { PROJECT, parseStackConfig, type StackConfig } from "../../infra/config";
import { readStackFile } from "./stack-file";

/** The stack file's value of one `observability:` key, as plain JS. */
export function stackValue<T = unknown>(stack: string, key: string): T {
  const raw = readStackFile(stack).config[`${PROJECT}:${key}`];
  if (raw === undefined) throw new Error(`Pulumi.${stack}.yaml has no ${PROJECT}:${key}`);
  try {
    return JSON.parse(raw) as T;
  } catch {
    return raw as T;
  }
}

/**
 * A stack file's validated config (secrets as the render's placeholders), with some
 * `observability:` keys replaced by plain JS values; undefined removes a key. No Pulumi involved:
 * for generators, benchmarks and tests.
 */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) delete file.config[full];
    else file.config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return parseStackConfig(file.config, new Set(file.secretKeys)).config;
}
