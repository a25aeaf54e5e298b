import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

// `pulumi up` and the render load the program and run it: the TypeScript compiler is a build tool
// (a devDependency), and no module of this project may load it. Only @pulumi/pulumi's own shim
// does (its runtime loads its closure serializer, and with it TypeScript, on import).
describe("the program at run time", () => {
  it("renders a stack without any of its modules loading the TypeScript compiler", () => {
    const dir = mkdtempSync(join(tmpdir(), "obs-runtime-"));
    const loaders = join(dir, "loaders.json");
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        join(__dirname, "typescript-loaders.cjs"),
        "scripts/run.mjs",
        "scripts/render.ts",
        "--stack",
        "prod",
        "--out",
        join(dir, "out"),
      ],
      { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, LOADERS_OUT: loaders } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("rendered stack prod");
    expect(JSON.parse(readFileSync(loaders, "utf8"))).toEqual([
      "./node_modules/@pulumi/pulumi/typescript-shim.js",
    ]);
  });
});
