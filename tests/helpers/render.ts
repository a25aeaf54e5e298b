import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { knownStacks } from "../../scripts/lib/stack-file";

declare module "vitest" {
  export interface ProvidedContext {
    /** Directory holding `<stack>.json`, every stack's render, made once per run (tests/setup.ts). */
    renders: string;
  }
}

export type Stack = "dev" | "prod";
/** The stacks of this project (one Pulumi.<stack>.yaml each): per-stack suites run over all of them. */
export const STACKS = knownStacks() as Stack[];

const cache = new Map<string, RenderResult>();
/** The real program's render of a stack under Pulumi mocks, made once per test run. */
export function rendered(stack: Stack): RenderResult {
  let r = cache.get(stack);
  if (!r) {
    r = JSON.parse(readFileSync(join(inject("renders"), `${stack}.json`), "utf8")) as RenderResult;
    cache.set(stack, r);
  }
  return r;
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

/** A component's resources: the component of `type` and everything under it. */
export function componentResources(result: RenderResult, type: string): RecordedResource[] {
  const root = result.resources.find((r) => r.type === type);
  if (!root) throw new Error(`no component of type ${type}`);
  const urns = new Set([root.urn]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of result.resources)
      if (r.parent && urns.has(r.parent) && !urns.has(r.urn)) {
        urns.add(r.urn);
        grew = true;
      }
  }
  return result.resources.filter((r) => urns.has(r.urn));
}
