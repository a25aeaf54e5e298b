// `npm run check:service -- --stack <s> --service <name> --metrics <url> [--metrics <url>]
//   [--logs <file>|-] [--format table|json] [--fail-on error|warning] [--max-label-values <n>]`
// Checks a running service against what this stack's rules, dashboards and log pipeline read
// (docs/service-check.md). Only I/O here: the checks are scripts/lib/service-check/.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkServices, lintText, scrape } from "./lib/service-check/run";
import { exitCode, formatTable } from "./lib/service-check/report";
import { serviceRequirements } from "./lib/service-check/requirements";
import { stackConfig } from "./lib/stack-config";

const USAGE =
  "usage: npm run check:service -- --stack <stack> --service <name> --metrics <url> [--metrics <url>] [--logs <file>|-] [--format table|json] [--fail-on error|warning] [--max-label-values <n>] [--interval <seconds>]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      service: { type: "string" },
      metrics: { type: "string", multiple: true },
      logs: { type: "string" },
      format: { type: "string", default: "table" },
      "fail-on": { type: "string", default: "error" },
      "max-label-values": { type: "string" },
      interval: { type: "string", default: "0" },
    },
  });
  const failOn = values["fail-on"];
  if (!values.stack || !values.service || (!values.metrics?.length && values.logs === undefined))
    throw new Error(`--stack, --service and --metrics or --logs are required\n${USAGE}`);
  if (failOn !== "error" && failOn !== "warning")
    throw new Error(`--fail-on must be error or warning\n${USAGE}`);
  if (values.format !== "table" && values.format !== "json")
    throw new Error(`--format must be table or json\n${USAGE}`);
  if ((values.metrics?.length ?? 0) > 2) throw new Error(`--metrics at most twice (two scrapes)\n${USAGE}`);
  const req = serviceRequirements(stackConfig(values.stack), values.stack, values.service);
  const scrapes: string[] = [];
  let lint: string | undefined;
  for (const [i, url] of (values.metrics ?? []).entries()) {
    // The same URL twice: two scrapes a few seconds apart (drive traffic meanwhile).
    if (i > 0) await new Promise((r) => setTimeout(r, Number(values.interval) * 1000));
    const answer = await scrape(url);
    scrapes.push(answer.text);
    lint = await lintText(url, answer);
  }
  const logs =
    values.logs === undefined ? undefined : readFileSync(values.logs === "-" ? 0 : values.logs, "utf8");
  const max = values["max-label-values"];
  const [report] = await checkServices([
    {
      req,
      scrapes,
      failOn,
      ...(lint === undefined ? {} : { lintText: lint }),
      ...(logs === undefined ? {} : { logs }),
      ...(max === undefined ? {} : { maxLabelValues: Number(max) }),
    },
  ]);
  console.log(values.format === "json" ? JSON.stringify(report, null, 2) : formatTable(report!));
  return exitCode(report!);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    console.error(e.message);
    process.exitCode = 2;
  },
);
