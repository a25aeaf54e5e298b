// Offline render: `npm run render -- --stack <name> [--out DIR]`. No credentials, no Pulumi CLI.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { renderFiles, renderStack, writeFiles } from "./lib/offline";
import { readStackFile } from "./lib/stack-file";

async function main(): Promise<number> {
  const { values } = parseArgs({
    // --dir: where Pulumi.<stack>.yaml lives (default: the project root).
    options: { stack: { type: "string" }, out: { type: "string" }, dir: { type: "string" } },
    strict: true,
  });
  if (!values.stack) {
    console.error("usage: npm run render -- --stack <name> [--out DIR] [--dir STACK_FILE_DIR]");
    return 2;
  }
  const outDir = resolve(values.out ?? `out/${values.stack}`);
  try {
    const result = await renderStack(values.stack, readStackFile(values.stack, values.dir));
    const files = renderFiles(result);
    writeFiles(outDir, files);
    console.log(
      `rendered stack ${values.stack}: ${result.resources.length} resources, ${files.length} files in ${outDir}`,
    );
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
