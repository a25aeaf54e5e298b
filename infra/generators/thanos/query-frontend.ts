import { stringify } from "yaml";
import { thanosNames } from "./names";
import {
  statelessDeployment,
  HTTP_PORT,
  httpAddress,
  LOG_ARGS,
  podDisruptionBudget,
  service,
  type ThanosInput,
} from "./workload";

/**
 * The Query Frontend in front of Thanos Query: Grafana's Prometheus data source in every stack. It
 * splits range queries by day (run in parallel, each cached on its own) and keeps results in an
 * in-memory response cache; everything else it passes through to Query. Stateless: a Deployment.
 */

/** Range queries are split at day boundaries (Thanos's default), labels requests too. */
export const SPLIT_INTERVAL = "24h";

/**
 * How long a cached result is served. Past days do not change (the most recent minute is never
 * cached, `--query-range.response-cache-max-freshness`), so a long validity is safe; six hours
 * bounds what a block the Compactor deleted at the end of its retention still shows.
 */
export const CACHE_VALIDITY = "6h";

/** Thanos's in-memory (FIFO) response cache config (pkg/queryfrontend/config.go, `InMemoryResponseCacheConfig`). */
export interface InMemoryResponseCacheConfig {
  type: "IN-MEMORY";
  config: {
    /** Bytes, with a KB, MB or GB suffix. Without it and max_size_items no cache is created. */
    max_size?: string;
    max_size_items?: number;
    validity?: string;
  };
}

export const responseCacheConfig = (config: ThanosInput): InMemoryResponseCacheConfig => ({
  type: "IN-MEMORY",
  config: { max_size: config.thanos.queryFrontend.cacheMaxSize, validity: CACHE_VALIDITY },
});

export function queryFrontendArgs(config: ThanosInput): string[] {
  return [
    "query-frontend",
    httpAddress,
    ...LOG_ARGS,
    `--query-frontend.downstream-url=${thanosNames(config).queryUrl}`,
    `--query-range.split-interval=${SPLIT_INTERVAL}`,
    `--query-range.response-cache-config=${stringify(responseCacheConfig(config))}`,
    // An empty or partial raw answer (a range past raw retention) is retried on downsampled data.
    "--query-range.request-downsampled",
    `--labels.split-interval=${SPLIT_INTERVAL}`,
    "--query-frontend.compress-responses",
  ];
}

export function queryFrontendDeployment(config: ThanosInput) {
  const f = config.thanos.queryFrontend;
  return statelessDeployment(config, "queryFrontend", {
    replicas: f.replicas,
    args: queryFrontendArgs(config),
    ports: [HTTP_PORT],
    requests: f.requests,
  });
}

export function queryFrontendObjects(config: ThanosInput) {
  return {
    deployment: queryFrontendDeployment(config),
    service: service(config, "queryFrontend", { grpc: false, headless: false }),
    podDisruptionBudget: podDisruptionBudget(config, "queryFrontend", config.thanos.queryFrontend.replicas),
  };
}
