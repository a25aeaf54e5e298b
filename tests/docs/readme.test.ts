import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { stackConfigSchema } from "../../infra/config";
import { PROVIDER_NAMESPACES } from "../../infra/config/load";
import { knownStacks, REPO_ROOT, readStackFile } from "../../scripts/lib/stack-file";

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/**
 * Every leaf key of the schema, as the README writes them: `archive.dailyVolumeGb.audit`,
 * `teams[].name`. Objects and lists of objects are documented through their keys.
 */
function keyPaths(schema: JsonSchema, prefix = ""): string[] {
  const variants = schema.anyOf ?? [schema];
  const nested = variants.flatMap((v) => [
    ...Object.entries(v.properties ?? {}).flatMap(([k, sub]) => keyPaths(sub, prefix ? `${prefix}.${k}` : k)),
    ...(v.items ? keyPaths(v.items, `${prefix}[]`).filter((p) => p !== `${prefix}[]`) : []),
  ]);
  return nested.length > 0 || prefix === "" ? nested : [prefix];
}

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const configSection = readme.slice(readme.indexOf("## Configuration"));
const schemaPaths = [...new Set(keyPaths(z.toJSONSchema(stackConfigSchema, { io: "input" }) as JsonSchema))];

describe("README configuration reference", () => {
  it.each(schemaPaths)("documents %s", (path) => {
    expect(configSection).toContain(`| \`${path}\``);
  });

  it("documents every provider key the stack files set", () => {
    for (const stack of knownStacks()) {
      for (const key of Object.keys(readStackFile(stack).config)) {
        if (PROVIDER_NAMESPACES.some((ns) => key.startsWith(`${ns}:`)))
          expect(configSection).toContain(`| \`${key}\``);
      }
    }
  });

  it("shows the quick start as exactly two commands", () => {
    const quick = readme.slice(
      readme.indexOf("## Quick start"),
      readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1),
    );
    const block = /```sh\n([\s\S]*?)```/.exec(quick)?.[1] ?? "";
    const commands = block.split("\n").filter((l) => l.trim() !== "");
    expect(commands.map((c) => c.replace(/\s+#.*$/, "").trim())).toEqual([
      "npm ci && npm run render -- --stack dev",
      "npm test",
    ]);
  });
});
