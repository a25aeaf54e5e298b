// `node scripts/run.mjs scripts/service-check-comment.ts --report <json> [--errors <file>]
//   [--outcome <step outcome>] [--run-url <url>]`: the pull-request comment of
// .github/workflows/check-service.yml, in Markdown on standard output. A report that is missing or
// does not match the schema (the check did not run) gives a comment that says so.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Report, reportSchema } from "./lib/service-check/findings";
import { formatComment } from "./lib/service-check/report";

const { values } = parseArgs({
  options: {
    report: { type: "string" },
    errors: { type: "string" },
    outcome: { type: "string" },
    "run-url": { type: "string" },
  },
});
const read = (path: string | undefined): string =>
  path !== undefined && existsSync(path) ? readFileSync(path, "utf8") : "";

function parse(text: string): Report | undefined {
  try {
    const r = reportSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

console.log(
  formatComment(parse(read(values.report)), {
    errors: read(values.errors),
    ...(values.outcome === undefined ? {} : { outcome: values.outcome }),
    ...(values["run-url"] === undefined ? {} : { runUrl: values["run-url"] }),
  }),
);
