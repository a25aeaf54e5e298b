import { mebibytes } from "../../config/common";
import {
  bucketStatefulSet,
  DATA_DIR,
  GRPC_PORT,
  grpcAddress,
  HTTP_PORT,
  httpAddress,
  ignoreDeletionMarksDelay,
  LOG_ARGS,
  objstoreArg,
  podDisruptionBudget,
  probes,
  service,
  type ThanosInput,
} from "./workload";

/**
 * The Store Gateway: serves the bucket's blocks to Thanos Query over the StoreAPI. A StatefulSet
 * with a volume per replica for the index headers it builds from the bucket (a cache: a new
 * volume is rebuilt from the bucket, at the cost of a slow first start), behind a headless
 * Service so that Query finds each replica by DNS SRV.
 */

export function storeArgs(config: ThanosInput): string[] {
  return [
    "store",
    grpcAddress,
    httpAddress,
    ...LOG_ARGS,
    `--data-dir=${DATA_DIR}`,
    objstoreArg,
    `--ignore-deletion-marks-delay=${ignoreDeletionMarksDelay(config)}`,
    // Thanos's defaults (a 2GB chunk pool, a 250MB index cache) exceed a small pod's limit: sized
    // from the memory request instead, within the limit of twice the request. Thanos reads MB as MiB.
    `--chunk-pool-size=${Math.floor(mebibytes(config.thanos.storeGateway.requests.memory) / 2)}MB`,
    `--index-cache-size=${Math.floor(mebibytes(config.thanos.storeGateway.requests.memory) / 4)}MB`,
  ];
}

export function storeStatefulSet(config: ThanosInput) {
  const s = config.thanos.storeGateway;
  return bucketStatefulSet(config, "storeGateway", {
    replicas: s.replicas,
    args: storeArgs(config),
    ports: [GRPC_PORT, HTTP_PORT],
    // Loading index headers of a large bucket takes minutes: more room before a restart.
    probes: probes(8),
    requests: s.requests,
    storageSize: s.storageSize,
  });
}

export function storeObjects(config: ThanosInput) {
  return {
    statefulSet: storeStatefulSet(config),
    service: service(config, "storeGateway", { grpc: true, headless: true }),
    podDisruptionBudget: podDisruptionBudget(config, "storeGateway", config.thanos.storeGateway.replicas),
  };
}
