import { PROJECT } from "../../infra/config";
import type { MockAnswers } from "../../scripts/lib/mock-runtime";
import { type RenderResult, renderStack } from "../../scripts/lib/offline";
import { readStackFile } from "../../scripts/lib/stack-file";
import type { Stack } from "./render";

/**
 * Renders a stack in this process with some `observability:` keys replaced (plain JS values;
 * undefined removes the key), and the mocks' `answers`: for tests of a variant. The unchanged
 * stacks come from `rendered`.
 */
export async function render(
  stack: Stack,
  overrides: Record<string, unknown> = {},
  answers: MockAnswers = {},
): Promise<RenderResult> {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) delete file.config[full];
    else file.config[full] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return renderStack(stack, file, answers);
}

/**
 * A stack's raw `grafana` block without a public name (no hostname, certificate or DNS choice):
 * Grafana reached through its in-cluster Service, as from a runner inside the cluster.
 */
export function grafanaWithoutHostname(stack: Stack): Record<string, unknown> {
  const raw = readStackFile(stack).config[`${PROJECT}:grafana`];
  const { hostname: _h, tls: _t, dns: _d, ...rest } = JSON.parse(raw ?? "{}") as Record<string, unknown>;
  return rest;
}
