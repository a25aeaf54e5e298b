import {
  CALL_FAILED_STATUS_REGEX,
  ERROR_STATUS_REGEX,
  METRIC_CONTRACT,
  type MetricId,
} from "./metric-contract";

/**
 * Recording rules in `level:metric:operations` form; every recorded series carries `namespace` and
 * `job` (one pair per service). Each rule evaluates the whole fleet at once (`sum by (namespace,
 * job)`); a service that
 * overrides the underlying query (`services[].queries`) gets its own rule for that query and is
 * left out of the fleet rule. Dashboards and alerts read these names, never the raw metrics.
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

/**
 * The labels that identify a service's series: `job` alone is not unique in a shared cluster
 * (prometheus-operator sets it to the Kubernetes Service's name, and another team's Service may be
 * called `api` too), the Service's namespace with it is. Every aggregation and join keeps both.
 */
export const SERVICE_LABELS = "namespace, job";

export interface QueryTemplate {
  id: QueryId;
  reads: MetricId[];
  meaning: string;
  /**
   * PromQL with placeholders: {{job}} (service name), {{namespace}} (the service's Kubernetes
   * namespace), {{window}} (range), {{quantile}} (0-1),
   * {{le}} (a regex matching the `le` label of the service's latency threshold bucket).
   */
  template: string;
}

const http = METRIC_CONTRACT.httpServerDuration.name;
const db = METRIC_CONTRACT.dbClientDuration.name;
const mem = METRIC_CONTRACT.processMemory.name;
const cache = METRIC_CONTRACT.cacheRequests.name;
const jobs = METRIC_CONTRACT.backgroundJobDuration.name;

/**
 * How a query reads its series. The same query is written twice from one definition: per service
 * (the template an override replaces, `{namespace="{{namespace}}",job="{{job}}"}` and plain `sum`)
 * and for the whole fleet (`sum by (namespace, job)` over every service at once, minus the
 * services that override it).
 */
export interface QueryShape {
  /** The label matchers of a contract series, with `extra` matchers appended. */
  sel(extra?: string): string;
  /** An aggregation that keeps `by` (and, for the fleet, SERVICE_LABELS). */
  sum(by?: string): string;
  /** What stands in for "no matching series" where there is traffic: 0 per service. */
  zero(total: string): string;
  window: string;
  quantile: string;
  le: string;
}

const PER_SERVICE: QueryShape = {
  sel: (extra = "") => `{namespace="{{namespace}}",job="{{job}}"${extra}}`,
  sum: (by) => (by ? `sum by (${by})` : "sum"),
  // A single service: its rate is 0, not absent, when it never failed.
  zero: () => "vector(0)",
  window: "{{window}}",
  quantile: "{{quantile}}",
  le: "{{le}}",
};

/**
 * The fleet form: `jobMatcher` is `job!~"a|b"` (the services that override this query) or
 * `job=~"a|b"` (a latency-threshold group), or empty for every service.
 */
export function fleetShape(jobMatcher: string, window: string, quantile = 0.99, le = ""): QueryShape {
  return {
    sel: (extra = "") => {
      const m = [jobMatcher, extra.replace(/^,/, "")].filter(Boolean).join(",");
      return m ? `{${m}}` : "";
    },
    // No space before the by-less form's "(": the templates write `${sum()}(rate(...))`.
    sum: (by) => (by ? `sum by (${SERVICE_LABELS}, ${by})` : `sum by (${SERVICE_LABELS}) `),
    // `vector(0)` has no job label: per service, "traffic but no 5xx" is the traffic times 0.
    zero: (total) => `(${total} * 0)`,
    window,
    quantile: String(quantile),
    le,
  };
}

const errorsOf = (s: QueryShape) =>
  `${s.sum()}(rate(${http}_count${s.sel(`,http_response_status_code=~"${ERROR_STATUS_REGEX}"`)}[${s.window}]))`;
const totalOf = (s: QueryShape) => `${s.sum()}(rate(${http}_count${s.sel()}[${s.window}]))`;
const fastOf = (s: QueryShape) => `${s.sum()}(rate(${http}_bucket${s.sel(`,le=~"${s.le}"`)}[${s.window}]))`;

interface QueryDefinition {
  id: QueryId;
  reads: MetricId[];
  meaning: string;
  build(s: QueryShape): string;
}

