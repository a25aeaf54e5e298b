// Offline render: `npm run render -- --stack <name> [--out DIR]`. No credentials, no Pulumi CLI.
// `npm run render:golden` re-renders every stack into rendered/<stack>, the committed golden copy.
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { renderFiles, renderStack, writeFiles } from "./lib/offline";
import { knownStacks, REPO_ROOT, readStackFile } from "./lib/stack-file";

async function renderInto(stack: string, outDir: string, stackDir?: string): Promise<void> {
  const result = await renderStack(stack, readStackFile(stack, stackDir));
  const files = renderFiles(result);
  writeFiles(outDir, files);
  console.log(
    `rendered stack ${stack}: ${result.resources.length} resources, ${files.length} files in ${outDir}`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    // --dir: where Pulumi.<stack>.yaml lives (default: the project root).
    options: {
      stack: { type: "string" },
      out: { type: "string" },
      dir: { type: "string" },
      golden: { type: "boolean" },
    },
    strict: true,
  });
  try {
    if (values.golden) {
      for (const stack of knownStacks()) await renderInto(stack, join(REPO_ROOT, "rendered", stack));
      return 0;
    }
    if (!values.stack) {
      console.error("usage: npm run render -- --stack <name> [--out DIR] [--dir STACK_FILE_DIR]");
      return 2;
    }
    await renderInto(values.stack, resolve(values.out ?? `out/${values.stack}`), values.dir);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`error: invalid config for stack "${values.stack}":`);
      for (const p of err.problems) console.error(`  ${p}`);
      return 1;
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
