import {
  bucketStatefulSet,
  DATA_DIR,
  HTTP_PORT,
  httpAddress,
  LOG_ARGS,
  objstoreArg,
  probes,
  service,
  type ThanosInput,
} from "./workload";

/**
 * The Compactor: compacts the bucket's blocks, downsamples them (5-minute and 1-hour resolutions)
 * and enforces the retention of each resolution. Exactly one per bucket, always: two Compactors on
 * one bucket compact the same blocks into overlapping ones and both halt (Thanos's compact.md:
 * "must be deployed as a singleton against a bucket"), so `replicas` is never configurable and the
 * policy pack refuses a second one.
 *
 * No vertical compaction (offline deduplication of the Prometheus replicas' blocks): in 0.42 it is
 * experimental and irreversible, and the `penalty` algorithm HA replicas need can break `rate()`
 * (thanos#2890). The bucket keeps each replica's blocks, and Thanos Query deduplicates at read time
 * on `prometheus_replica`, which is correct and reversible, at twice the storage.
 */

/** Exactly one, never from config. */
export const COMPACTOR_REPLICAS = 1;

export function compactorArgs(config: ThanosInput): string[] {
  const r = config.thanos.retention;
  return [
    "compact",
    // Runs continuously (the default is one pass and exit, and the pod would be restarted in a loop).
    "--wait",
    httpAddress,
    ...LOG_ARGS,
    `--data-dir=${DATA_DIR}`,
    objstoreArg,
    `--retention.resolution-raw=${r.raw}`,
    `--retention.resolution-5m=${r.fiveMinutes}`,
    `--retention.resolution-1h=${r.oneHour}`,
    `--delete-delay=${config.thanos.deleteDelay}`,
  ];
}

export function compactorStatefulSet(config: ThanosInput) {
  const c = config.thanos.compactor;
  // A StatefulSet, not a Deployment: its rolling update deletes the old pod before it starts the
  // new one, where a Deployment's surge would run two Compactors for a while.
  return bucketStatefulSet(config, "compactor", {
    replicas: COMPACTOR_REPLICAS,
    args: compactorArgs(config),
    ports: [HTTP_PORT],
    probes: probes(),
    requests: c.requests,
    storageSize: c.storageSize,
  });
}

export function compactorObjects(config: ThanosInput) {
  return {
    statefulSet: compactorStatefulSet(config),
    service: service(config, "compactor", { grpc: false, headless: true }),
  };
}
