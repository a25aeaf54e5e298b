import { resolveMetrics } from "../../infra/generators/metrics/settings";
import { PROMETHEUS_JOB } from "../../infra/generators/thanos/alerts";
import { THANOS_PARTS, type ThanosPart } from "../../infra/generators/thanos/names";
import { stackConfig } from "../../scripts/lib/stack-config";

/**
 * Series of the dev stack's Thanos parts as Prometheus stores them, for promtool: prometheus-operator
 * gives every ServiceMonitor and PodMonitor target `namespace`, `pod` and `container` (its
 * pkg/prometheus/promcfg.go at v0.93.0, "Relabel namespace and pod and service labels"), the
 * monitors set `job` to the part (infra/generators/thanos/names.ts), and `instance` is the pod's
 * address. Samples every 30 seconds (the scrape interval).
 */

export const config = stackConfig("dev");
export const NS = resolveMetrics(config).namespace;
/** Another team's namespace, running Thanos parts of the same names (issue 22). */
export const OTHER_NS = "team-thanos";

export const POD: Record<ThanosPart, string> = {
  queryFrontend: "thanos-query-frontend-7d9f8b6c5-abcde",
  query: "thanos-query-6c8d7f9b4-fghij",
  storeGateway: "thanos-store-0",
  sidecar: "prometheus-kps-prometheus-0",
  compactor: "thanos-compact-0",
};

/** One series of a part's target: `name{labels}` as promtool reads it. */
export function part(
  p: ThanosPart,
  name: string,
  extra: Record<string, string> = {},
  opts: { pod?: string; namespace?: string } = {},
): string {
  const labels = {
    job: THANOS_PARTS[p],
    namespace: opts.namespace ?? NS,
    pod: opts.pod ?? POD[p],
    container: p === "sidecar" ? "thanos-sidecar" : THANOS_PARTS[p],
    instance: `${opts.pod ?? POD[p]}:10902`,
    ...extra,
  };
  return `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;
}

/** Prometheus's own series from its self-scrape, in the same pod as a sidecar. */
export const prometheus = (name: string, pod = POD.sidecar) =>
  `${name}{job="${PROMETHEUS_JOB}",namespace="${NS}",pod="${pod}",container="prometheus",instance="${pod}:9090"}`;

/** `steps` samples growing by `by` each (a promtool expanding notation). */
export const grows = (by: number, steps: number) => `0+${by}x${steps}`;

/** Every part healthy for `n` samples: traffic flows, nothing fails, every target is up. */
export function thanosHealthy(n: number): Record<string, string> {
  const http = (p: ThanosPart, handler: string, perStep: number) => ({
    [part(p, "http_requests_total", { handler, code: "200", method: "get" })]: grows(perStep, n),
    // A few 5xx, far below 5%.
    [part(p, "http_requests_total", { handler, code: "503", method: "get" })]: grows(1, n),
  });
  const bucket = (le: string, perStep: number) => ({
    [part("storeGateway", "thanos_objstore_bucket_operation_duration_seconds_bucket", {
      operation: "get_range",
      bucket: "acme-obs-dev-metrics",
      le,
    })]: grows(perStep, n),
  });
  return {
    ...Object.fromEntries((Object.keys(THANOS_PARTS) as ThanosPart[]).map((p) => [part(p, "up"), `1x${n}`])),
    ...http("queryFrontend", "query-frontend", 100),
    ...http("query", "query", 40),
    ...http("query", "query_range", 60),
    [part("query", "grpc_client_started_total", { grpc_method: "Series" })]: grows(200, n),
    [part("query", "grpc_client_handled_total", { grpc_method: "Series", grpc_code: "OK" })]: grows(140, n),
    // Grafana gives up on queries: cancelled calls are no endpoint's fault.
    [part("query", "grpc_client_handled_total", { grpc_method: "Series", grpc_code: "Canceled" })]: grows(
      60,
      n,
    ),
    // objstore's buckets (0.001 … 120 s; these four are enough): every operation within a second.
    ...bucket("0.1", 90),
    ...bucket("1", 100),
    ...bucket("3", 100),
    ...bucket("6", 100),
    ...bucket("+Inf", 100),
    [part("sidecar", "thanos_sidecar_prometheus_up")]: `1x${n}`,
    [part("sidecar", "thanos_objstore_bucket_operation_failures_total", { operation: "upload" })]: `0x${n}`,
    [prometheus("prometheus_tsdb_data_replay_duration_seconds")]: `3.2x${n}`,
    [part("compactor", "thanos_compact_halted")]: `0x${n}`,
    [part("compactor", "process_start_time_seconds")]: `0x${n}`,
    [part("compactor", "thanos_objstore_bucket_last_successful_upload_time")]: `0x${n}`,
    // Another namespace's Thanos, all broken: none of it is ours to alert on.
    [part("query", "up", {}, { namespace: OTHER_NS })]: `0x${n}`,
    [part(
      "query",
      "http_requests_total",
      { handler: "query", code: "500", method: "get" },
      { namespace: OTHER_NS },
    )]: grows(50, n),
    [part("compactor", "up", {}, { namespace: OTHER_NS, pod: "thanos-compact-0" })]: `1x${n}`,
    [part("compactor", "up", {}, { namespace: OTHER_NS, pod: "thanos-compact-1" })]: `1x${n}`,
    [part("compactor", "thanos_compact_halted", {}, { namespace: OTHER_NS })]: `1x${n}`,
    // A frontend series under Query's handler name, as the mixin's `.*thanos-query.*` would count
    // it: it is not Query's.
    [part("queryFrontend", "http_requests_total", { handler: "query", code: "500", method: "get" })]: grows(
      50,
      n,
    ),
  };
}
