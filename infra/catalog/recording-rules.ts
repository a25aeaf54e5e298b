import { ERROR_STATUS_REGEX, METRIC_CONTRACT, type MetricId } from "./metric-contract";

/**
 * Recording rules in `level:metric:operations` form, one per service (the output carries
 * `job="<service>"`). Dashboards and alerts read these names, never the raw contract metrics, so
 * that a service whose metrics differ can override the underlying query (`services[].queries`)
 * without touching any alert or panel.
 */

/** Windows the SLO error ratios are recorded over: the SRE workbook's multi-window pairs. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

/** The queries behind the recording rules; a service may override any of them by id. */
export const QUERY_IDS = [
  "requestRate",
  "errorRate",
  "errorRatio",
  "slowRatio",
  "latencyQuantile",
  "dbRate",
  "dbQuantile",
  "cacheHitRatio",
  "jobQuantile",
  "memoryBytes",
  "memoryGrowth",
] as const;
export type QueryId = (typeof QUERY_IDS)[number];

export interface QueryTemplate {
  id: QueryId;
  reads: MetricId[];
  meaning: string;
  /**
   * PromQL with placeholders: {{job}} (service name), {{window}} (range), {{quantile}} (0-1),
   * {{le}} (a regex matching the `le` label of the service's latency threshold bucket).
   */
  template: string;
}

const http = METRIC_CONTRACT.httpServerDuration.name;
const db = METRIC_CONTRACT.dbClientDuration.name;
const mem = METRIC_CONTRACT.processMemory.name;
const cache = METRIC_CONTRACT.cacheRequests.name;
const jobs = METRIC_CONTRACT.backgroundJobDuration.name;

const sel = (extra = ""): string => `{job="{{job}}"${extra}}`;
const errors = `sum(rate(${http}_count${sel(`,http_response_status_code=~"${ERROR_STATUS_REGEX}"`)}[{{window}}]))`;
const total = `sum(rate(${http}_count${sel()}[{{window}}]))`;

export const QUERY_TEMPLATES: Readonly<Record<QueryId, QueryTemplate>> = {
  requestRate: {
    id: "requestRate",
    reads: ["httpServerDuration"],
    meaning: "requests per second",
    template: total,
  },
  errorRate: {
    id: "errorRate",
    reads: ["httpServerDuration"],
    meaning: "5xx responses per second",
    // `or vector(0)`: a service that never failed has no 5xx series, and its rate is 0, not absent.
    template: `(${errors} or vector(0))`,
  },
  errorRatio: {
    id: "errorRatio",
    reads: ["httpServerDuration"],
    meaning: "fraction of requests answered with 5xx",
    template: `(${errors} or vector(0)) / ${total}`,
  },
  slowRatio: {
    id: "slowRatio",
    reads: ["httpServerDuration"],
    meaning: "fraction of requests slower than the service's latency threshold",
    template: `1 - (sum(rate(${http}_bucket${sel(',le=~"{{le}}"')}[{{window}}])) / ${total})`,
  },
  latencyQuantile: {
    id: "latencyQuantile",
    reads: ["httpServerDuration"],
    meaning: "request latency quantile in seconds",
    template: `histogram_quantile({{quantile}}, sum by (le) (rate(${http}_bucket${sel()}[{{window}}])))`,
  },
  dbRate: {
    id: "dbRate",
    reads: ["dbClientDuration"],
    meaning: "database operations per second",
    template: `sum(rate(${db}_count${sel()}[{{window}}]))`,
  },
  dbQuantile: {
    id: "dbQuantile",
    reads: ["dbClientDuration"],
    meaning: "database operation latency quantile in seconds",
    template: `histogram_quantile({{quantile}}, sum by (le) (rate(${db}_bucket${sel()}[{{window}}])))`,
  },
  cacheHitRatio: {
    id: "cacheHitRatio",
    reads: ["cacheRequests"],
    meaning: "fraction of cache lookups that hit",
    template: `(sum(rate(${cache}${sel(',result="hit"')}[{{window}}])) or vector(0)) / sum(rate(${cache}${sel()}[{{window}}]))`,
  },
  jobQuantile: {
    id: "jobQuantile",
    reads: ["backgroundJobDuration"],
    meaning: "background job duration quantile in seconds",
    template: `histogram_quantile({{quantile}}, sum by (le) (rate(${jobs}_bucket${sel()}[{{window}}])))`,
  },
  memoryBytes: {
    id: "memoryBytes",
    reads: ["processMemory"],
    meaning: "resident memory of all instances in bytes",
    template: `sum(${mem}${sel()})`,
  },
  memoryGrowth: {
    id: "memoryGrowth",
    reads: ["processMemory"],
    meaning: "memory growth of all instances in bytes per second (least-squares slope)",
    template: `sum(deriv(${mem}${sel()}[{{window}}]))`,
  },
};

/** Placeholders an override of each query must keep: the recording rules vary them. */
export const QUERY_PLACEHOLDERS: Readonly<Record<QueryId, string[]>> = Object.fromEntries(
  QUERY_IDS.map((id) => [
    id,
    ["{{window}}", "{{quantile}}"].filter((p) => QUERY_TEMPLATES[id].template.includes(p)),
  ]),
) as Record<QueryId, string[]>;

