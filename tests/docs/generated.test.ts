import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_DOCS } from "../../scripts/lib/docs";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

describe.each(GENERATED_DOCS.map((d) => [d.path, d] as const))("%s", (path, doc) => {
  it("is what the code generates now (run `npm run docs` after changing its source)", () => {
    expect(
      readFileSync(join(REPO_ROOT, path), "utf8") === doc.build(),
      `${path} is stale: run npm run docs`,
    ).toBe(true);
  });
});
