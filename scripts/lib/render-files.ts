import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Artifact } from "../../infra/artifacts";
import { json } from "../../infra/artifacts";
import { CONCERNS } from "../../infra/concerns";
import type { StackConfig } from "../../infra/config";
import { type RecordedResource, redact } from "./recorded";
import { assertReplaceable, RENDER_MARKER } from "./render-out";
import { buildSummary } from "./summary";

export { RenderError } from "./render-error";

/** A render: what the program registered, and what the generators produced, for one stack. */
export interface RenderResult {
  stack: string;
  config: StackConfig;
  /** Every registered resource, inputs still holding Pulumi's secret wrappers. */
  resources: RecordedResource[];
  /** Stack outputs, secrets as "[secret]". */
  outputs: unknown;
  artifacts: Artifact[];
  /** Secret keys the stack file leaves unset (placeholders were used). */
  placeholders: string[];
}

export { RENDER_MARKER } from "./render-out";

/** The files of DIR: resources.json, outputs.json, summary.md and every artifact. */
export function renderFiles(result: RenderResult): Artifact[] {
  // Registration order depends on async timing (inputs that wait on outputs register late): sort by name.
  const ordered = [...result.resources].sort(
    (a, b) => a.name.localeCompare(b.name, "en") || a.type.localeCompare(b.type, "en"),
  );
  const resources = ordered.map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    ...(r.ignoreChanges ? { ignoreChanges: r.ignoreChanges } : {}),
    inputs: redact(r.inputs),
  }));
  return [
    { path: "resources.json", content: json(resources) },
    { path: "outputs.json", content: json(result.outputs) },
    { path: "summary.md", content: buildSummary(result, CONCERNS) },
    ...result.artifacts,
    RENDER_MARKER,
  ];
}

/** Files under a directory, relative to it, sorted; empty when it does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : [relative(dir, p)];
    });
  return walk(dir).sort();
}

/** How a render directory differs from the files a render produces: one line per file. */
export function compareWithDir(dir: string, files: Artifact[]): string[] {
  const want = new Map(files.map((f) => [f.path, f.content]));
  const have = listFiles(dir);
  const problems: string[] = [];
  for (const [path, content] of want) {
    if (!have.includes(path)) problems.push(`missing: ${path}`);
    else if (readFileSync(join(dir, path), "utf8") !== content) problems.push(`changed: ${path}`);
  }
  for (const path of have) if (!want.has(path)) problems.push(`not rendered any more: ${path}`);
  return problems.sort();
}

/**
 * Replaces `outDir` with the files. Only a directory the render wrote itself (it holds the marker)
 * or an empty one is ever cleared; anything else is refused, so `--out .` cannot delete a checkout.
 */
export function writeFiles(outDir: string, files: Artifact[]): void {
  assertReplaceable(outDir);
  rmSync(outDir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(outDir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
}