export type RuleTopic = "traffic" | "latency" | "database" | "cache" | "jobs" | "memory" | "slo";

export interface RecordingRuleSpec {
  /** `level:metric:operations`; the level is always `job` (one series per service). */
  record: string;
  query: QueryId;
  window: string;
  quantile?: number;
  topic: RuleTopic;
  meaning: string;
}

const rule = (
  record: string,
  query: QueryId,
  window: string,
  topic: RuleTopic,
  meaning: string,
  quantile?: number,
): RecordingRuleSpec =>
  quantile === undefined
    ? { record, query, window, topic, meaning }
    : { record, query, window, topic, meaning, quantile };

/** Record names, so that alerts and dashboards never spell them by hand. */
export const RECORD = {
  requestRate: "job:http_server_requests:rate5m",
  errorRate: "job:http_server_request_errors:rate5m",
  errorRatio: (w: SloWindow) => `job:http_server_request_errors:ratio_rate${w}`,
  slowRatio: (w: SloWindow) => `job:http_server_request_slow:ratio_rate${w}`,
  latency: (q: "p50" | "p90" | "p99") => `job:http_server_request_duration_seconds:${q}_5m`,
  dbRate: "job:db_client_operations:rate5m",
  dbLatency: (q: "p50" | "p99") => `job:db_client_operation_duration_seconds:${q}_5m`,
  cacheHitRatio: "job:cache_requests:hit_ratio_rate5m",
  cacheHitRatio1h: "job:cache_requests:hit_ratio_rate1h",
  jobDurationP99: "job:background_job_duration_seconds:p99_30m",
  memoryBytes: "job:process_resident_memory_bytes:sum",
  memoryGrowth: "job:process_resident_memory_bytes:deriv1h",
} as const;

export const RECORDING_RULES: readonly RecordingRuleSpec[] = [
  rule(RECORD.requestRate, "requestRate", "5m", "traffic", "request rate (req/s)"),
  rule(RECORD.errorRate, "errorRate", "5m", "traffic", "5xx error rate (req/s)"),
  ...(["p50", "p90", "p99"] as const).map((q) =>
    rule(
      RECORD.latency(q),
      "latencyQuantile",
      "5m",
      "latency",
      `API latency ${q} (s)`,
      Number(q.slice(1)) / 100,
    ),
  ),
  rule(RECORD.dbRate, "dbRate", "5m", "database", "database operations (ops/s)"),
  rule(RECORD.dbLatency("p50"), "dbQuantile", "5m", "database", "database operation latency p50 (s)", 0.5),
  rule(RECORD.dbLatency("p99"), "dbQuantile", "5m", "database", "database operation latency p99 (s)", 0.99),
  rule(RECORD.cacheHitRatio, "cacheHitRatio", "5m", "cache", "cache hit ratio (0-1)"),
  rule(
    RECORD.cacheHitRatio1h,
    "cacheHitRatio",
    "1h",
    "cache",
    "cache hit ratio over the last hour, the baseline for drops (0-1)",
  ),
  rule(
    RECORD.jobDurationP99,
    "jobQuantile",
    "30m",
    "jobs",
    "background job duration p99 (s); 30m because jobs are rare",
    0.99,
  ),
  rule(RECORD.memoryBytes, "memoryBytes", "", "memory", "resident memory, all instances (bytes)"),
  rule(RECORD.memoryGrowth, "memoryGrowth", "1h", "memory", "memory growth (bytes/s, slope over 1h)"),
  ...SLO_WINDOWS.map((w) =>
    rule(RECORD.errorRatio(w), "errorRatio", w, "slo", `5xx error ratio over ${w} (availability SLI)`),
  ),
  ...SLO_WINDOWS.map((w) =>
    rule(
      RECORD.slowRatio(w),
      "slowRatio",
      w,
      "slo",
      `ratio of requests over the latency threshold over ${w} (latency SLI)`,
    ),
  ),
];

/** A regex matching how client libraries print a bucket bound: 1, 1.0, 0.5, 0.50. */
export function leRegex(seconds: number): string {
  const s = String(seconds).replace(".", "\\\\.");
  return Number.isInteger(seconds) ? `${s}(\\\\.0+)?` : `${s}0*`;
}

export interface QueryContext {
  job: string;
  latencyThresholdSeconds: number;
  /** The service's overrides by query id (templates with the same placeholders). */
  overrides?: Partial<Record<QueryId, string>>;
}

export function fillTemplate(template: string, ctx: QueryContext, window: string, quantile?: number): string {
  return template
    .replaceAll("{{job}}", ctx.job)
    .replaceAll("{{window}}", window)
    .replaceAll("{{quantile}}", String(quantile ?? 0.99))
    .replaceAll("{{le}}", leRegex(ctx.latencyThresholdSeconds));
}

/** The PromQL of one recording rule for one service, with the service's override if it has one. */
export function recordingExpr(r: RecordingRuleSpec, ctx: QueryContext): string {
  const template = ctx.overrides?.[r.query] ?? QUERY_TEMPLATES[r.query].template;
  return fillTemplate(template, ctx, r.window, r.quantile);
}