const DEFINITIONS: readonly QueryDefinition[] = [
  { id: "requestRate", reads: ["httpServerDuration"], meaning: "requests per second", build: totalOf },
  {
    id: "errorRate",
    reads: ["httpServerDuration"],
    meaning: "5xx responses per second",
    // A service that never failed has no 5xx series: its rate is 0, not absent.
    build: (s) => `(${errorsOf(s)} or ${s.zero(totalOf(s))})`,
  },
  {
    id: "errorRatio",
    reads: ["httpServerDuration"],
    meaning: "fraction of requests answered with 5xx",
    build: (s) => `(${errorsOf(s)} or ${s.zero(totalOf(s))}) / ${totalOf(s)}`,
  },
  {
    id: "slowRatio",
    reads: ["httpServerDuration"],
    meaning: "fraction of requests slower than the service's latency threshold",
    build: (s) => `1 - (${fastOf(s)} / ${totalOf(s)})`,
  },
  {
    id: "latencyQuantile",
    reads: ["httpServerDuration"],
    meaning: "request latency quantile in seconds",
    build: (s) =>
      `histogram_quantile(${s.quantile}, ${s.sum("le")} (rate(${http}_bucket${s.sel()}[${s.window}])))`,
  },
  {
    id: "dbRate",
    reads: ["dbClientDuration"],
    meaning: "database operations per second",
    build: (s) => `${s.sum()}(rate(${db}_count${s.sel()}[${s.window}]))`,
  },
  {
    id: "dbQuantile",
    reads: ["dbClientDuration"],
    meaning: "database operation latency quantile in seconds",
    build: (s) =>
      `histogram_quantile(${s.quantile}, ${s.sum("le")} (rate(${db}_bucket${s.sel()}[${s.window}])))`,
  },
  {
    id: "cacheHitRatio",
    reads: ["cacheRequests"],
    meaning: "fraction of cache lookups that hit",
    build: (s) => {
      const all = `${s.sum()}(rate(${cache}${s.sel()}[${s.window}]))`;
      return `(${s.sum()}(rate(${cache}${s.sel(',result="hit"')}[${s.window}])) or ${s.zero(all)}) / ${all}`;
    },
  },
  {
    id: "jobQuantile",
    reads: ["backgroundJobDuration"],
    meaning: "background job duration quantile in seconds",
    build: (s) =>
      `histogram_quantile(${s.quantile}, ${s.sum("le")} (rate(${jobs}_bucket${s.sel()}[${s.window}])))`,
  },
  {
    id: "memoryBytes",
    reads: ["processMemory"],
    meaning: "resident memory of all instances in bytes",
    build: (s) => `${s.sum()}(${mem}${s.sel()})`,
  },
  {
    id: "memoryGrowth",
    reads: ["processMemory"],
    meaning: "memory growth of all instances in bytes per second (least-squares slope)",
    build: (s) => `${s.sum()}(deriv(${mem}${s.sel()}[${s.window}]))`,
  },
];

const definition = (id: QueryId): QueryDefinition => DEFINITIONS.find((d) => d.id === id)!;

/** The per-service templates: what `services[].queries.<id>` replaces, and what docs show. */
export const QUERY_TEMPLATES: Readonly<Record<QueryId, QueryTemplate>> = Object.fromEntries(
  DEFINITIONS.map((d) => [
    d.id,
    { id: d.id, reads: d.reads, meaning: d.meaning, template: d.build(PER_SERVICE) },
  ]),
) as Record<QueryId, QueryTemplate>;

/** The fleet form of a query, for every service `jobMatcher` selects. */
export const fleetExpr = (id: QueryId, shape: QueryShape): string => definition(id).build(shape);

/**
 * Slow requests per second at a latency threshold, from the recorded bucket rates alone: the `+Inf`
 * bucket (every request) minus the threshold's bucket. `le` is matched by a regex, whatever form the
 * bound was stored in. A service without buckets records nothing here, and LatencySLIBucketMissing
 * says so; its request rate still comes from the raw `_count`.
 */
export const slowRateExpr = (shape: QueryShape): string =>
  `sum by (${SERVICE_LABELS}) (${RECORD.httpBucketRates}${shape.sel(',le="+Inf"')}) - on (${SERVICE_LABELS}) sum by (${SERVICE_LABELS}) (${RECORD.httpBucketRates}${shape.sel(`,le=~"${shape.le}"`)})`;

/** The fleet form of a quantile from recorded per-(service, le) bucket rates. */
const quantileFrom = (bucketRates: string) => (s: QueryShape) =>
  `histogram_quantile(${s.quantile}, ${bucketRates}${s.sel()})`;

/** Per-(service, le) bucket rates of a histogram over the raw series: the one read of its buckets. */
const bucketRatesOf = (metric: string) => (s: QueryShape) =>
  `sum by (${SERVICE_LABELS}, le) (rate(${metric}_bucket${s.sel()}[${s.window}]))`;

