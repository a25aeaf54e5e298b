import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";

describe("README policy table", () => {
  it("lists every policy of the pack, in order, with its enforcement level", () => {
    const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Policy pack and CI"), readme.indexOf("### Workflows"));
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \| .* \| (mandatory|advisory) \|$/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toEqual(ALL_POLICIES.map((p) => [p.name, p.enforcementLevel]));
  });
  it("gives every policy a description and a unique name", () => {
    const names = ALL_POLICIES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of ALL_POLICIES) expect(p.description.length, p.name).toBeGreaterThan(30);
  });
});
