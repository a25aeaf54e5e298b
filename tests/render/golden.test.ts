import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareWithDir, renderFiles, renderStack } from "../../scripts/lib/offline";
import { knownStacks, REPO_ROOT } from "../../scripts/lib/stack-file";

// rendered/<stack> is the reviewer's view of what a change provisions: it must be what the program
// renders now. `npm run render:golden` rewrites it.
describe.each(knownStacks())("rendered/%s", (stack) => {
  it("is exactly what the program renders now", async () => {
    const files = renderFiles(await renderStack(stack));
    const problems = compareWithDir(join(REPO_ROOT, "rendered", stack), files);
    expect(problems, `rendered/${stack} is stale; run \`npm run render:golden\``).toEqual([]);
  });
});
