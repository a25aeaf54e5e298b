/**
 * The application metric contract: what every monitored service is expected to expose, in
 * Prometheus form, with the service name in the `job` label. Recording rules, alerts, dashboards
 * and docs/metrics.md (generated) all derive from this list. Where OpenTelemetry has a semantic
 * convention we use its Prometheus translation (dots become underscores, the unit becomes a
 * suffix); where it has none (cache lookups, background jobs) the names are ours.
 */

export type MetricType = "histogram" | "counter" | "gauge";

/** Where a name comes from: an OTel semantic convention, the Prometheus client libraries' process collector, or this project. */
export type MetricOrigin = "otel-semconv" | "prometheus-client" | "ours";

export interface ContractLabel {
  name: string;
  meaning: string;
  /** Values the rules rely on, when the rules match on specific values. */
  values?: string;
}

export interface ContractMetric {
  /** Stable identifier used by recording rules and dashboards. */
  id: MetricId;
  /** Base name as Prometheus sees it (histograms add _bucket, _count and _sum). */
  name: string;
  type: MetricType;
  unit: string;
  origin: MetricOrigin;
  /** The OpenTelemetry instrument name this is the Prometheus form of, where there is one. */
  otelName?: string;
  labels: ContractLabel[];
  meaning: string;
}

export const METRIC_IDS = [
  "httpServerDuration",
  "httpClientDuration",
  "dbClientDuration",
  "processMemory",
  "cacheRequests",
  "backgroundJobDuration",
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

const JOB: ContractLabel = {
  name: "job",
  meaning: "the service name, as listed in the stack config's `services` (set by the ServiceMonitor)",
};

const NAMESPACE: ContractLabel = {
  name: "namespace",
  meaning:
    "the service's Kubernetes namespace (`services[].namespace`), set by Prometheus from the ServiceMonitor's target; rules and alerts tell same-named services apart by it, so a target scraped without it (a static scrape config) is not the configured service",
};

export const METRIC_CONTRACT: Readonly<Record<MetricId, ContractMetric>> = {
  httpServerDuration: {
    id: "httpServerDuration",
    name: "http_server_request_duration_seconds",
    type: "histogram",
    unit: "seconds",
    origin: "otel-semconv",
    otelName: "http.server.request.duration",
    labels: [
      JOB,
      NAMESPACE,
      {
        name: "http_response_status_code",
        meaning: "HTTP status code of the response",
        values: "5xx count as errors",
      },
      { name: "http_request_method", meaning: "HTTP method" },
      { name: "http_route", meaning: "matched route template (low cardinality)" },
      {
        name: "le",
        meaning: "histogram bucket bound; must include each service's `slo.latencyThresholdSeconds`",
      },
    ],
    meaning:
      "Duration of HTTP requests the service handled: request rate, error rate and API latency (p50/p90/p99).",
  },
  httpClientDuration: {
    id: "httpClientDuration",
    name: "http_client_request_duration_seconds",
    type: "histogram",
    unit: "seconds",
    origin: "otel-semconv",
    otelName: "http.client.request.duration",
    labels: [
      JOB,
      NAMESPACE,
      {
        name: "server_address",
        meaning: "host the service called (OTel `server.address`); a series without it counts under `other`",
      },
      {
        name: "http_response_status_code",
        meaning:
          "status code of the answer; absent when none came (OTel then sets `error_type`, e.g. `timeout`)",
        values: "5xx and no answer count as failed calls",
      },
      { name: "http_request_method", meaning: "HTTP method" },
      { name: "le", meaning: "histogram bucket bound" },
    ],
    meaning:
      "Duration of outbound HTTP calls the service made: external API calls per destination (rate, failed-call ratio, p99).",
  },
  dbClientDuration: {
    id: "dbClientDuration",
    name: "db_client_operation_duration_seconds",
    type: "histogram",
    unit: "seconds",
    origin: "otel-semconv",
    otelName: "db.client.operation.duration",
    labels: [
      JOB,
      NAMESPACE,
      { name: "db_system_name", meaning: "database system, e.g. postgresql" },
      { name: "db_operation_name", meaning: "operation, e.g. SELECT" },
      { name: "le", meaning: "histogram bucket bound" },
    ],
    meaning: "Duration of database client operations: database query performance (p99 and rate).",
  },
  processMemory: {
    id: "processMemory",
    name: "process_resident_memory_bytes",
    type: "gauge",
    unit: "bytes",
    origin: "prometheus-client",
    labels: [JOB, NAMESPACE, { name: "instance", meaning: "scraped pod endpoint" }],
    meaning:
      "Resident memory of the process (every Prometheus client's process collector): memory growth and leaks.",
  },
  cacheRequests: {
    id: "cacheRequests",
    name: "cache_requests_total",
    type: "counter",
    unit: "requests",
    origin: "ours",
    labels: [
      JOB,
      NAMESPACE,
      { name: "result", meaning: "outcome of the lookup", values: "hit | miss" },
      { name: "cache_name", meaning: "which cache (optional)" },
    ],
    meaning: "Cache lookups by result: cache hit ratio = hits / (hits + misses).",
  },
  backgroundJobDuration: {
    id: "backgroundJobDuration",
    name: "background_job_duration_seconds",
    type: "histogram",
    unit: "seconds",
    origin: "ours",
    labels: [
      JOB,
      NAMESPACE,
      { name: "job_name", meaning: "kind of background job (the `job` label is taken by the service)" },
      { name: "outcome", meaning: "how the run ended", values: "success | failure" },
      {
        name: "le",
        meaning:
          "histogram bucket bound; a finite bound must lie above `metrics.alerts.jobP99Seconds` (a p99 never exceeds the highest finite bound)",
      },
    ],
    meaning: "Duration of finished background job runs: background job duration (p99).",
  },
};

export const contractMetrics = (): ContractMetric[] => METRIC_IDS.map((id) => METRIC_CONTRACT[id]);

/** The series names a metric produces in Prometheus (histograms expose three). */
export function seriesNames(metric: ContractMetric): string[] {
  return metric.type === "histogram"
    ? ["_bucket", "_count", "_sum"].map((s) => metric.name + s)
    : [metric.name];
}

/** Status codes that count against the availability SLO. */
export const ERROR_STATUS_REGEX = "5..";

/**
 * Outbound calls that failed: a 5xx answer, or none at all. OpenTelemetry's HTTP clients leave
 * `http_response_status_code` out when no answer came (a timeout, a refused connection), and a
 * matcher's empty alternative matches a missing label. A 4xx is the caller's request refused, not
 * the dependency failing, as on the server side.
 */
export const CALL_FAILED_STATUS_REGEX = "5..|";
