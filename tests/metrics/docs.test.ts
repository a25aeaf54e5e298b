import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contractMetrics } from "../../infra/catalog/metric-contract";
import { QUERY_IDS } from "../../infra/catalog/recording-rules";
import { ALERTS } from "../../infra/generators/metrics";

const README = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
const section = README.slice(
  README.indexOf("\n## Metrics and alerting"),
  README.indexOf("\n## ", README.indexOf("\n## Metrics and alerting") + 1),
);

describe("README documents the metrics concern", () => {
  it("lists every contract metric with its origin", () => {
    for (const m of contractMetrics()) expect(section).toContain(`| \`${m.name}\``);
    expect(section).toMatch(/\*\*ours\*\*/);
  });

  it("lists every alert with its priority and runbook", () => {
    for (const a of ALERTS)
      expect(section).toMatch(
        new RegExp(`\\| \`${a.alert}\` \\| ${a.priority} \\|.*runbooks/${a.runbook}\\.md`),
      );
  });

  it("documents every query override key", () => {
    for (const id of QUERY_IDS) expect(README).toContain(`| \`services[].queries.${id}\``);
  });
});
