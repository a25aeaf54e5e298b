import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";

/**
 * The settings Job's script: logging-applier.ts transpiled to one ES module (it imports only
 * Node built-ins), plus the line that runs it. Built from the same file the tests exercise.
 */
export function applierScript(): string {
  const source = readFileSync(join(__dirname, "logging-applier.ts"), "utf8");
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, removeComments: false },
    fileName: "logging-applier.ts",
    reportDiagnostics: true,
  });
  const problems = out.diagnostics ?? [];
  if (problems.length > 0) {
    throw new Error(
      `logging-applier.ts: ${problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`,
    );
  }
  return `${out.outputText}\nprocess.exitCode = await runFromEnv(process.env);\n`;
}