/** Placeholders an override of each query must keep: the recording rules vary them. */
export const QUERY_PLACEHOLDERS: Readonly<Record<QueryId, string[]>> = Object.fromEntries(
  QUERY_IDS.map((id) => [
    id,
    ["{{window}}", "{{quantile}}"].filter((p) => QUERY_TEMPLATES[id].template.includes(p)),
  ]),
) as Record<QueryId, string[]>;

export type RuleTopic =
  | "traffic"
  | "latency"
  | "database"
  | "cache"
  | "jobs"
  | "memory"
  | "slo"
  | "external"
  | "dependencies"
  | "resources"
  | "usage";

export interface RecordingRuleSpec {
  /**
   * `level:metric:operations`; the level is always `job`, one series per service (labelled with
   * SERVICE_LABELS: the name keeps the short level that dashboards and runbooks already read).
   */
  record: string;
  query: QueryId;
  window: string;
  quantile?: number;
  topic: RuleTopic;
  meaning: string;
  /**
   * A ratio derived from two 5m records instead of rate() over the raw series
   * (docs/design/metrics.md): `instant` divides them as they are (the 5m window); `sum` is
   * sum_over_time(numerator) / sum_over_time(denominator) over the window; `tiles` adds the 5m
   * rates 0, 5, 10, … minutes ago, which lie end to end over the window.
   */
  over?: { numerator: string; denominator: string; method: "instant" | "sum" | "tiles" };
  /**
   * The fleet form when it reads other records rather than the query's raw series (the per-service
   * template of `query` stays what an override replaces).
   */
  fleet?: (shape: QueryShape) => string;
  /**
   * Recorded only as an input of other records, for every job that has the series: never left out
   * of the fleet, never overridden.
   */
  helper?: boolean;
  /**
   * Query ids whose override takes a service out of this rule's fleet form (default: `query`); such
   * a service gets its own rule from its `query` template over the raw series.
   */
  dependsOn?: QueryId[];
  /** Slow requests per second (an input of the long latency windows), not the query itself. */
  slowRate?: boolean;
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
  httpBucketRates: "job_le:http_server_request_duration_seconds_bucket:rate5m",
  dbBucketRates: "job_le:db_client_operation_duration_seconds_bucket:rate5m",
  requestRate: "job:http_server_requests:rate5m",
  errorRate: "job:http_server_request_errors:rate5m",
  slowRate: "job:http_server_request_slow:rate5m",
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
  callRate: "job_server:http_client_requests:rate5m",
  callFailedRatio: "job_server:http_client_requests_failed:ratio_rate5m",
  callP99: "job_server:http_client_request_duration_seconds:p99_5m",
  dependencyUp: "job_instance:probe_success:avg5m",
} as const;

/**
 * SLO windows derived from the 5m records by a sum over time. Each sum counts the last five
 * minutes only partly (it lags by up to 5 minutes, docs/design/metrics.md): harmless for 2h and
 * more, but on the paging pair's windows it would delay the page for a total outage from 1 to 3
 * minutes.
 */
export const LONG_WINDOWS: readonly SloWindow[] = ["2h", "6h", "1d", "3d"];
/** Windows derived from the 5m records laid end to end: exact at the edges, 6 and 12 lookups. */
export const TILED_WINDOWS: readonly SloWindow[] = ["30m", "1h"];
/** Every SLO window derived from the 5m records. */
export const DERIVED_WINDOWS: readonly SloWindow[] = [...TILED_WINDOWS, ...LONG_WINDOWS];

/** The SLI ratio over window `w`: raw for the short windows, from the 5m records for the long ones. */
function sloRule(kind: "errorRatio" | "slowRatio", w: SloWindow): RecordingRuleSpec {
  const meaning =
    kind === "errorRatio"
      ? `5xx error ratio over ${w} (availability SLI)`
      : `ratio of requests over the latency threshold over ${w} (latency SLI)`;
  const base = rule(RECORD[kind](w), kind, w, "slo", meaning);
  const numerator = kind === "errorRatio" ? RECORD.errorRate : RECORD.slowRate;
  const method = !DERIVED_WINDOWS.includes(w) ? "instant" : TILED_WINDOWS.includes(w) ? "tiles" : "sum";
  const how = {
    instant: "the 5m records divided",
    tiles: "the 5m records laid end to end",
    sum: "a sum over time of the 5m records",
  }[method];
  return {
    ...base,
    meaning: `${meaning}; ${how}`,
    over: { numerator, denominator: RECORD.requestRate, method },
    dependsOn:
      kind === "errorRatio" ? ["errorRatio", "errorRate", "requestRate"] : ["slowRatio", "requestRate"],
  };
}

