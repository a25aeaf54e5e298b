import { KPS_FULLNAME, resolveMetrics } from "../metrics/settings";
import type { PlatformAlertSpec, PlatformInput } from "../platform/types";
import { partSelector } from "../platform/types";
import { THANOS_PARTS, type ThanosPart } from "./names";

/**
 * Thanos's own alerts, on the parts this program runs (THANOS_PARTS), in the platform's rule file
 * (prometheus/platform-rules.yaml, one group per part). The Thanos mixin (v0.42.4, mixin/alerts/)
 * names the faults worth an alert; the expressions here are ours: every selector is the part's exact
 * `job` in the metrics namespace, since the mixin's `job=~".*thanos-query.*"` also matches
 * `thanos-query-frontend` (a frontend that is up would hide a Query that is down) and another
 * namespace's Thanos of the same name would count too.
 *
 * Priorities: Prometheus evaluates every alert rule itself and Alertmanager routes them, so no Thanos
 * fault silences an alert; Thanos is the read path (Grafana's only Prometheus data source goes
 * through Query Frontend) and the long-term archive, whose newest data the Prometheus volumes keep
 * for their whole retention. Hence no P1: a part that blinds Grafana is P2 like GrafanaDown, a part
 * that only delays the archive's upkeep is P3.
 *
 * Every part exists in every stack (one replica each in dev), so a part that is not scraped at all
 * (`absent`) is as down as one whose targets fail: its rules and its objects deploy together, and
 * each part serves /metrics within seconds of starting, well inside `for`.
 */

const sel = (c: PlatformInput, part: ThanosPart, extra = "") =>
  partSelector(THANOS_PARTS[part], resolveMetrics(c).namespace, extra);

/** Prometheus's self-scrape (kube-prometheus-stack's ServiceMonitor, `<fullname>-prometheus`). */
export const PROMETHEUS_JOB = `${KPS_FULLNAME}-prometheus`;

/** No target of the part answers, or none is scraped at all. Labels: namespace, job. */
const down = (c: PlatformInput, part: ThanosPart) =>
  `(sum by (namespace, job) (up${sel(c, part)}) == 0) or absent(up${sel(c, part)})`;

/** Share of a part's HTTP requests on `handler` answered 5xx, over 5 minutes. Labels: namespace, job. */
const httpErrorRatio = (c: PlatformInput, part: ThanosPart, handler: string) =>
  `sum by (namespace, job) (rate(http_requests_total${sel(c, part, `,handler="${handler}",code=~"5.."`)}[5m])) / sum by (namespace, job) (rate(http_requests_total${sel(c, part, `,handler="${handler}"`)}[5m])) > 0.05`;

/** The shares above which an error-rate alert fires, in words for descriptions. */
const FIVE_PERCENT = "more than 5%";

const isDown = (
  part: ThanosPart,
  a: Pick<PlatformAlertSpec, "alert" | "priority" | "reason" | "summary">,
  forMinutes = 5,
): PlatformAlertSpec => ({
  ...a,
  component: THANOS_PARTS[part],
  runbook: "thanos",
  for: `${forMinutes}m`,
  firesWithin: `${forMinutes + 1}m`,
  description: `No ${THANOS_PARTS[part]} target in namespace {{ $labels.namespace }} has answered its /metrics scrape for ${forMinutes} minutes (or none is scraped at all).`,
  expr: (c) => down(c, part),
});

