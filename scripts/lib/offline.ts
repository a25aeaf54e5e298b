import { CONCERNS } from "../../infra/concerns";
import { PROJECT, parseStackConfig } from "../../infra/config";
import { runProgram } from "../../infra/main";
import { installMockRuntime, type MockAnswers, resolveOutputs } from "./mock-runtime";
import type { RenderResult } from "./render-files";
import { readStackFile, type StackFile } from "./stack-file";

export * from "./render-files";

/**
 * Runs the real program (infra/main.ts, what infra/index.ts runs under `pulumi up`) on Pulumi's
 * mock runtime with the stack's config file (and `answers`, for a test of what the mocks answer
 * otherwise). Throws ConfigError on bad config, before any resource.
 */
export async function renderStack(
  stack: string,
  file: StackFile = readStackFile(stack),
  answers: MockAnswers = {},
): Promise<RenderResult> {
  // Validated here as well as inside the program, so that bad config surfaces as a ConfigError
  // (one line per problem) before the mock engine exists.
  const { config } = parseStackConfig(file.config, new Set(file.secretKeys));
  const rt = await installMockRuntime(PROJECT, stack, file.config, file.secretKeys, answers);
  const rawOutputs = await runProgram();
  await rt.settle();
  const outputs = await resolveOutputs(rawOutputs);
  await rt.settle();
  const artifacts = CONCERNS.flatMap((c) => c.artifacts(config));
  return { stack, config, resources: rt.resources, outputs, artifacts, placeholders: file.placeholders };
}
