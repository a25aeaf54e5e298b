import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_TOOLS } from "../../infra/versions";
import {
  compareVersions,
  launcher,
  link,
  parseVersion,
  TOOLS,
  TOOLS_BIN,
  toolProblems,
  toolVersion,
  versionProblem,
} from "../../scripts/lib/tools";
import { runTool } from "../helpers/tools";

describe("the tool check", () => {
  it("reads the version each tool prints", () => {
    expect(parseVersion("promtool, version 3.5.3+ds1 (branch: debian/sid, revision: 3.5.3+ds1-6)")).toBe(
      "3.5.3",
    );
    expect(parseVersion("alertmanager, version 0.34.0 (branch: HEAD, revision: abc)")).toBe("0.34.0");
    expect(parseVersion("prometheus, version v3.14.0")).toBe("3.14.0");
    expect(parseVersion("no version here")).toBeUndefined();
  });

  it("orders versions numerically", () => {
    expect(compareVersions("3.14.0", "3.5.3")).toBe(1);
    expect(compareVersions("0.33.1", "0.34.0")).toBe(-1);
    expect(compareVersions("3.5.0", "3.5.0")).toBe(0);
  });

  it("accepts only the deployed major line, no older than the minimum, and newer builds", () => {
    expect(versionProblem("2.53.3", "prometheus")).toMatch(/not of the deployed 3\.x line/);
    expect(versionProblem("3.4.2", "prometheus")).toMatch(/older than 3\.5\.0/);
    expect(versionProblem("3.5.3", "prometheus")).toBeUndefined();
    expect(versionProblem("3.20.0", "prometheus")).toBeUndefined();
    // Debian bookworm's Alertmanager, which the tests ran before: no webhook `url_file`.
    expect(versionProblem("0.25.0", "alertmanager")).toMatch(/older than 0\.33\.0/);
    expect(versionProblem("0.33.1", "alertmanager")).toBeUndefined();
    // Before 1.10 the ILM and data stream collectors had other flags (`--es.ilm`, `--es.data_stream`).
    expect(versionProblem("1.9.0", "elasticsearchExporter")).toMatch(/older than 1\.10\.0/);
    expect(versionProblem("1.10.0", "elasticsearchExporter")).toBeUndefined();
    expect(versionProblem("2.0.0", "elasticsearchExporter")).toMatch(/not of the deployed 1\.x line/);
    expect(
      parseVersion("elasticsearch_exporter, version 1.10.0 (branch: debian/sid, revision: 1.10.0-1)"),
    ).toBe("1.10.0");
  });

  it("has minimums no newer than what the stack deploys", () => {
    for (const { min, deployed } of Object.values(TEST_TOOLS))
      expect(compareVersions(min, deployed)).toBeLessThanOrEqual(0);
  });

  it("refuses a Debian Alertmanager under a path the launcher cannot quote", () => {
    const am = TOOLS.find((t) => t.name === "alertmanager")!;
    /** An unpacked package's layout under `dir`: the binary and the share folder it reads. */
    const unpackedAt = (dir: string) => {
      mkdirSync(join(dir, am.debianShare!), { recursive: true });
      mkdirSync(dirname(join(dir, am.debianBinary)), { recursive: true });
      writeFileSync(join(dir, am.debianBinary), "");
      return { tool: am, path: join(dir, am.debianBinary), version: "0.33.1", source: "" };
    };
    const base = mkdtempSync(join(tmpdir(), "launcher-"));
    const good = launcher(unpackedAt(join(base, "prometheus-alertmanager_0.33.1-5")));
    expect(good.kind).toBe("script");
    expect(good.kind === "script" && good.text).toContain(
      `lowerdir=${join(base, "prometheus-alertmanager_0.33.1-5")}`,
    );
    expect(() => launcher(unpackedAt(join(base, "a,b")))).toThrow(/without quotes, commas, colons or spaces/);
    expect(() => launcher(unpackedAt(join(base, "it's")))).toThrow(/without quotes/);
    rmSync(base, { recursive: true, force: true });
  });

  it("runs a Debian Alertmanager with its share folder laid over /usr/share, and links anything else", () => {
    const am = TOOLS.find((t) => t.name === "alertmanager")!;
    const promtool = TOOLS.find((t) => t.name === "promtool")!;
    expect(
      launcher({ tool: promtool, path: "/opt/homebrew/bin/promtool", version: "3.7.0", source: "" }),
    ).toEqual({
      kind: "link",
      target: "/opt/homebrew/bin/promtool",
    });
    expect(
      launcher({ tool: am, path: "/opt/homebrew/bin/alertmanager", version: "0.34.0", source: "" }).kind,
    ).toBe("link");
  });
});

/** The tools this run uses: every test that runs one runs these. */
describe("npm run tools -- --only", () => {
  it("links only the named tools and keeps the other links; a full run starts afresh", () => {
    const bin = mkdtempSync(join(tmpdir(), "tools-bin-"));
    try {
      writeFileSync(join(bin, "alertmanager"), "#!/bin/sh\n");
      const promtool = TOOLS.find((t) => t.name === "promtool")!;
      const selected = {
        tool: promtool,
        path: "/opt/promtool/usr/bin/promtool",
        version: "3.5.3",
        source: "test",
      };
      link([selected], { only: true, bin });
      expect(readlinkSync(join(bin, "promtool"))).toBe(selected.path);
      expect(existsSync(join(bin, "alertmanager"))).toBe(true);
      // Again: its own link is replaced, not refused as existing.
      link([selected], { only: true, bin });
      link([selected], { bin });
      expect(existsSync(join(bin, "alertmanager"))).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("refuses an unknown tool before touching anything", () => {
    const r = spawnSync(
      process.execPath,
      ["scripts/run.mjs", "scripts/tools.ts", "--only", "promtool,nope"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--only: unknown tool nope (tools: promtool, prometheus");
  });
});

describe("the tools in .tools/bin", () => {
  it("are all present and of the deployed generation", () => {
    expect(toolProblems()).toEqual([]);
  });

  it.each(TOOLS.map((t) => t.name))("%s is the one on the tests' PATH", (name) => {
    const r = runTool("sh", ["-c", `command -v ${name}`]);
    expect(r.stdout.trim()).toBe(join(TOOLS_BIN, name));
    expect(
      versionProblem(toolVersion(join(TOOLS_BIN, name))!, TOOLS.find((t) => t.name === name)!.line),
    ).toBe(undefined);
  });

  it("include an Alertmanager launcher that runs (Debian's wraps the binary in a private mount namespace)", () => {
    const r = runTool("alertmanager", ["--version"]);
    expect(r.stdout + r.stderr).toMatch(/alertmanager, version 0\.\d+\.\d+/);
    expect(r.status).toBe(0);
  });
});
