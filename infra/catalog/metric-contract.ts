/**
 * The application metric contract: what every monitored service is expected to expose, in
 * Prometheus form, with the service name in the `job` label. Recording rules, alerts, dashboards
 * and docs/metrics.md (generated) all derive from this list. Where OpenTelemetry has a semantic
 * convention we use its Prometheus translation (dots become underscores, the unit becomes a
 * suffix); where it has none (cache lookups, background jobs) the names are ours.
 */

export type MetricType = "histogram" | "counter" | "gauge";

/** Where a name comes from: an OTel semantic convention, the Prometheus client libraries' process collector, or this project. */
export type MetricOrigin = "otel-semconv" | "prometheus-client" | "ours" | "cadvisor" | "kube-state-metrics";

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
  /** Exposed only by some runtimes or libraries: when, and what is missing without it. */
  optional?: string;
}

export const METRIC_IDS = [
  "httpServerDuration",
  "httpClientDuration",
  "dbClientDuration",
  "processMemory",
  "cacheRequests",
  "backgroundJobDuration",
  // Unclosed resources and large inputs (issue 26 §2): RESOURCE_CONTRACT below.
  "processOpenFds",
  "processMaxFds",
  "dbConnectionCount",
  "dbConnectionPending",
  "dbConnectionLimit",
  "goGoroutines",
  "jvmThreadCount",
  "backgroundJobItems",
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

const INSTANCE: ContractLabel = { name: "instance", meaning: "scraped pod endpoint" };

const POOL: ContractLabel = {
  name: "db_client_connection_pool_name",
  meaning: "the pool (OTel `db.client.connection.pool.name`, required): unique within the service",
};

/**
 * Unclosed resources and the size of background work (issue 26 §2). File descriptors and
 * goroutines come from the Prometheus client libraries' collectors (a real Prometheus exposes them
 * about itself: tests/resources/exporters.test.ts); the pool metrics are OpenTelemetry's
 * `db.client.connection.*` (@opentelemetry/semantic-conventions 1.45: an UpDownCounter becomes a
 * gauge, the annotation unit `{connection}` adds no suffix, attribute dots become underscores).
 */
const RESOURCE_CONTRACT = {
  processOpenFds: {
    id: "processOpenFds",
    name: "process_open_fds",
    type: "gauge",
    unit: "file descriptors",
    origin: "prometheus-client",
    labels: [JOB, NAMESPACE, INSTANCE],
    meaning:
      "Open file descriptors of the process (sockets, files, pipes): unclosed connections and files show as a floor that only rises.",
    optional:
      "Linux processes only (the collector reads /proc); OTel-only runtimes export `process.unix.file_descriptor.count` instead, which a query override can map.",
  },
  processMaxFds: {
    id: "processMaxFds",
    name: "process_max_fds",
    type: "gauge",
    unit: "file descriptors",
    origin: "prometheus-client",
    labels: [JOB, NAMESPACE, INSTANCE],
    meaning:
      "The process's limit of open file descriptors (RLIMIT_NOFILE): what a descriptor leak runs into.",
    optional: "exported with `process_open_fds`; without it no exhaustion is predicted for descriptors.",
  },
  dbConnectionCount: {
    id: "dbConnectionCount",
    name: "db_client_connection_count",
    type: "gauge",
    unit: "connections",
    origin: "otel-semconv",
    otelName: "db.client.connection.count",
    labels: [
      JOB,
      NAMESPACE,
      INSTANCE,
      {
        name: "db_client_connection_state",
        meaning: "OTel `db.client.connection.state`",
        values: "idle | used (used connections that never return are the leak)",
      },
      POOL,
    ],
    meaning:
      "Connections of a database client pool by state: a pool whose used connections only grow leaks them.",
    // The OpenTelemetry Java agent keeps the pre-1.26 names (db.client.connections.usage, attributes
    // pool.name and state) until OTEL_SEMCONV_STABILITY_OPT_IN=database: no series of ours then.
    optional:
      "services with a database connection pool whose instrumentation emits it under the current names: one still on the pre-1.26 names (`db_client_connections_usage`, the OpenTelemetry Java agent's default until `OTEL_SEMCONV_STABILITY_OPT_IN=database`) feeds no pool record.",
  },
  dbConnectionPending: {
    id: "dbConnectionPending",
    name: "db_client_connection_pending_requests",
    type: "gauge",
    unit: "requests",
    origin: "otel-semconv",
    otelName: "db.client.connection.pending_requests",
    labels: [JOB, NAMESPACE, INSTANCE, POOL],
    meaning: "Requests waiting for a connection of the pool: above zero for long, the pool is exhausted.",
    optional: "as `db_client_connection_count`.",
  },
  dbConnectionLimit: {
    id: "dbConnectionLimit",
    name: "db_client_connection_limit",
    type: "gauge",
    unit: "connections",
    origin: "otel-semconv",
    otelName: "db.client.connection.limit",
    labels: [JOB, NAMESPACE, INSTANCE, POOL],
    meaning:
      "The most connections the pool may open: what a connection leak runs into. Its former name `db_client_connection_max` (OTel `db.client.connection.max`, deprecated) is read as well.",
    optional: "without it, the pool's connections are shown but no exhaustion is predicted.",
  },
  goGoroutines: {
    id: "goGoroutines",
    name: "go_goroutines",
    type: "gauge",
    unit: "goroutines",
    origin: "prometheus-client",
    labels: [JOB, NAMESPACE, INSTANCE],
    meaning:
      "Goroutines of a Go service (client_golang's Go collector): goroutines blocked forever only grow.",
    optional:
      "Go services only; with no limit to predict exhaustion against, ResourcesLeaking fires when its floor would double within metrics.alerts.leakHorizonHours.",
  },
  jvmThreadCount: {
    id: "jvmThreadCount",
    name: "jvm_thread_count",
    type: "gauge",
    unit: "threads",
    origin: "otel-semconv",
    otelName: "jvm.thread.count",
    labels: [
      JOB,
      NAMESPACE,
      INSTANCE,
      { name: "jvm_thread_daemon", meaning: "OTel `jvm.thread.daemon`" },
      { name: "jvm_thread_state", meaning: "OTel `jvm.thread.state`, e.g. runnable, blocked, waiting" },
    ],
    meaning: "Threads of a JVM service (OpenTelemetry's JVM runtime metrics): leaked threads only grow.",
    optional:
      "JVM services only; alerted on like `go_goroutines` (its floor doubling), summed over its states.",
  },
  backgroundJobItems: {
    id: "backgroundJobItems",
    name: "background_job_items_processed_total",
    type: "counter",
    unit: "items",
    origin: "ours",
    labels: [
      JOB,
      NAMESPACE,
      { name: "job_name", meaning: "kind of background job, as on `background_job_duration_seconds`" },
    ],
    meaning:
      "Items (rows, records, files) background jobs processed, added as they are done: the size of each run's input beside its duration.",
    optional: "services that run background jobs over inputs of varying size.",
  },
} as const satisfies Record<string, ContractMetric>;

/**
 * What the platform already scrapes about each service's containers (kube-prometheus-stack:
 * the kubelet's cAdvisor endpoint, job `kubelet`, and kube-state-metrics). Not exposed by the
 * service: its series carry the container's `namespace`, `pod` and `container`, and the records
 * give them the service's `job` through the pods Prometheus scrapes for it (recording-rules.ts).
 */
/** The labels that name a container in cAdvisor's and kube-state-metrics' series. */
const CONTAINER_LABELS: ContractLabel[] = [
  { name: "namespace", meaning: "pod's namespace" },
  { name: "pod", meaning: "pod" },
  { name: "container", meaning: "container" },
];

export const CONTAINER_SERIES: readonly Omit<ContractMetric, "id">[] = [
  {
    name: "container_cpu_usage_seconds_total",
    type: "counter",
    unit: "seconds",
    origin: "cadvisor",
    labels: CONTAINER_LABELS,
    meaning: "CPU time the container used: CPU usage in cores.",
  },
  {
    name: "container_cpu_cfs_periods_total",
    type: "counter",
    unit: "periods",
    origin: "cadvisor",
    labels: CONTAINER_LABELS,
    meaning:
      "CFS periods (100 ms) in which the container could run; only containers with a CPU limit have them.",
  },
  {
    name: "container_cpu_cfs_throttled_periods_total",
    type: "counter",
    unit: "periods",
    origin: "cadvisor",
    labels: CONTAINER_LABELS,
    meaning: "Periods in which the container hit its CPU limit and was throttled.",
  },
  {
    name: "container_memory_working_set_bytes",
    type: "gauge",
    unit: "bytes",
    origin: "cadvisor",
    labels: CONTAINER_LABELS,
    meaning: "Memory the kernel cannot reclaim: what the OOM killer compares with the limit.",
  },
  {
    name: "kube_pod_container_resource_limits",
    type: "gauge",
    unit: "cores or bytes",
    origin: "kube-state-metrics",
    labels: [...CONTAINER_LABELS, { name: "resource", meaning: "the resource", values: "cpu | memory" }],
    meaning: "The container's limits; a container without a limit has no series.",
  },
  {
    name: "kube_pod_container_resource_requests",
    type: "gauge",
    unit: "cores or bytes",
    origin: "kube-state-metrics",
    labels: [...CONTAINER_LABELS, { name: "resource", meaning: "the resource", values: "cpu | memory" }],
    meaning: "The container's requests.",
  },
];

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
  ...RESOURCE_CONTRACT,
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
