import { METRIC_CONTRACT, type MetricId } from "./metric-contract";
import { SERVICE_LABELS } from "./recording-rules";

/**
 * Key business metrics (`businessMetrics` in the stack config): what each one's records are called,
 * over which windows, and how its unit is shown and converted. The records are flat: one rule per
 * business metric and window, however many services the stack monitors.
 */

/**
 * Windows every business metric is recorded over. `1h`: the panel's main line, its week-over-week
 * comparison and the alerts. Business events are sparse (a few sign-ups a minute), so a shorter
 * window is mostly noise, and an hour is the unit they are talked about in. `5m`: the same value's
 * recent movement, so that a release that breaks checkout shows as a step within minutes on the
 * dashboard; too noisy to alert on.
 */
export const BUSINESS_WINDOWS = ["5m", "1h"] as const;
export type BusinessWindow = (typeof BUSINESS_WINDOWS)[number];

/** The window the alerts and the week-over-week comparison read. */
export const BUSINESS_ALERT_WINDOW: BusinessWindow = "1h";

/** How far back the dashboard compares: the same hour of the same weekday. */
export const BUSINESS_COMPARISON_OFFSET = "1w";

/** The record of one business metric over one window. */
export const businessRecord = (name: string, window: BusinessWindow): string => `business:${name}:${window}`;

/** The label every business alert carries with the metric's name (the alert contract's identity for it). */
export const BUSINESS_METRIC_LABEL = "business_metric";

/** A business metric's unit: how Grafana shows it, and for a rate how many seconds it spans. */
export interface BusinessUnit {
  /** Grafana's unit id: a built-in one, or a custom `suffix:` unit. */
  grafana: string;
  /** A rate: the factor from per second; otherwise undefined. */
  perSeconds?: number;
  /** What the value is, in words (docs, alert text). */
  text: string;
  /** Bounds of a value (and of a threshold) of this unit. */
  min: number;
  max?: number;
}

export const BUSINESS_UNITS = {
  perSecond: { grafana: "suffix:/s", perSeconds: 1, text: "per second", min: 0 },
  perMinute: { grafana: "suffix:/min", perSeconds: 60, text: "per minute", min: 0 },
  perHour: { grafana: "suffix:/h", perSeconds: 3600, text: "per hour", min: 0 },
  perDay: { grafana: "suffix:/day", perSeconds: 86_400, text: "per day", min: 0 },
  ratio: { grafana: "percentunit", text: "a share from 0 to 1", min: 0, max: 1 },
  percent: { grafana: "percent", text: "a percentage from 0 to 100", min: 0, max: 100 },
  count: { grafana: "short", text: "a count", min: 0 },
  seconds: { grafana: "s", text: "seconds", min: 0 },
} as const satisfies Record<string, BusinessUnit>;
export type BusinessUnitId = keyof typeof BUSINESS_UNITS;
export const BUSINESS_UNIT_IDS = Object.keys(BUSINESS_UNITS) as [BusinessUnitId, ...BusinessUnitId[]];

/** Counters of the metric contract: what `businessMetrics[].counter` may name. */
export const CONTRACT_COUNTERS = (Object.keys(METRIC_CONTRACT) as MetricId[]).filter(
  (id) => METRIC_CONTRACT[id].type === "counter",
);

/** The placeholder of a business expression that each record fills with its window. */
export const WINDOW_PLACEHOLDER = "{{window}}";

/**
 * The expression of a `counter` entry: the counter's rate over the configured services (on their
 * namespace and job, so a same-named Service elsewhere is not counted), in the unit's rate.
 */
export function counterExpr(counter: MetricId, unit: BusinessUnitId, infoSeries: string): string {
  const factor = (BUSINESS_UNITS[unit] as BusinessUnit).perSeconds ?? 1;
  const rate = `sum(rate(${METRIC_CONTRACT[counter].name}[${WINDOW_PLACEHOLDER}]) and on (${SERVICE_LABELS}) ${infoSeries})`;
  return factor === 1 ? rate : `${rate} * ${factor}`;
}

/** A business expression with its window filled in. */
export const fillWindow = (template: string, window: string): string =>
  template.replaceAll(WINDOW_PLACEHOLDER, window);
