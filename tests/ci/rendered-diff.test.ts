import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXCERPT_LINES, HEADER, renderedDiff } from "../../scripts/rendered-diff";

// A throw-away git repository with a main branch and a change on top of it.
const repo = mkdtempSync(join(tmpdir(), "rendered-diff-"));
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
const write = (path: string, text: string) => {
  mkdirSync(join(repo, path, ".."), { recursive: true });
  writeFileSync(join(repo, path), text);
};
git("init", "-q", "-b", "main");
git("config", "user.email", "ci@example.com");
git("config", "user.name", "ci");
write("rendered/dev/alertmanager/alertmanager.yaml", "route:\n  receiver: a\n");
write("rendered/dev/summary.md", "# dev\n");
write("rendered/prod/resources.json", `${Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n")}\n`);
write("README.md", "readme\n");
git("add", ".");
git("commit", "-q", "-m", "base");
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe("rendered-diff", () => {
  it("says so when nothing rendered changes", () => {
    git("checkout", "-q", "-b", "docs-only");
    write("README.md", "readme, better\n");
    git("commit", "-qam", "docs");
    expect(renderedDiff("main", repo)).toContain("renders nothing differently");
  });

  it("lists every changed rendered file with a bounded excerpt of its diff", () => {
    git("checkout", "-q", "-b", "change", "main");
    write("rendered/dev/alertmanager/alertmanager.yaml", "route:\n  receiver: b\n");
    write(
      "rendered/prod/resources.json",
      `${Array.from({ length: 40 }, (_, i) => `line ${i} changed`).join("\n")}\n`,
    );
    write("rendered/prod/grafana/new.json", "{}\n");
    rmSync(join(repo, "rendered/dev/summary.md"));
    git("add", "-A");
    git("commit", "-qm", "change");
    const md = renderedDiff("main", repo);
    expect(md.startsWith(HEADER)).toBe(true);
    expect(md).toContain("4 rendered files change");
    expect(md).toContain("<code>rendered/dev/alertmanager/alertmanager.yaml</code> (changed, 2 lines)");
    expect(md).toContain("-  receiver: a\n+  receiver: b");
    expect(md).toContain("<code>rendered/prod/grafana/new.json</code> (added, 1 lines)");
    expect(md).toContain("<code>rendered/dev/summary.md</code> (removed, 1 lines)");
    expect(md).toContain("<code>rendered/prod/resources.json</code> (changed, 80 lines)");
    expect(md).toContain(`… ${80 - EXCERPT_LINES} more changed lines`);
    expect(md).not.toContain("README.md");
  });
});
