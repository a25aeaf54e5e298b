import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { LOG_TYPES } from "../../infra/catalog/retention";
import { SECRET_KEYS } from "../../infra/config";
import { redact, resolveOutputs, SECRET_PLACEHOLDER } from "../../scripts/lib/mock-runtime";
import { offlineSecret, REPO_ROOT, readStackFile } from "../../scripts/lib/stack-file";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.each(["dev", "prod"])("npm run render -- --stack %s", (stack) => {
  let out: string;
  let stdout: string;
  let status: number | null;
  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), "obs-render-")), stack);
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "scripts/run.mjs"), "scripts/render.ts", "--stack", stack, "--out", out],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    stdout = r.stdout;
    status = r.status;
    if (r.status !== 0) throw new Error(r.stderr);
  });

  it("exits 0 and says where it wrote", () => {
    expect(status).toBe(0);
    expect(stdout).toContain(out);
  });

  it("writes resources.json, summary.md and a lifecycle file per archive bucket", () => {
    const files = filesUnder(out).map((f) => relative(out, f));
    expect(files).toContain("resources.json");
    expect(files).toContain("summary.md");
    const prefix = readStackFile(stack).config["observability:archive"]!;
    const bucketPrefix = (JSON.parse(prefix) as { bucketPrefix: string }).bucketPrefix;
    for (const t of LOG_TYPES) {
      const lifecycle = JSON.parse(
        readFileSync(join(out, "s3", `${bucketPrefix}-${t}-logs-lifecycle.json`), "utf8"),
      );
      expect(lifecycle.rules[0].expiration.days).toBeGreaterThan(0);
    }
  });

  it("lists every resource with type, name, parent and inputs", () => {
    const resources = JSON.parse(readFileSync(join(out, "resources.json"), "utf8")) as Record<
      string,
      unknown
    >[];
    expect(resources.length).toBeGreaterThan(40);
    for (const r of resources) {
      expect(r).toHaveProperty("type");
      expect(r).toHaveProperty("name");
      expect(r).toHaveProperty("inputs");
    }
    const children = resources.filter((r) => r.parent !== undefined);
    expect(children.length).toBe(resources.length - resources.filter((r) => !r.parent).length);
    expect(children.length).toBeGreaterThan(0);
  });

  it("shows the retention table and the cost estimate in summary.md", () => {
    const summary = readFileSync(join(out, "summary.md"), "utf8");
    expect(summary).toContain("## Resources per component");
    for (const t of LOG_TYPES) expect(summary).toMatch(new RegExp(`\\| ${t} \\|`));
    expect(summary).toContain("All in S3 Standard");
  });

  it("writes no secret value into any file", () => {
    for (const f of filesUnder(out)) {
      const text = readFileSync(f, "utf8");
      for (const key of SECRET_KEYS) expect(text, relative(out, f)).not.toContain(offlineSecret(key));
    }
  });
});

describe("secret redaction", () => {
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
