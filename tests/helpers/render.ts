import { PROJECT } from "../../infra/config";
import type { RecordedResource } from "../../scripts/lib/mock-runtime";
import { type RenderResult, renderStack } from "../../scripts/lib/offline";
import { readStackFile } from "../../scripts/lib/stack-file";

/**
 * Renders a stack under Pulumi mocks, optionally with some `observability:` keys replaced
 * (values are plain JS; undefined removes the key). Use one render per test file where possible:
 * Pulumi's runtime is per process and vitest runs each file in its own fork.
 */
export async function render(
  stack: "dev" | "prod",
  overrides: Record<string, unknown> = {},
): Promise<RenderResult> {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) delete file.config[full];
    else file.config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return renderStack(stack, file);
}

export const ofType = (result: RenderResult, type: string): RecordedResource[] =>
  result.resources.filter((r) => r.type === type);

export function one(result: RenderResult, type: string, name: string): RecordedResource {
  const r = result.resources.find((x) => x.type === type && x.name === name);
  if (!r)
    throw new Error(
      `no ${type} named ${name}; have: ${ofType(result, type)
        .map((x) => x.name)
        .join(", ")}`,
    );
  return r;
}
