import * as common from "@grafana/grafana-foundation-sdk/common";
import { ThresholdsConfigBuilder, ThresholdsMode } from "@grafana/grafana-foundation-sdk/dashboard";
import { TextMode, PanelBuilder as TextPanel } from "@grafana/grafana-foundation-sdk/text";
import type { Priority } from "../infra/catalog/alert-levels";
import {
  BUSINESS_ALERT_WINDOW,
  BUSINESS_COMPARISON_OFFSET,
  BUSINESS_METRIC_LABEL,
  BUSINESS_UNITS,
  businessRecord,
} from "../infra/catalog/business-metrics";
import type { BusinessMetricConfig } from "../infra/config/business-metrics";
import { BUSINESS_ALERT_NAME } from "../infra/generators/metrics/business";
import { baseDashboard, type DashboardDefinition, prom, promTimeseries } from "./common";

/**
 * The "Business" dashboard: each key business metric (`businessMetrics`) over the last hour beside
 * the same hour a week earlier, its last five minutes, and its alert thresholds as lines; then the
 * business alerts that fire. It reads only the business records, so a panel shows what the alerts
 * compare.
 */

/** The panel of one business metric: its name and what the value is. */
export const businessPanelTitle = (m: BusinessMetricConfig): string =>
  `${m.name} (${BUSINESS_UNITS[m.unit].text})`;

export const BUSINESS_ALERTS_PANEL = "Business alerts firing";

/** Legends of a metric's three series; the comparison is drawn dashed. */
const NOW = `last ${BUSINESS_ALERT_WINDOW}`;
const WEEK_AGO = `same ${BUSINESS_ALERT_WINDOW} a week earlier`;
const RECENT = "last 5m";

/** Threshold colours by priority: the more urgent, the redder. */
const COLOUR: Record<Priority, string> = { P1: "red", P2: "orange", P3: "yellow" };

/** The thresholds as Grafana steps: each line where its priority begins, green where none applies. */
function thresholdSteps(m: BusinessMetricConfig) {
  const sorted = [...m.thresholds].sort((a, b) => a.value - b.value);
  if (m.badDirection === "up")
    return [
      { value: null, color: "green" },
      ...sorted.map((t) => ({ value: t.value, color: COLOUR[t.priority] })),
    ];
  // Below the lowest threshold is the most urgent; each step upwards is the next milder colour.
  const colours = [...sorted.map((t) => COLOUR[t.priority]), "green"];
  return [
    { value: null, color: colours[0]! },
    ...sorted.map((t, i) => ({ value: t.value, color: colours[i + 1]! })),
  ];
}

function metricPanel(m: BusinessMetricConfig) {
  const hour = businessRecord(m.name, BUSINESS_ALERT_WINDOW);
  const side = m.badDirection === "down" ? "below" : "above";
  const alerted =
    m.thresholds.length > 0
      ? ` ${BUSINESS_ALERT_NAME[m.badDirection]} fires ${side} ${m.thresholds.map((t) => `${t.value} (${t.priority})`).join(", ")} for 15 minutes, to team ${m.team}.`
      : " No thresholds: shown, never alerted on.";
  const panel = promTimeseries(
    businessPanelTitle(m),
    BUSINESS_UNITS[m.unit].grafana,
    [
      prom(hour, NOW),
      prom(`${hour} offset ${BUSINESS_COMPARISON_OFFSET}`, WEEK_AGO),
      prom(businessRecord(m.name, "5m"), RECENT),
    ],
    `${m.name}, owned by team ${m.team}: the last hour (${hour}) beside the same hour a week earlier, and the last five minutes. Bad when it goes ${m.badDirection}.${alerted}`,
  )
    .min(0)
    .overrideByName(WEEK_AGO, [{ id: "custom.lineStyle", value: { fill: "dash", dash: [10, 10] } }]);
  if (m.thresholds.length > 0)
    panel
      .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(m)))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      );
  return panel;
}

export const businessMetrics: DashboardDefinition = {
  uid: "obs-business",
  title: "Business metrics",
  tags: ["business", "kpi"],
  // Every service's rollouts as annotations: the first question when a business metric moves.
  services: (ctx) => ctx.services,
  requiredPanels: (ctx) => [...ctx.businessMetrics.map(businessPanelTitle), BUSINESS_ALERTS_PANEL],
  build(ctx) {
    const dash = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "Key business metrics (businessMetrics in the stack config), each beside the same hour a week earlier, with every service's rollouts as annotations. The service variable filters the rollouts only.",
    );
    if (ctx.businessMetrics.length === 0)
      dash.withPanel(
        new TextPanel()
          .title("No business metrics")
          .mode(TextMode.Markdown)
          .content(
            "Add entries to `businessMetrics` in the stack config (docs/metrics.md) to show them here.",
          )
          .height(4)
          .span(24),
      );
    for (const m of ctx.businessMetrics) dash.withPanel(metricPanel(m));
    const alerts = Object.values(BUSINESS_ALERT_NAME).join("|");
    return dash
      .withPanel(
        promTimeseries(
          BUSINESS_ALERTS_PANEL,
          "short",
          [
            prom(
              // Business alerts belong to no service: no job label.
              `count by (${BUSINESS_METRIC_LABEL}, priority) (ALERTS{alertstate="firing", alertname=~"${alerts}", job=""})`,
              "{{business_metric}} ({{priority}})",
            ),
          ],
          "Business alerts firing, by metric and priority (runbooks/business-metrics.md).",
        ).span(24),
      )
      .build();
  },
};
