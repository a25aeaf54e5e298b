import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../infra/config";
import {
  redact,
  resolveOutputs,
  SECRET_PLACEHOLDER,
  SECRET_SIG,
  SIG_KEY,
} from "../../scripts/lib/mock-runtime";
import { RENDER_MARKER, renderFiles } from "../../scripts/lib/render-files";
import { offlineSecret, REPO_ROOT } from "../../scripts/lib/stack-file";
import { rendered, STACKS } from "../helpers/render";

/** The render command as the README runs it, in a fresh process. */
const render = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(REPO_ROOT, "scripts/run.mjs"), "scripts/render.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("npm run render -- --stack dev", () => {
  let out: string;
  let result: ReturnType<typeof render>;
  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), "obs-render-")), "dev");
    result = render(["--stack", "dev", "--out", out]);
  });

  it("exits 0 and says where it wrote", () => {
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(out);
  });

  it("writes exactly the files of the render, with its marker, and no secret value", () => {
    expect(
      filesUnder(out)
        .map((f) => relative(out, f))
        .sort(),
    ).toEqual(
      renderFiles(rendered("dev"))
        .map((f) => f.path)
        .sort(),
    );
    expect(existsSync(join(out, RENDER_MARKER.path))).toBe(true);
    for (const f of filesUnder(out)) {
      const text = readFileSync(f, "utf8");
      for (const key of SECRET_KEYS) expect(text, relative(out, f)).not.toContain(offlineSecret(key));
    }
  });

  it("renders again into a directory it wrote, replacing what was there", () => {
    writeFileSync(join(out, "stale.json"), "{}");
    const again = render(["--stack", "dev", "--out", out]);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(out, "stale.json"))).toBe(false);
  });
});

describe("render command on bad input: one line, exit 1, no trace, nothing written or deleted", () => {
  function badStackDir(name: string, body: string): string {
    const dir = mkdtempSync(join(tmpdir(), "obs-bad-"));
    writeFileSync(join(dir, `Pulumi.${name}.yaml`), body);
    return dir;
  }
  const fails = (r: ReturnType<typeof render>, line: string) => {
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(line);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  };

  it.each([
    [
      "an unknown stack name",
      "staging",
      undefined,
      'stack "staging": unknown stack (expected one of: dev, prod)',
    ],
    [
      "malformed YAML",
      "broken",
      "config:\n  observability:environment: [dev\n",
      "Pulumi.broken.yaml: malformed YAML:",
    ],
    [
      "an invalid value",
      "typo",
      "config:\n  observability:environment: Dev\n",
      "observability:environment: expected a lowercase name",
    ],
  ])("%s", (_c, stack, body, line) => {
    const out = join(mkdtempSync(join(tmpdir(), "obs-out-")), "render");
    const dir = body === undefined ? undefined : badStackDir(stack, body);
    fails(render(["--stack", stack, "--out", out, ...(dir ? ["--dir", dir] : [])]), line);
    expect(existsSync(out)).toBe(false);
  });

  it("an --out that holds anything the render did not write (it would delete it)", () => {
    const out = mkdtempSync(join(tmpdir(), "obs-precious-"));
    mkdirSync(join(out, "src"));
    writeFileSync(join(out, "src", "work.ts"), "keep me");
    fails(render(["--stack", "dev", "--out", out]), `refusing to replace ${out}`);
    expect(readFileSync(join(out, "src", "work.ts"), "utf8")).toBe("keep me");
  });

  it("a --dir that does not exist, an unknown option, a missing --stack", () => {
    fails(
      render(["--stack", "dev", "--dir", "/nonexistent"]),
      "error: --dir /nonexistent: no such directory",
    );
    fails(
      render(["--stak", "dev"]),
      "error: Unknown option '--stak' (usage: npm run render -- --stack <name>",
    );
    fails(render([]), "usage: npm run render -- --stack <name>");
  });

  it("options given to npm instead of the render (npm run render --stack dev)", () => {
    // npm keeps `--stack` as its own config (npm_config_stack) and passes the script only "dev".
    fails(render(["dev"], { npm_config_stack: "true" }), "put -- before the render's options");
  });
});

describe.each(STACKS)("rendered files of %s", (stack) => {
  it("show the retention table and the cost estimate in summary.md", () => {
    const summary = renderFiles(rendered(stack)).find((f) => f.path === "summary.md")!.content;
    expect(summary).toContain("| audit | 7 years |");
    expect(summary).toContain("All in S3 Standard");
  });
});

describe("secret redaction", () => {
  it("reads secrets by Pulumi's own markers", () => {
    expect([SIG_KEY, SECRET_SIG]).toEqual([specialSigKey, specialSecretSig]);
  });

  it("replaces every Pulumi secret in serialized inputs with [secret]", () => {
    // A secret as Pulumi's serializer marks it for the engine.
    const wrapped = { [specialSigKey]: specialSecretSig, value: "hunter2" };
    expect(redact({ a: [wrapped], b: { c: wrapped, d: "plain" } })).toEqual({
      a: [SECRET_PLACEHOLDER],
      b: { c: SECRET_PLACEHOLDER, d: "plain" },
    });
  });

  it("resolves secret stack outputs to [secret] and plain ones to their value", async () => {
    const outputs = { dsn: pulumi.secret("https://key@sentry.example/1"), name: pulumi.output("bucket") };
    expect(await resolveOutputs(outputs)).toEqual({ dsn: SECRET_PLACEHOLDER, name: "bucket" });
  });
});
