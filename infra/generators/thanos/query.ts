import { stringify } from "yaml";
import { REPLICA_LABEL, THANOS_PARTS, thanosNames } from "./names";
import {
  statelessDeployment,
  GRPC_PORT,
  grpcAddress,
  HTTP_PORT,
  httpAddress,
  LOG_ARGS,
  podDisruptionBudget,
  service,
  type ThanosInput,
} from "./workload";

/**
 * Thanos Query: the PromQL engine over every StoreAPI (each Prometheus replica's sidecar and the
 * Store Gateway), deduplicating the replicas on the operator's replica label, so that one query
 * reads one consistent series wherever it lands. Stateless: a Deployment.
 */

/** Thanos's endpoint SD config (cmd/thanos/endpointset.go, `EndpointConfig`, at the pinned tag). */
export interface EndpointTlsConfig {
  enabled?: boolean;
  insecure_skip_verify?: boolean;
  cert_file?: string;
  key_file?: string;
  ca_file?: string;
  min_version?: string;
}
export interface EndpointClientConfig {
  tls_config?: EndpointTlsConfig;
  server_name?: string;
  /** "none" (the default) or "snappy". */
  compression?: "none" | "snappy";
}
export interface EndpointSettings {
  /** dns+, dnssrv+ and dnssrvnoa+ addresses are resolved every --store.sd-dns-interval. */
  address: string;
  /** Thanos refuses `strict` on a DNS address (a dynamic node). */
  strict?: boolean;
  group?: boolean;
  service_config?: string;
  client_config?: EndpointClientConfig;
}
export interface EndpointConfig {
  default_client_config?: EndpointClientConfig;
  endpoints: EndpointSettings[];
}

/**
 * The StoreAPIs Query reads, by DNS SRV on headless Services, one record per pod: each Prometheus
 * replica (the operator's `prometheus-operated`, to which it adds the `grpc` port when
 * `spec.thanos` is set) and each Store Gateway. One endpoint per replica is what deduplication needs.
 */
export function endpointConfig(config: ThanosInput): EndpointConfig {
  const ns = thanosNames(config).namespace;
  const srv = (svc: string) => `dnssrv+_${GRPC_PORT.name}._tcp.${svc}.${ns}.svc.cluster.local`;
  return {
    endpoints: [{ address: srv("prometheus-operated") }, { address: srv(THANOS_PARTS.storeGateway) }],
  };
}

export function queryArgs(config: ThanosInput): string[] {
  return [
    "query",
    grpcAddress,
    httpAddress,
    ...LOG_ARGS,
    `--query.replica-label=${REPLICA_LABEL}`,
    // Inline: `--endpoint` and `--store.sd-files` are deprecated in 0.42, `--store` is gone since 0.38.
    `--endpoint.sd-config=${stringify(endpointConfig(config))}`,
    // Off by default: without it a year-long range reads raw samples from the bucket.
    "--query.auto-downsampling",
  ];
}

export function queryDeployment(config: ThanosInput) {
  const q = config.thanos.query;
  return statelessDeployment(config, "query", {
    replicas: q.replicas,
    args: queryArgs(config),
    ports: [GRPC_PORT, HTTP_PORT],
    requests: q.requests,
  });
}

export function queryObjects(config: ThanosInput) {
  return {
    deployment: queryDeployment(config),
    service: service(config, "query", { grpc: true, headless: false }),
    podDisruptionBudget: podDisruptionBudget(config, "query", config.thanos.query.replicas),
  };
}
