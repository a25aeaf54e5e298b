import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareWithDir, renderFiles } from "../../scripts/lib/render-files";
import { REPO_ROOT } from "../../scripts/lib/stack-file";
import { rendered, STACKS } from "../helpers/render";

// rendered/<stack> is the reviewer's view of what a change provisions: it must be what the program
// renders now. `npm run render:golden` rewrites it.
describe.each(STACKS)("rendered/%s", (stack) => {
  it("is exactly what the program renders now", () => {
    const files = renderFiles(rendered(stack));
    const problems = compareWithDir(join(REPO_ROOT, "rendered", stack), files);
    expect(problems, `rendered/${stack} is stale; run \`npm run render:golden\``).toEqual([]);
  });
});
