import { THANOS_PARTS } from "./names";
import {
  DATA_VOLUME,
  dataClaim,
  DATA_DIR,
  HTTP_PORT,
  httpAddress,
  LOG_ARGS,
  metadata,
  OBJSTORE_ENV,
  objstoreArg,
  podSpec,
  probes,
  resources,
  selectorLabels,
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
  return {
    metadata: metadata(config, "compactor"),
    spec: {
      replicas: COMPACTOR_REPLICAS,
      serviceName: THANOS_PARTS.compactor,
      selector: { matchLabels: selectorLabels("compactor") },
      // A StatefulSet, not a Deployment: its rolling update deletes the old pod before it starts
      // the new one, where a Deployment's surge would run two Compactors for a while. Parallel:
      // never two pods of one ordinal either way, and a rollout to a pod that never gets ready
      // can be rolled back without deleting the pod by hand (as OrderedReady needs).
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels: metadata(config, "compactor").labels },
        spec: {
          // IRSA: the token is what its IAM role trusts.
          automountServiceAccountToken: true,
          ...podSpec(
            "compactor",
            {
              args: compactorArgs(config),
              env: [OBJSTORE_ENV],
              ports: [HTTP_PORT],
              ...probes(),
              resources: resources(c.requests),
              volumeMounts: [{ name: DATA_VOLUME, mountPath: DATA_DIR }],
            },
            { replicas: COMPACTOR_REPLICAS },
          ),
        },
      },
      volumeClaimTemplates: [dataClaim(config, "compactor", c.storageSize)],
    },
  };
}

export function compactorObjects(config: ThanosInput) {
  return {
    statefulSet: compactorStatefulSet(config),
    service: service(config, "compactor", { grpc: false, headless: true }),
  };
}
