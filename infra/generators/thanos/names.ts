import type { StackConfig } from "../../config";
import { KPS_FULLNAME, resolveMetrics } from "../metrics/settings";

/**
 * Names every part of the Thanos concern agrees on: Kubernetes objects, the `job` label of their
 * scrapes (their ServiceMonitors relabel `job` to these, as the platform's other parts do), ports
 * and service accounts. Everything runs in the metrics namespace, beside the sidecars it reads.
 */

/** The Thanos parts, by their `app.kubernetes.io/name`, Service name and scrape `job`. */
export const THANOS_PARTS = {
  sidecar: "thanos-sidecar",
  query: "thanos-query",
  queryFrontend: "thanos-query-frontend",
  storeGateway: "thanos-store",
  compactor: "thanos-compact",
} as const;
export type ThanosPart = keyof typeof THANOS_PARTS;

/** Thanos's default ports: gRPC (StoreAPI) and HTTP (API, /metrics, probes). */
export const THANOS_PORTS = { grpc: 10901, http: 10902 } as const;

/** The operator's replica label: the one external label in which the Prometheus replicas differ. */
export const REPLICA_LABEL = "prometheus_replica";

/** The Secret (in the metrics namespace) with the objstore config, and its key. */
export const OBJSTORE_SECRET = { name: "thanos-objstore", key: "objstore.yaml" } as const;

/** The parts that touch the bucket, each through its own ServiceAccount and IAM role. */
export const BUCKET_USERS = ["sidecar", "storeGateway", "compactor"] as const;
export type BucketUser = (typeof BUCKET_USERS)[number];

export function thanosNames(config: Pick<StackConfig, "metrics">) {
  const ns = resolveMetrics(config).namespace;
  const http = (part: ThanosPart) => `http://${THANOS_PARTS[part]}.${ns}.svc:${THANOS_PORTS.http}`;
  return {
    namespace: ns,
    /** Grafana's default Prometheus data source. */
    queryFrontendUrl: http("queryFrontend"),
    /** The Query Frontend's downstream. */
    queryUrl: http("query"),
  };
}

/**
 * The ServiceAccount of each part that touches the bucket, which its IAM role trusts. The sidecar
 * runs in the Prometheus pods, so it is Prometheus's account (the chart names it `<fullname>-prometheus`).
 */
export const BUCKET_USER_ACCOUNTS: Readonly<Record<BucketUser, string>> = {
  sidecar: `${KPS_FULLNAME}-prometheus`,
  storeGateway: THANOS_PARTS.storeGateway,
  compactor: THANOS_PARTS.compactor,
};
