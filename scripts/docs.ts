// `npm run docs`: rewrites the reference docs generated from code (scripts/lib/docs.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATED_DOCS } from "./lib/docs";
import { REPO_ROOT } from "./lib/stack-file";

for (const doc of GENERATED_DOCS) {
  writeFileSync(join(REPO_ROOT, doc.path), doc.build());
  console.log(`wrote ${doc.path}`);
}
