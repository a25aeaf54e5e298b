import { describe, expect, it } from "vitest";
import { renderDashboards } from "../../infra/generators/grafana";
import { stackConfig } from "../../scripts/lib/stack-config";
import { parsePromql, substituteVariables } from "./promql";

/**
 * The Trends row of the service overview: 90 days at one point a week (so Query Frontend's
 * auto-downsampling reads 1-hour data), and the error budget over the longest SLO window. Its
 * queries parse, select services by namespace and job and read recorded series (dashboards.test.ts
 * checks every panel for that), and evaluate under promtool beside same-named Services
 * (shared-name.test.ts evaluates every panel).
 */

interface Panel {
  type: string;
  title: string;
  timeFrom?: string;
  interval?: string;
  targets?: { expr?: string }[];
}

describe.each(["dev", "prod"])("the service overview's Trends row (%s)", (stack) => {
  const config = stackConfig(stack);
  const model = renderDashboards(config).find((d) => d.uid === "obs-service-overview")!.model as {
    panels: Panel[];
  };
  const at = model.panels.findIndex((p) => p.type === "row" && p.title === "Trends");
  const row = model.panels.slice(at + 1);

  it("is the last row, with four panels", () => {
    expect(at).toBeGreaterThan(0);
    expect(row.map((p) => p.type)).toEqual(["timeseries", "timeseries", "timeseries", "timeseries"]);
  });

  it("shows 90 days a week at a time, and the budget over the whole SLO window", () => {
    for (const p of row.slice(0, 3))
      expect([p.title, p.timeFrom, p.interval]).toEqual([p.title, "90d", "1w"]);
    const budget = row[3]!;
    const longest = Math.max(...config.services.map((s) => s.slo.windowDays));
    expect(budget.timeFrom).toBe(`${longest}d`);
    for (const t of budget.targets ?? []) expect(t.expr).toMatch(/\[\d+d\]\)/);
  });

  it("reads weekly windows of recorded series, never raw histograms", () => {
    for (const p of row.slice(0, 3))
      for (const t of p.targets ?? []) {
        const parsed = parsePromql(substituteVariables(t.expr!));
        expect(parsed.errors, t.expr).toBe(0);
        expect(t.expr).toContain("[1w]");
        for (const m of parsed.metrics) expect(m, t.expr).toMatch(/^job(_le)?:|^job:service:info$/);
      }
  });
});
