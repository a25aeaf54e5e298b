import { stackValue } from "../../scripts/lib/stack-config";

/** The stack file's logging block with a deep patch applied. */
export function loggingWith(
  stack: "dev" | "prod",
  patch: (logging: Record<string, unknown>) => void,
): Record<string, unknown> {
  const logging = structuredClone(stackValue<Record<string, unknown>>(stack, "logging"));
  patch(logging);
  return logging;
}
