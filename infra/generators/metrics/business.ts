import type { Priority } from "../../catalog/alert-levels";
import {
  BUSINESS_ALERT_WINDOW,
  BUSINESS_METRIC_LABEL,
  BUSINESS_UNITS,
  BUSINESS_WINDOWS,
  type BusinessUnit,
  businessRecord,
  counterExpr,
  fillWindow,
} from "../../catalog/business-metrics";
import type { BusinessMetricConfig } from "../../config/business-metrics";
import { SERVICE_DATA } from "./alerts";
import type { PromRule, RuleGroup } from "./rules";
import type { MetricsInput } from "./settings";

/**
 * Key business metrics as rules: `business.recording` records each metric over every window of
 * BUSINESS_WINDOWS, `business.alerts` has one alert rule per configured threshold. Both grow with
 * the number of business metrics, never with the number of services.
 */

/** Below a threshold for `down`, above it for `up`. */
export const BUSINESS_ALERT_NAME = { down: "BusinessMetricLow", up: "BusinessMetricHigh" } as const;

/**
 * Beyond the record's hour: a dip must last a quarter of an hour more, so that one late scrape or
 * a counter reset does not alert the business's owner; the hour already smooths the noise of sparse
 * events.
 */
export const BUSINESS_ALERT_FOR = "15m";

/** The runbook of every business alert. */
export const BUSINESS_RUNBOOK = "business-metrics";

/** The business alerts as docs/alerts.md and the runbook check list them (their priorities come from the config). */
export const BUSINESS_ALERTS = (["down", "up"] as const).map((direction) => ({
  alert: BUSINESS_ALERT_NAME[direction],
  direction,
  for: BUSINESS_ALERT_FOR,
  runbook: BUSINESS_RUNBOOK,
  reason:
    "set per threshold by the metric's owner (`businessMetrics[].thresholds`): only the business knows how urgent a drop in sign-ups or a rise in refunds is",
}));

/** The PromQL template of a metric, `{{window}}` not yet filled in. */
export const businessTemplate = (m: BusinessMetricConfig): string =>
  m.counter !== undefined ? counterExpr(m.counter as never, m.unit, SERVICE_DATA.info) : m.expr!;

/** How an alert's text shows a value of the unit: a Go template of `$value`, and a threshold. */
function shown(m: BusinessMetricConfig): { value: string; threshold: (v: number) => string } {
  const unit: BusinessUnit = BUSINESS_UNITS[m.unit];
  if (m.unit === "ratio")
    return {
      value: "{{ $value | humanizePercentage }}",
      threshold: (v) => `${Number((v * 100).toPrecision(6))}%`,
    };
  if (m.unit === "percent") return { value: '{{ $value | printf "%.1f" }}%', threshold: (v) => `${v}%` };
  if (m.unit === "seconds") return { value: "{{ $value | humanizeDuration }}", threshold: (v) => `${v}s` };
  const suffix = unit.perSeconds !== undefined ? ` ${unit.text}` : "";
  return { value: `{{ $value | humanize }}${suffix}`, threshold: (v) => `${v}${suffix}` };
}

function alertRule(
  m: BusinessMetricConfig,
  t: { value: number; priority: Priority },
  runbookUrl: string,
): PromRule {
  const record = businessRecord(m.name, BUSINESS_ALERT_WINDOW);
  const op = m.badDirection === "down" ? "<" : ">";
  const side = m.badDirection === "down" ? "below" : "above";
  const text = shown(m);
  const spec = BUSINESS_ALERTS.find((a) => a.direction === m.badDirection)!;
  return {
    alert: spec.alert,
    // A metric that yields no value (its service down, no checkout started) is no alert of its own:
    // ServiceDown and ServiceNotScraped say why; a NaN compares false.
    expr: `${record} ${op} ${t.value}`,
    for: BUSINESS_ALERT_FOR,
    labels: { priority: t.priority, team: m.team, [BUSINESS_METRIC_LABEL]: m.name },
    annotations: {
      summary: `Business metric ${m.name} is ${side} its ${t.priority} threshold`,
      description: `${m.name} (owned by ${m.team}) is ${text.value} over the last ${BUSINESS_ALERT_WINDOW}, ${side} ${text.threshold(t.value)}, for ${BUSINESS_ALERT_FOR}. Priority ${t.priority}: ${spec.reason}.`,
      runbook_url: runbookUrl,
    },
  };
}

/** The business rule groups of the stack; none without business metrics. */
export function businessRuleGroups(config: MetricsInput, runbookUrl: string): RuleGroup[] {
  const metrics = config.businessMetrics ?? [];
  if (metrics.length === 0) return [];
  const records: PromRule[] = metrics.flatMap((m) =>
    BUSINESS_WINDOWS.map((w) => ({
      record: businessRecord(m.name, w),
      expr: fillWindow(businessTemplate(m), w),
    })),
  );
  const alerts = metrics.flatMap((m) => m.thresholds.map((t) => alertRule(m, t, runbookUrl)));
  return [
    { name: "business.recording", rules: records },
    ...(alerts.length > 0 ? [{ name: "business.alerts", rules: alerts }] : []),
  ];
}
