import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Artifact } from "../../infra/artifacts";
import { json } from "../../infra/artifacts";
import { CONCERNS } from "../../infra/concerns";
import { PROJECT, parseStackConfig, type StackConfig } from "../../infra/config";
import { runProgram } from "../../infra/main";
import { installMockRuntime, type RecordedResource, redact, resolveOutputs } from "./mock-runtime";
import { readStackFile, type StackFile } from "./stack-file";
import { buildSummary } from "./summary";

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

/**
 * Runs the real program (infra/main.ts, what infra/index.ts runs under `pulumi up`) on Pulumi's
 * mock runtime with the stack's config file. Throws ConfigError on bad config, before any resource.
 */
export async function renderStack(
  stack: string,
  file: StackFile = readStackFile(stack),
): Promise<RenderResult> {
  // Validated here as well as inside the program, so that bad config surfaces as a ConfigError
  // (one line per problem) before the mock engine exists.
  const { config } = parseStackConfig(file.config, new Set(file.secretKeys));
  const rt = await installMockRuntime(PROJECT, stack, file.config, file.secretKeys);
  const rawOutputs = runProgram();
  await rt.settle();
  const outputs = await resolveOutputs(rawOutputs);
  await rt.settle();
  const artifacts = CONCERNS.flatMap((c) => c.artifacts(config));
  return { stack, config, resources: rt.resources, outputs, artifacts, placeholders: file.placeholders };
}

/** The files of DIR: resources.json, outputs.json, summary.md and every artifact. */
export function renderFiles(result: RenderResult): Artifact[] {
  const resources = result.resources.map((r) => ({
    type: r.type,
    name: r.name,
    parent: r.parent,
    custom: r.custom,
    protect: r.protect,
    retainOnDelete: r.retainOnDelete,
    inputs: redact(r.inputs),
  }));
  return [
    { path: "resources.json", content: json(resources) },
    { path: "outputs.json", content: json(result.outputs) },
    { path: "summary.md", content: buildSummary(result, CONCERNS) },
    ...result.artifacts,
  ];
}

export function writeFiles(outDir: string, files: Artifact[]): void {
  rmSync(outDir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(outDir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
}
