import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contractMetrics } from "../../infra/catalog/metric-contract";
import { QUERY_IDS } from "../../infra/catalog/recording-rules";
import { ALERTS, alertRules, metricsConcern } from "../../infra/generators/metrics";
import { stackConfig } from "../../scripts/lib/stack-config";

const README = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
const section = README.slice(
  README.indexOf("\n## Metrics and alerting"),
  README.indexOf("\n## ", README.indexOf("\n## Metrics and alerting") + 1),
);

describe("README and summary document the metrics concern", () => {
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

  it("puts the alert list and the routing tree as Mermaid in summary.md", () => {
    const config = stackConfig("prod");
    const summary = metricsConcern.summary(config as never);
    expect(summary).toContain("```mermaid\nflowchart LR");
    for (const r of alertRules(config))
      expect(summary).toContain(
        `| ${r.alert} | ${r.labels?.service ?? "—"} | ${r.labels?.priority} | ${r.labels?.team} |`,
      );
    for (const receiver of ["deadmansswitch", "p1-pagerduty", "p2-email-web", "p3-slack-platform"])
      expect(summary).toContain(`→ ${receiver}`);
  });
});
