import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

// `pulumi up` and the render load the program and run it: the TypeScript compiler is a build tool
// (a devDependency), and no module of this project may load it. Only @pulumi/pulumi's own shim
// does (its runtime loads its closure serializer, and with it TypeScript, on import).
describe("the program at run time", () => {
  it("renders a stack without any of its modules loading the TypeScript compiler", () => {
    const script = `
      require("tsx/cjs");
      const { renderStack } = require("./scripts/lib/offline.ts");
      renderStack("prod").then((r) => {
        const ts = Object.values(require.cache).filter((m) => /[\\\\/]node_modules[\\\\/]typescript[\\\\/]/.test(m.id));
        const loaders = Object.values(require.cache)
          .filter((m) => m.children.some((c) => ts.includes(c)))
          .map((m) => m.id.replace(process.cwd(), "."));
        console.log(JSON.stringify({ resources: r.resources.length, loaders }));
        process.exit(0);
      });`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { resources: number; loaders: string[] };
    expect(out.resources).toBeGreaterThan(100);
    expect(out.loaders).toEqual(["./node_modules/@pulumi/pulumi/typescript-shim.js"]);
  });
});
