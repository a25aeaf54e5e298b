import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { stackConfigSchema } from "../../infra/config";
import { contractMetrics } from "../../infra/catalog/metric-contract";
import { QUERY_IDS } from "../../infra/catalog/recording-rules";
import { ALERTS } from "../../infra/generators/metrics";
import { COMPONENT_ALERTS } from "../../infra/generators/platform";
import { ALL_POLICIES } from "../../policy/policies";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const readme = read("README.md");

/** Every Markdown file a reader follows: the README and docs/. */
function markdownFiles(dir = join(REPO_ROOT, "docs")): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? markdownFiles(p) : p.endsWith(".md") ? [relative(REPO_ROOT, p)] : [];
  });
}

interface JsonSchema {
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}
function undescribed(schema: JsonSchema, path = ""): string[] {
  const own = path && !schema.description ? [path] : [];
  const variant = schema.anyOf?.find((v) => v.properties) ?? schema;
  return [
    ...own,
    ...Object.entries(variant.properties ?? {}).flatMap(([k, s]) =>
      undescribed(s, path ? `${path}.${k}` : k),
    ),
    ...(variant.items?.properties ? undescribed({ ...variant.items, description: "item" }, `${path}[]`) : []),
  ];
}

describe("README", () => {
  it("shows the quick start as exactly two commands", () => {
    const quick = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1),
    );
    const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? "";
    expect(
      block
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((c) => c.replace(/\s+#.*$/, "").trim()),
    ).toEqual(["npm ci && npm run render -- --stack dev", "npm test"]);
  });

  it("stays short: reference lives in docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
  });

  it("names only npm scripts that exist", () => {
    const scripts = Object.keys(JSON.parse(read("package.json")).scripts as Record<string, string>);
    for (const m of readme.matchAll(/npm run ([a-z:]+)/g)) expect(scripts, m[0]).toContain(m[1]);
  });
});

describe("documentation links", () => {
  it.each(["README.md", ...markdownFiles()])(
    "%s links only to files inside the repository that exist",
    (file) => {
      const text = read(file);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http(s) and other URLs
        const path = resolve(dirname(join(REPO_ROOT, file)), target!);
        expect(path.startsWith(REPO_ROOT), `${file}: ${target} leaves the repository`).toBe(true);
        expect(existsSync(path), `${file}: ${target} does not exist`).toBe(true);
      }
    },
  );
});

describe("generated reference", () => {
  it("describes every key of the stack config", () => {
    expect(
      undescribed(z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema),
    ).toEqual([]);
  });

  it("lists every contract metric, query id, alert with its runbook, and policy", () => {
    const metrics = read("docs/metrics.md");
    for (const m of contractMetrics()) expect(metrics).toContain(`\`${m.name}`);
    for (const id of QUERY_IDS) expect(metrics).toContain(`| \`${id}\` |`);
    const alerts = read("docs/alerts.md");
    for (const a of ALERTS) expect(alerts).toContain(`| \`${a.alert}\` | ${a.priority} |`);
    for (const a of COMPONENT_ALERTS)
      expect(alerts).toContain(`| \`${a.alert}\` | \`${a.component}\` | ${a.priority} |`);
    const policies = read("docs/policies.md");
    for (const p of ALL_POLICIES) expect(policies).toContain(`| \`${p.name}\` | ${p.enforcementLevel} |`);
    expect(new Set(ALL_POLICIES.map((p) => p.name)).size).toBe(ALL_POLICIES.length);
  });
});
