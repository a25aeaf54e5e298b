// `node scripts/run.mjs scripts/rendered-diff.ts <base-ref>`: what a change does to rendered/, as Markdown for the
// pull request: every changed rendered file with a short excerpt of its diff. A reviewer without
// cloud access reads there what the change provisions.
import { execFileSync } from "node:child_process";

/** Lines of diff shown per file; the whole diff is one click away in the pull request. */
export const EXCERPT_LINES = 12;
export const HEADER = "### Rendered changes (`rendered/`)";

const git = (args: string[], cwd?: string): string =>
  execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

const STATUS: Record<string, string> = { A: "added", D: "removed", M: "changed", R: "renamed" };

/** The Markdown comment for the changes to rendered/ between `base` and HEAD. */
export function renderedDiff(base: string, cwd?: string): string {
  const range = `${base}...HEAD`;
  const changed = git(["diff", "--name-status", "--no-renames", range, "--", "rendered/"], cwd)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [status, path] = l.split("\t") as [string, string];
      return { status: STATUS[status[0] ?? ""] ?? status, path };
    });
  if (changed.length === 0)
    return `${HEADER}\n\nThis change renders nothing differently: no provisioned artifact changes.\n`;
  const sections = changed.map(({ status, path }) => {
    const body = git(["diff", "--unified=1", "--no-color", range, "--", path], cwd)
      .split("\n")
      .filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
    const excerpt = body.slice(0, EXCERPT_LINES);
    const more = body.length > excerpt.length ? `\n… ${body.length - excerpt.length} more changed lines` : "";
    return [
      `<details><summary><code>${path}</code> (${status}, ${body.length} lines)</summary>`,
      "",
      "```diff",
      ...excerpt.map((l) => l.replaceAll("```", "ʼʼʼ")),
      "```",
      `${more}</details>`,
    ].join("\n");
  });
  return [HEADER, "", `${changed.length} rendered files change:`, "", ...sections, ""].join("\n");
}

// Run as a script (scripts/run.mjs puts the entry in argv[1]); imported by its test, it only defines.
if (process.argv[1]?.endsWith("rendered-diff.ts")) {
  const base = process.argv[2];
  if (!base) {
    console.error("usage: node scripts/run.mjs scripts/rendered-diff.ts <base-ref>");
    process.exit(2);
  }
  process.stdout.write(renderedDiff(base));
}
