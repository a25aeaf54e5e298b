import { PROJECT } from "../../infra/config";
import { type RenderResult, renderStack } from "../../scripts/lib/offline";
import { readStackFile } from "../../scripts/lib/stack-file";
import type { Stack } from "./render";

/**
 * Renders a stack in this process with some `observability:` keys replaced (plain JS values;
 * undefined removes the key): for tests of a variant. The unchanged stacks come from `rendered`.
 */
export async function render(stack: Stack, overrides: Record<string, unknown> = {}): Promise<RenderResult> {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) delete file.config[full];
    else file.config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return renderStack(stack, file);
}
