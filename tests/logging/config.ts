import { PROJECT, parseStackConfig, type StackConfig } from "../../infra/config";
import { readStackFile } from "../../scripts/lib/stack-file";

/** A stack's validated config, with `observability:` keys replaced (plain JS values), without Pulumi. */
export function stackConfig(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    file.config[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return parseStackConfig(file.config, new Set(file.secretKeys)).config;
}

/** The stack file's logging block with a deep patch applied. */
export function loggingWith(
  stack: "dev" | "prod",
  patch: (logging: Record<string, unknown>) => void,
): Record<string, unknown> {
  const raw = readStackFile(stack).config[`${PROJECT}:logging`];
  const logging = JSON.parse(raw ?? "{}") as Record<string, unknown>;
  patch(logging);
  return logging;
}