export const RECORDING_RULES: readonly RecordingRuleSpec[] = [
  // The raw HTTP buckets are read once: the latency SLI and the quantiles read this.
  {
    ...rule(
      RECORD.httpBucketRates,
      "latencyQuantile",
      "5m",
      "latency",
      "requests per second per bucket bound `le` (helper: the latency SLI and the quantiles read it)",
    ),
    fleet: bucketRatesOf(http),
    helper: true,
  },
  // Requests and their errors read the raw `_count`: availability must not depend on the buckets.
  rule(RECORD.requestRate, "requestRate", "5m", "traffic", "request rate (req/s)"),
  {
    ...rule(RECORD.errorRate, "errorRate", "5m", "traffic", "5xx error rate (req/s)"),
    // Traffic but no 5xx is 0 per job: the recorded request rate times 0.
    fleet: (s) => `(${errorsOf(s)} or (${RECORD.requestRate}${s.sel()} * 0))`,
    dependsOn: ["errorRate", "requestRate"],
  },
  {
    ...rule(
      RECORD.slowRate,
      "slowRatio",
      "5m",
      "slo",
      "requests over the latency threshold per second, the numerator of the latency SLI (req/s)",
    ),
    slowRate: true,
  },
  ...(["p50", "p90", "p99"] as const).map((q) => ({
    ...rule(
      RECORD.latency(q),
      "latencyQuantile",
      "5m",
      "latency",
      `API latency ${q} (s)`,
      Number(q.slice(1)) / 100,
    ),
    fleet: quantileFrom(RECORD.httpBucketRates),
  })),
  {
    ...rule(
      RECORD.dbBucketRates,
      "dbQuantile",
      "5m",
      "database",
      "database operations per second per bucket bound `le` (helper: the quantiles read it)",
    ),
    fleet: bucketRatesOf(db),
    helper: true,
  },
  rule(RECORD.dbRate, "dbRate", "5m", "database", "database operations (ops/s)"),
  ...(["p50", "p99"] as const).map((q) => ({
    ...rule(
      RECORD.dbLatency(q),
      "dbQuantile",
      "5m",
      "database",
      `database operation latency ${q} (s)`,
      Number(q.slice(1)) / 100,
    ),
    fleet: quantileFrom(RECORD.dbBucketRates),
  })),
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
  ...SLO_WINDOWS.map((w) => sloRule("errorRatio", w)),
  ...SLO_WINDOWS.map((w) => sloRule("slowRatio", w)),
];

