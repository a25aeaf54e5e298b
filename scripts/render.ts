// Offline render: `npm run render -- --stack <name> [--out DIR] [--dir STACK_FILE_DIR]`. No
// credentials, no Pulumi CLI. `npm run render:golden` re-renders every stack into rendered/<stack>.
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, parseStackConfig } from "../infra/config";
import { RenderError } from "./lib/render-error";
import { assertReplaceable } from "./lib/render-out";
import { knownStacks, REPO_ROOT, readStackFile } from "./lib/stack-file";

const USAGE = "usage: npm run render -- --stack <name> [--out DIR] [--dir STACK_FILE_DIR]";

async function renderInto(stack: string, outDir: string, stackDir?: string): Promise<void> {
  // The program is loaded once the invocation is known to be good: a usage error, an unknown
  // stack, a bad stack file or an --out it must not replace answers without loading it.
  const file = readStackFile(stack, stackDir);
  parseStackConfig(file.config, new Set(file.secretKeys));
  assertReplaceable(outDir);
  const { renderFiles, renderStack, writeFiles } = await import("./lib/offline.js");
  const { renderCounts } = await import("./lib/summary.js");
  const result = await renderStack(stack, file);
  const files = renderFiles(result);
  writeFiles(outDir, files);
  const { resources, components } = renderCounts(result);
  console.log(
    `rendered stack ${stack}: ${resources} resources in ${components} components, ${files.length} files in ${outDir}`,
  );
}

function options() {
  // `npm run render --stack dev` (without `--`) hands npm the option and the script only "dev".
  if (process.env.npm_config_stack !== undefined)
    throw new RenderError(`npm kept --stack for itself: put -- before the render's options (${USAGE})`);
  try {
    return parseArgs({
      options: {
        stack: { type: "string" },
        out: { type: "string" },
        dir: { type: "string" },
        golden: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new RenderError(`${err instanceof Error ? err.message : String(err)} (${USAGE})`);
  }
}

async function main(): Promise<number> {
  const values = options();
  if (values.golden) {
    for (const stack of knownStacks()) await renderInto(stack, join(REPO_ROOT, "rendered", stack));
    return 0;
  }
  if (!values.stack) throw new RenderError(USAGE);
  if (values.dir !== undefined && !(existsSync(values.dir) && statSync(values.dir).isDirectory()))
    throw new RenderError(`--dir ${values.dir}: no such directory`);
  await renderInto(values.stack, resolve(values.out ?? `out/${values.stack}`), values.dir);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) {
      console.error("error: invalid config:");
      for (const p of err.problems) console.error(`  ${p}`);
    } else if (err instanceof RenderError) console.error(`error: ${err.message}`);
    else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