/** In COMPONENTS order (Grafana's side inwards), as the rule file groups them. */
export const THANOS_ALERTS: PlatformAlertSpec[] = [
  // ---- Query Frontend: Grafana's Prometheus data source.
  isDown("queryFrontend", {
    alert: "ThanosQueryFrontendIsDown",
    priority: "P2",
    reason:
      "Grafana's Prometheus data source is gone: every metrics dashboard is blank and Grafana-managed rules that read metrics cannot evaluate; Prometheus's alerts still reach people through Alertmanager: within the hour, as GrafanaDown",
    summary: "Thanos Query Frontend is down",
  }),
  {
    alert: "ThanosQueryFrontendErrorRateHigh",
    component: THANOS_PARTS.queryFrontend,
    priority: "P2",
    runbook: "thanos",
    reason:
      "Grafana's queries fail (a frontend that is up but cannot reach Query is seen only here); alerts are unaffected: within the hour, as GrafanaDown",
    for: "5m",
    firesWithin: "7m with half the requests failing",
    summary: "Thanos Query Frontend fails queries",
    description: `Query Frontend in namespace {{ $labels.namespace }} has answered ${FIVE_PERCENT} of its requests with a 5xx status in every 5-minute window for 5 minutes.`,
    // The frontend instruments every API path under one handler name (cmd/thanos/query_frontend.go).
    expr: (c) => httpErrorRatio(c, "queryFrontend", "query-frontend"),
  },

  // ---- Query: deduplicates the sidecars and the Store Gateway.
  isDown("query", {
    alert: "ThanosQueryIsDown",
    priority: "P2",
    reason:
      "Query Frontend's only downstream: every metrics dashboard fails; Prometheus's alerts still reach people through Alertmanager: within the hour, as GrafanaDown",
    summary: "Thanos Query is down",
  }),
  {
    alert: "ThanosQueryHttpRequestQueryErrorRateHigh",
    component: THANOS_PARTS.query,
    priority: "P2",
    runbook: "thanos",
    reason:
      "Grafana's instant queries (stat panels, tables, the SLO budget) fail; alerts are unaffected: within the hour, as GrafanaDown",
    for: "5m",
    firesWithin: "7m with half the requests failing",
    summary: "Thanos Query fails instant queries",
    description: `Query in namespace {{ $labels.namespace }} has answered ${FIVE_PERCENT} of its instant queries (/api/v1/query) with a 5xx status in every 5-minute window for 5 minutes.`,
    expr: (c) => httpErrorRatio(c, "query", "query"),
  },
  {
    alert: "ThanosQueryHttpRequestQueryRangeErrorRateHigh",
    component: THANOS_PARTS.query,
    priority: "P2",
    runbook: "thanos",
    reason: "Grafana's graphs (range queries) fail; alerts are unaffected: within the hour, as GrafanaDown",
    for: "5m",
    firesWithin: "7m with half the requests failing",
    summary: "Thanos Query fails range queries",
    description: `Query in namespace {{ $labels.namespace }} has answered ${FIVE_PERCENT} of its range queries (/api/v1/query_range) with a 5xx status in every 5-minute window for 5 minutes.`,
    expr: (c) => httpErrorRatio(c, "query", "query_range"),
  },
  {
    alert: "ThanosQueryGrpcClientErrorRate",
    component: THANOS_PARTS.query,
    priority: "P3",
    runbook: "thanos",
    reason:
      "Query answers with what the endpoints it reaches hold (partial responses), so Grafana shows gaps, usually the bucket's older data or one replica's; nothing is lost: within the working day",
    for: "15m",
    firesWithin: "17m with a third of calls failing",
    summary: "Thanos Query fails calls to its endpoints",
    description: `Query in namespace {{ $labels.namespace }} has seen ${FIVE_PERCENT} of its gRPC calls to the sidecars and the Store Gateway fail in every 5-minute window for 15 minutes (calls the caller cancelled do not count).`,
    // Cancelled calls are Grafana or the frontend giving up on a query, not an endpoint failing.
    expr: (c) =>
      `sum by (namespace, job) (rate(grpc_client_handled_total${sel(c, "query", ',grpc_code!~"OK|Canceled"')}[5m])) / sum by (namespace, job) (rate(grpc_client_started_total${sel(c, "query")}[5m])) > 0.05`,
  },

  // ---- Store Gateway: serves the bucket's blocks.
  isDown("storeGateway", {
    alert: "ThanosStoreIsDown",
    priority: "P2",
    reason:
      "Grafana loses everything older than the sidecars hold (Prometheus's retention) and panels reaching into the bucket's range show gaps or fail; no data is lost: within the hour",
    summary: "Thanos Store Gateway is down",
  }),
  {
    alert: "ThanosStoreObjstoreOperationLatencyHigh",
    component: THANOS_PARTS.storeGateway,
    priority: "P3",
    runbook: "thanos",
    reason:
      "long-range queries slow down or time out while the bucket answers slowly; recent data comes from the sidecars and nothing is lost: within the working day",
    for: "10m",
    firesWithin: "12m with a tenth of operations over 2 s",
    summary: "The metrics bucket answers the Store Gateway slowly",
    description:
      "The 99th percentile of the Store Gateway's operations on the metrics bucket (namespace {{ $labels.namespace }}) has been above 2 seconds in every 5-minute window for 10 minutes.",
    // NaN (no operations in the window) compares false, so an idle Store Gateway stays quiet.
    expr: (c) =>
      `histogram_quantile(0.99, sum by (namespace, job, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket${sel(c, "storeGateway")}[5m]))) > 2`,
  },

  // ---- sidecar: in each Prometheus pod, serves its recent data to Query and uploads its blocks.
  isDown("sidecar", {
    alert: "ThanosSidecarIsDown",
    priority: "P2",
    reason:
      "Query reads the last hours only from the sidecars, so Grafana shows no recent metrics, and no block reaches the bucket; alerts are unaffected and every block waits on Prometheus's volume for its retention: within the hour, as GrafanaDown",
    summary: "No Thanos sidecar is up",
  }),
  {
    alert: "ThanosSidecarNoConnectionToStartedPrometheus",
    component: THANOS_PARTS.sidecar,
    priority: "P2",
    runbook: "thanos",
    reason:
      "this replica's recent data is missing from Query (in dev, the only replica: Grafana shows no recent metrics); Prometheus itself runs and alerts: within the hour",
    for: "5m",
    firesWithin: "6m",
    summary: "The Thanos sidecar in {{ $labels.pod }} cannot reach its Prometheus",
    description:
      "The sidecar in pod {{ $labels.pod }} has not reached the Prometheus beside it for 5 minutes, although that Prometheus has finished replaying its WAL (it is started).",
    // Both scrapes carry the operator's `namespace` and `pod` target labels; the replay duration is
    // 0 until Prometheus has replayed its WAL, when a sidecar that cannot reach it is expected.
    expr: (c) =>
      `thanos_sidecar_prometheus_up${sel(c, "sidecar")} == 0 and on (namespace, pod) prometheus_tsdb_data_replay_duration_seconds{job="${PROMETHEUS_JOB}",namespace="${resolveMetrics(c).namespace}"} != 0`,
  },
  {
    alert: "ThanosSidecarBucketOperationsFailed",
    component: THANOS_PARTS.sidecar,
    priority: "P3",
    runbook: "thanos",
    reason:
      "blocks not uploaded stay on Prometheus's volume and the sidecar retries every block it has not shipped, so nothing is lost until Prometheus's retention (days) passes, and Grafana still reads them through the sidecar: within the working day",
    for: "15m",
    firesWithin: "16m",
    summary: "The Thanos sidecar in {{ $labels.pod }} fails bucket operations",
    description:
      "The sidecar in pod {{ $labels.pod }} has failed operations on the metrics bucket in every 5-minute window for 15 minutes: its blocks are not uploaded (credentials, IAM role, KMS key or bucket policy).",
    expr: (c) =>
      `sum by (namespace, job, pod) (rate(thanos_objstore_bucket_operation_failures_total${sel(c, "sidecar")}[5m])) > 0`,
  },

  // ---- Compactor: compaction, downsampling and retention of the bucket; exactly one per bucket.
  {
    alert: "ThanosCompactMultipleRunning",
    component: THANOS_PARTS.compactor,
    priority: "P2",
    runbook: "thanos",
    reason:
      "two Compactors on one bucket compact the same blocks into overlapping ones, which halts compaction and needs repair by hand; stop the second before it does: within the hour",
    for: "5m",
    firesWithin: "6m",
    summary: "More than one Thanos Compactor is running",
    description:
      "More than one thanos-compact target in namespace {{ $labels.namespace }} has answered its scrape for 5 minutes; only one may run against the metrics bucket.",
    expr: (c) => `sum by (namespace, job) (up${sel(c, "compactor")}) > 1`,
  },
  {
    alert: "ThanosCompactHalted",
    component: THANOS_PARTS.compactor,
    priority: "P3",
    runbook: "thanos",
    reason:
      "compaction, downsampling and retention stop until someone repairs the bucket, but no block is deleted or changed while halted and queries still work (long ranges read raw blocks, slower): within the working day",
    for: "5m",
    firesWithin: "6m",
    summary: "The Thanos Compactor has halted",
    description:
      "The Compactor in namespace {{ $labels.namespace }} hit an error it does not retry (overlapping or corrupt blocks) and has halted for 5 minutes: it keeps running but does nothing.",
    expr: (c) => `max by (namespace, job) (thanos_compact_halted${sel(c, "compactor")}) == 1`,
  },
  isDown(
    "compactor",
    {
      alert: "ThanosCompactIsDown",
      priority: "P3",
      reason:
        "compaction, downsampling and retention wait, nothing is lost and queries work (long ranges slower): within the working day",
      summary: "The Thanos Compactor is down",
    },
    15,
  ),
  {
    alert: "ThanosCompactHasNotRun",
    component: THANOS_PARTS.compactor,
    priority: "P3",
    runbook: "thanos",
    reason:
      "compaction and downsampling have silently stopped (the bucket gets 2-hour blocks all day, so a working Compactor uploads every few hours): long ranges get slower and retention waits; nothing is lost: within the working day",
    firesWithin: "24h",
    summary: "The Thanos Compactor has uploaded nothing for 24 hours",
    description:
      "The Compactor in namespace {{ $labels.namespace }} has run for over 24 hours without uploading a compacted or downsampled block in the last 24 hours.",
    // The gauge is the process's last upload (0 before its first), so a Compactor younger than a
    // day is left alone: a new stack has not had four 2-hour blocks to compact, and a restarted
    // Compactor compacts whatever waits as soon as it has synced the bucket.
    expr: (c) =>
      `time() - max by (namespace, job) (thanos_objstore_bucket_last_successful_upload_time${sel(c, "compactor")}) > 86400 and on (namespace, job) time() - max by (namespace, job) (process_start_time_seconds${sel(c, "compactor")}) > 86400`,
  },
];