/** Minutes of a window such as 30m, 1h, 2d. */
const minutes = (w: string): number => {
  const m = /^(\d+)([mhd])$/.exec(w);
  if (!m) throw new Error(`not a window of minutes, hours or days: ${w}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
};

/**
 * The sum of a 5m record over a window, laid end to end: the rates now, 5m ago, 10m ago, …
 * Evaluation timestamps repeat every interval, which divides 5m, so each lookup hits a sample of
 * exactly that instant and the tiles neither overlap nor leave gaps. Each tile is labelled apart
 * so that the union keeps them all and `sum by (namespace, job)` adds what there is: a job with less history
 * than the window gets the tiles it has.
 */
function tiles(record: string, window: string): string {
  return `sum by (${SERVICE_LABELS}) (${Array.from({ length: minutes(window) / 5 }, (_, k) =>
    k === 0 ? record : `label_replace(${record} offset ${5 * k}m, "tile", "${k}", "", "")`,
  ).join(" or ")})`;
}

/** The PromQL of a ratio derived from 5m records, for the services `jobMatcher` selects. */
export function overTimeExpr(
  over: NonNullable<RecordingRuleSpec["over"]>,
  window: string,
  jobMatcher: string,
) {
  const sel = jobMatcher ? `{${jobMatcher}}` : "";
  if (over.method === "instant") return `${over.numerator}${sel} / ${over.denominator}${sel}`;
  if (over.method === "tiles")
    return `${tiles(`${over.numerator}${sel}`, window)} / ${tiles(`${over.denominator}${sel}`, window)}`;
  return `sum_over_time(${over.numerator}${sel}[${window}]) / sum_over_time(${over.denominator}${sel}[${window}])`;
}

/** A regex matching how client libraries print a bucket bound: 1, 1.0, 0.5, 0.50. */
export function leRegex(seconds: number): string {
  const s = String(seconds).replace(".", "\\\\.");
  return Number.isInteger(seconds) ? `${s}(\\\\.0+)?` : `${s}0*`;
}

export interface QueryContext {
  job: string;
  namespace: string;
  latencyThresholdSeconds: number;
  /** The service's overrides by query id (templates with the same placeholders). */
  overrides?: Partial<Record<QueryId, string>>;
}

export function fillTemplate(template: string, ctx: QueryContext, window: string, quantile?: number): string {
  return template
    .replaceAll("{{job}}", ctx.job)
    .replaceAll("{{namespace}}", ctx.namespace)
    .replaceAll("{{window}}", window)
    .replaceAll("{{quantile}}", String(quantile ?? 0.99))
    .replaceAll("{{le}}", leRegex(ctx.latencyThresholdSeconds));
}

/** The PromQL of one recording rule for one service, with the service's override if it has one. */
export function recordingExpr(r: RecordingRuleSpec, ctx: QueryContext): string {
  const template = ctx.overrides?.[r.query] ?? QUERY_TEMPLATES[r.query].template;
  return fillTemplate(template, ctx, r.window, r.quantile);
}

// ---- Outbound calls and declared dependencies ---------------------------------------------------

/**
 * The dependency probes' series (infra/generators/dependencies/): the blackbox exporter's
 * `probe_success` per target, scraped under this `job`, each target labelled with the service that
 * declared it (`service`, `service_namespace`) and the dependency's `priority`. Their own
 * `namespace` is the Probe's, the metrics namespace, as prometheus-operator labels a Probe's
 * series; the records below give them the service's namespace and job instead.
 */
export const DEPENDENCY_PROBE = {
  job: "dependency-probe",
  labels: { service: "service", namespace: "service_namespace", priority: "priority" },
} as const;

/** Labels of the outbound-call records: a service and one of its destinations. */
const DESTINATION = `${SERVICE_LABELS}, server_address`;
/** The destination series of no name: instrumentation without `server_address`, or a host literally called so. */
export const OTHER_DESTINATION = "other";

/** What the fleet-only records need of the stack config. */
export interface FleetRecordInput {
  /** Destinations kept by name per service (`metrics.externalCalls.topDestinations`). */
  topDestinations: number;
  /** The metrics namespace: the Probes' series carry it. */
  probeNamespace: string;
}

/**
 * A record every service shares and none overrides (no `services[].queries` id): outbound calls
 * per destination, which bound their destinations with `topk`, and the dependency probes, which are
 * no series of the service's own. Evaluated in order in one group: the records of the kept
 * destinations are read by the records after them at the same instant.
 */
export interface FleetRecordSpec {
  record: string;
  window: string;
  topic: RuleTopic;
  meaning: string;
  reads: MetricId[];
  expr(input: FleetRecordInput): string;
}

const client = METRIC_CONTRACT.httpClientDuration.name;

/**
 * Each service's busiest `n` destinations by request rate over 5 minutes; a series without a
 * `server_address`, or one named `other`, is never among them. Ties are broken by topk (stable
 * within an evaluation).
 */
const topDestinations = (n: number) =>
  `topk by (${SERVICE_LABELS}) (${n}, sum by (${DESTINATION}) (rate(${client}_count{server_address!~"|${OTHER_DESTINATION}"}[5m])))`;

/** The destinations the request-rate record keeps by name, at this evaluation. */
const KEPT = `${RECORD.callRate}{server_address!="${OTHER_DESTINATION}"}`;

/**
 * `v` (by namespace, job, server_address and `by`) with every destination the rate record does not
 * keep added up into one series `server_address="other"` per service: its cardinality is the rate
 * record's, at most `topDestinations` + 1 per service, however many hosts a service calls.
 */
export function keepDestinations(v: string, by = "", kept = KEPT): string {
  const extra = by ? `, ${by}` : "";
  return `(${v} and on (${DESTINATION}) ${kept}) or label_replace(sum by (${SERVICE_LABELS}${extra}) (${v} unless on (${DESTINATION}) ${kept}), "server_address", "${OTHER_DESTINATION}", "", "")`;
}

export const FLEET_RECORDS: readonly FleetRecordSpec[] = [
  {
    record: RECORD.callRate,
    window: "5m",
    topic: "external",
    meaning:
      "outbound HTTP calls per second, per service and destination: the busiest `metrics.externalCalls.topDestinations` by name, the rest as `other` (req/s)",
    reads: ["httpClientDuration"],
    // The kept destinations, then everything else of the service (unnamed series too) as `other`.
    expr: ({ topDestinations: n }) =>
      `${topDestinations(n)} or label_replace(sum by (${SERVICE_LABELS}) (sum by (${DESTINATION}) (rate(${client}_count[5m])) unless on (${DESTINATION}) ${topDestinations(n)}), "server_address", "${OTHER_DESTINATION}", "", "")`,
  },
  {
    record: RECORD.callFailedRatio,
    window: "5m",
    topic: "external",
    meaning:
      "share of outbound calls that failed (5xx or no answer), per service and destination as the rate record keeps them (0-1)",
    reads: ["httpClientDuration"],
    // A destination without failed calls is 0, not absent: its rate times 0.
    expr: () =>
      `(${keepDestinations(`sum by (${DESTINATION}) (rate(${client}_count{http_response_status_code=~"${CALL_FAILED_STATUS_REGEX}"}[5m]))`)} or ${RECORD.callRate} * 0) / ${RECORD.callRate}`,
  },
  {
    record: RECORD.callP99,
    window: "5m",
    topic: "external",
    meaning: "outbound call latency p99, per service and destination as the rate record keeps them (s)",
    reads: ["httpClientDuration"],
    expr: () =>
      `histogram_quantile(0.99, ${keepDestinations(`sum by (${DESTINATION}, le) (rate(${client}_bucket[5m]))`, "le")})`,
  },
  {
    record: RECORD.dependencyUp,
    window: "5m",
    topic: "dependencies",
    meaning:
      "share of the probes of a declared dependency that succeeded over 5 minutes, per service (its namespace and job), dependency (`instance`) and `priority` (0-1)",
    reads: [],
    expr: ({ probeNamespace }) => {
      const l = DEPENDENCY_PROBE.labels;
      return `avg by (${SERVICE_LABELS}, instance, ${l.priority}) (label_replace(label_replace(avg_over_time(probe_success{job="${DEPENDENCY_PROBE.job}",namespace="${probeNamespace}"}[5m]), "job", "$1", "${l.service}", "(.+)"), "namespace", "$1", "${l.namespace}", "(.+)"))`;
    },
  },
];

// ---- Unclosed resources and resource usage (issue 26 §2) ---------------------------------------

/**
 * kube-prometheus-stack's scrape of the kubelet's cAdvisor endpoint (`kubelet.serviceMonitor
 * .cAdvisor`, on by default at the pinned chart): the ServiceMonitor's `jobLabel` makes `job`
 * "kubelet", `cAdvisorRelabelings` copy the path into `metrics_path`, as the chart's own rules
 * select them; kube-state-metrics' series have `job="kube-state-metrics"`.
 */
export const CADVISOR_SELECTOR = 'job="kubelet",metrics_path="/metrics/cadvisor",container!=""';
export const KUBE_STATE_METRICS_SELECTOR = 'job="kube-state-metrics"';

/** A leak is the floor of a resource rising: its minimum over this window, fitted over LEAK_FIT. */
export const LEAK_FLOOR_WINDOW = "1h";
export const LEAK_FIT_WINDOW = "6h";

export const RESOURCE_RECORD = {
  fdsFloor: "job_instance:process_open_fds:min1h",
  poolUsedFloor: "job_instance_pool:db_client_connections_used:min1h",
  threadsFloor: "job_instance:threads:min1h",
  exhaustionHours: "job_instance:resource_exhaustion:hours",
  cpuUsage: "job:container_cpu_usage:cores_rate5m",
  cpuRequests: "job:container_cpu_requests:cores",
  cpuLimits: "job:container_cpu_limits:cores",
  cpuThrottled: "job:container_cpu_cfs_throttled_periods:ratio_rate5m",
  memoryWorkingSet: "job:container_memory_working_set_bytes:sum",
  memoryLimits: "job:container_memory_limits:bytes",
  memoryLimitRatio: "job:container_memory_working_set_bytes:limit_ratio_max",
  jobItemsPerRun: "job_jobname:background_job_items:per_run_30m",
  jobSecondsPerItem: "job_jobname:background_job_seconds_per_item:30m",
} as const;

/** The resources whose exhaustion is predicted (`resource` label of the exhaustion record). */
export const LEAKING_RESOURCES = {
  fds: "file_descriptors",
  pool: "db_connections",
  goroutines: "goroutines",
  threads: "threads",
} as const;

const INSTANCE_LABELS = `${SERVICE_LABELS}, instance`;
const POOL_LABELS = `${INSTANCE_LABELS}, db_client_connection_pool_name`;
const INFO = "job:service:info";
const fds = METRIC_CONTRACT.processOpenFds.name;
const maxFds = METRIC_CONTRACT.processMaxFds.name;
const pool = METRIC_CONTRACT.dbConnectionCount.name;
const goroutines = METRIC_CONTRACT.goGoroutines.name;
const jvmThreads = METRIC_CONTRACT.jvmThreadCount.name;
const itemsTotal = METRIC_CONTRACT.backgroundJobItems.name;

/**
 * Each configured service's containers as Prometheus scrapes them: prometheus-operator gives a
 * ServiceMonitor's targets the `pod` and `container` of the endpoint (the container that declares
 * the metrics port). cAdvisor and kube-state-metrics label a container by namespace, pod and
 * container, so this is the join that gives them the service's `job`: the Service's own pods, the
 * app's container, not a sidecar, and no naming convention. One series per (service, pod,
 * container), value 1: a pod that two services select counts for both.
 */
export const SERVICE_CONTAINERS = `group by (${SERVICE_LABELS}, pod, container) (up{pod!="",container!=""} and on (${SERVICE_LABELS}) ${INFO})`;

/**
 * `v`, one value per (namespace, pod, container), added up per service over its containers. `v`
 * must be aggregated by exactly those labels: the join is many-to-one from the service's side.
 */
const perServiceContainers = (v: string, agg = "sum") =>
  `${agg} by (${SERVICE_LABELS}) (${SERVICE_CONTAINERS} * on (namespace, pod, container) group_left () ${v})`;

const byContainer = (agg: string, expr: string) => `${agg} by (namespace, pod, container) (${expr})`;
const ksm = (metric: string, resource: "cpu" | "memory") =>
  byContainer("max", `${metric}{${KUBE_STATE_METRICS_SELECTOR},resource="${resource}"}`);
const cadvisorRate = (metric: string) => byContainer("sum", `rate(${metric}{${CADVISOR_SELECTOR}}[5m])`);
// The same container may briefly have two series (a restart): the larger is its working set.
const workingSet = byContainer("max", `container_memory_working_set_bytes{${CADVISOR_SELECTOR}}`);

/**
 * Hours until a resource's floor reaches its limit, if it keeps rising as over LEAK_FIT_WINDOW;
 * none while it does not rise.
 */
const hoursToLimit = (limit: string, floor: string, on: string, resource: string) =>
  `label_replace((${limit} - on (${on}) ${floor}) / on (${on}) (deriv(${floor}[${LEAK_FIT_WINDOW}]) * 3600 > 0), "resource", "${resource}", "", "")`;

/**
 * Records of §2, one rule each for the whole fleet, none per service and none overridden: in one
 * group (`usage.recording`), in order, so the exhaustion record reads the floors recorded before it.
 */
export const RESOURCE_RECORDS: readonly FleetRecordSpec[] = [
  {
    record: RESOURCE_RECORD.fdsFloor,
    window: LEAK_FLOOR_WINDOW,
    topic: "resources",
    meaning:
      "fewest open file descriptors of each instance over the last hour: its floor, which a leak raises and busy hours do not (descriptors)",
    reads: ["processOpenFds"],
    expr: () =>
      `min by (${INSTANCE_LABELS}) (min_over_time(${fds}[${LEAK_FLOOR_WINDOW}])) and on (${SERVICE_LABELS}) ${INFO}`,
  },
  {
    record: RESOURCE_RECORD.poolUsedFloor,
    window: LEAK_FLOOR_WINDOW,
    topic: "resources",
    meaning:
      "fewest used connections of each instance's database pool over the last hour: the floor a connection leak raises (connections)",
    reads: ["dbConnectionCount"],
    expr: () =>
      `sum by (${POOL_LABELS}) (min_over_time(${pool}{db_client_connection_state="used"}[${LEAK_FLOOR_WINDOW}])) and on (${SERVICE_LABELS}) ${INFO}`,
  },
  {
    record: RESOURCE_RECORD.threadsFloor,
    window: LEAK_FLOOR_WINDOW,
    topic: "resources",
    meaning: `fewest goroutines (Go) or threads (JVM) of each instance over the last hour, \`resource\` saying which: the floor that goroutines blocked forever or threads never ended raise (goroutines or threads)`,
    reads: ["goGoroutines", "jvmThreadCount"],
    // JVM threads come split by state and daemon: each series' floor, added up, is the instance's.
    expr: () =>
      `(label_replace(min by (${INSTANCE_LABELS}) (min_over_time(${goroutines}[${LEAK_FLOOR_WINDOW}])), "resource", "${LEAKING_RESOURCES.goroutines}", "", "") or label_replace(sum by (${INSTANCE_LABELS}) (min_over_time(${jvmThreads}[${LEAK_FLOOR_WINDOW}])), "resource", "${LEAKING_RESOURCES.threads}", "", "")) and on (${SERVICE_LABELS}) ${INFO}`,
  },
  {
    record: RESOURCE_RECORD.exhaustionHours,
    window: LEAK_FIT_WINDOW,
    topic: "resources",
    meaning: `hours until an instance runs out of a resource (\`resource\`: ${LEAKING_RESOURCES.fds}, ${LEAKING_RESOURCES.pool} with \`db_client_connection_pool_name\`) or, for ${LEAKING_RESOURCES.goroutines} and ${LEAKING_RESOURCES.threads}, which have no limit, until its floor doubles, if the floor keeps rising as over the last ${LEAK_FIT_WINDOW}; absent while it does not rise (hours)`,
    reads: [
      "processOpenFds",
      "processMaxFds",
      "dbConnectionCount",
      "dbConnectionLimit",
      "goGoroutines",
      "jvmThreadCount",
    ],
    expr: () =>
      `${hoursToLimit(`max by (${INSTANCE_LABELS}) (${maxFds})`, RESOURCE_RECORD.fdsFloor, INSTANCE_LABELS, LEAKING_RESOURCES.fds)} or ${hoursToLimit(
        // The current name and its deprecated predecessor, whichever the instrumentation emits.
        `max by (${POOL_LABELS}) ({__name__=~"db_client_connection_(limit|max)"})`,
        RESOURCE_RECORD.poolUsedFloor,
        POOL_LABELS,
        LEAKING_RESOURCES.pool,
      )} or ${RESOURCE_RECORD.threadsFloor} / (deriv(${RESOURCE_RECORD.threadsFloor}[${LEAK_FIT_WINDOW}]) * 3600 > 0)`,
  },
  {
    record: RESOURCE_RECORD.cpuUsage,
    window: "5m",
    topic: "usage",
    meaning: "CPU the service's containers use, from cAdvisor (cores)",
    reads: [],
    expr: () => perServiceContainers(cadvisorRate("container_cpu_usage_seconds_total")),
  },
  {
    record: RESOURCE_RECORD.cpuRequests,
    window: "",
    topic: "usage",
    meaning: "CPU requests of the service's containers, from kube-state-metrics (cores)",
    reads: [],
    expr: () => perServiceContainers(ksm("kube_pod_container_resource_requests", "cpu")),
  },
  {
    record: RESOURCE_RECORD.cpuLimits,
    window: "",
    topic: "usage",
    meaning: "CPU limits of the service's containers that have one, from kube-state-metrics (cores)",
    reads: [],
    expr: () => perServiceContainers(ksm("kube_pod_container_resource_limits", "cpu")),
  },
  {
    record: RESOURCE_RECORD.cpuThrottled,
    window: "5m",
    topic: "usage",
    meaning:
      "share of the CFS periods of the service's containers in which they hit their CPU limit and were throttled (0-1); containers without a CPU limit have no periods",
    reads: [],
    expr: () =>
      `${perServiceContainers(cadvisorRate("container_cpu_cfs_throttled_periods_total"))} / ${perServiceContainers(cadvisorRate("container_cpu_cfs_periods_total"))}`,
  },
  {
    record: RESOURCE_RECORD.memoryWorkingSet,
    window: "",
    topic: "usage",
    meaning: "working set memory of the service's containers, from cAdvisor (bytes)",
    reads: [],
    expr: () => perServiceContainers(workingSet),
  },
  {
    record: RESOURCE_RECORD.memoryLimits,
    window: "",
    topic: "usage",
    meaning: "memory limits of the service's containers that have one, from kube-state-metrics (bytes)",
    reads: [],
    expr: () => perServiceContainers(ksm("kube_pod_container_resource_limits", "memory")),
  },
  {
    record: RESOURCE_RECORD.memoryLimitRatio,
    window: "",
    topic: "usage",
    meaning:
      "working set of the service's fullest container as a share of its memory limit, where the OOM killer acts (0-1); containers without a limit are left out",
    reads: [],
    expr: () =>
      perServiceContainers(`(${workingSet} / ${ksm("kube_pod_container_resource_limits", "memory")})`, "max"),
  },
  {
    record: RESOURCE_RECORD.jobItemsPerRun,
    window: "30m",
    topic: "jobs",
    meaning: "items processed per finished run, per service and `job_name`, over 30 minutes (items)",
    reads: ["backgroundJobItems", "backgroundJobDuration"],
    expr: () =>
      `sum by (${SERVICE_LABELS}, job_name) (increase(${itemsTotal}[30m])) / sum by (${SERVICE_LABELS}, job_name) (increase(${jobs}_count[30m]))`,
  },
  {
    record: RESOURCE_RECORD.jobSecondsPerItem,
    window: "30m",
    topic: "jobs",
    meaning:
      "seconds of job run time per item processed, per service and `job_name`, over 30 minutes: flat while inputs grow is linear work, rising is worse (s)",
    reads: ["backgroundJobItems", "backgroundJobDuration"],
    expr: () =>
      `sum by (${SERVICE_LABELS}, job_name) (rate(${jobs}_sum[30m])) / sum by (${SERVICE_LABELS}, job_name) (rate(${itemsTotal}[30m]))`,
  },
];

/** Every record of the catalog as docs and dashboards list it: the overridable ones, then the fleet-only. */
export const ALL_RECORDS: readonly {
  record: string;
  topic: RuleTopic;
  window: string;
  meaning: string;
  query?: QueryId;
}[] = [...RECORDING_RULES, ...FLEET_RECORDS, ...RESOURCE_RECORDS];
