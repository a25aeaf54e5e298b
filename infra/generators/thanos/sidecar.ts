import type { StackConfig } from "../../config";
import { THANOS } from "../../versions";
import { ROLE_ARN_ANNOTATION } from "../iam";
import { ref } from "../refs";
import { OBJSTORE_SECRET, REPLICA_LABEL, THANOS_PARTS } from "./names";

/**
 * The Thanos sidecar in every Prometheus pod, as kube-prometheus-stack values: the operator adds
 * the container (and the gRPC port 10901 to the `prometheus-operated` Service) once the Prometheus
 * resource has `spec.thanos`.
 *
 * Block durations. With operator 0.93.1 (kube-prometheus-stack 88.5.3), Prometheus 3.14.0 and
 * `spec.thanos.version` v0.42.4 the operator runs the "delayed compaction" mode: Prometheus >= 3.9.0
 * and Thanos >= 0.41.0 (prometheus-operator CHANGELOG 0.93.0, #8694; compactionModeFor in
 * pkg/prometheus/server/statefulset.go). Prometheus keeps compacting its own blocks (no 2h pin of
 * min/max block duration), but only those the sidecar has recorded as uploaded in
 * /prometheus/thanos.shipper.json (`--storage.tsdb.delay-compact-file.path`, Prometheus 3.9,
 * prometheus#17435; the sidecar's side is thanos#8582, in 0.41). So local queries stay fast over
 * the 30-day local retention, and the bucket still receives every 2h block once. Older versions of
 * either would pin blocks to 2h (compaction off); `version` is stated so the mode does not follow
 * the operator's own default Thanos version across upgrades.
 */
export const BLOCK_DURATION_MODE = {
  mode: "delayed compaction",
  summary:
    "local compaction kept: Prometheus compacts only blocks the sidecar has uploaded (operator ≥ 0.93 with Prometheus ≥ 3.9 and Thanos ≥ 0.41; prometheus-operator#8694)",
} as const;

/** The Prometheus resource's `spec.thanos`, in the chart's value shape. */
export function sidecarSpec() {
  return {
    // The chart renders `image` itself and passes `version` through to spec.thanos.
    image: `${THANOS.repository}:${THANOS.tag}`,
    // Required even with an image: the operator picks the sidecar's flags and the compaction mode from it.
    version: THANOS.tag,
    // Rendered by the chart as spec.thanos.objectStorageConfig {key, name} (a SecretKeySelector).
    objectStorageConfig: { existingSecret: { name: OBJSTORE_SECRET.name, key: OBJSTORE_SECRET.key } },
  };
}

/**
 * External labels of every series and block Prometheus ships: which cluster and environment it
 * comes from. The operator adds `prometheus` (namespace/name) and the replica label, in which the
 * replicas differ and on which Thanos Query deduplicates.
 */
export const externalLabels = (config: Pick<StackConfig, "environment" | "kubernetes">) => ({
  cluster: config.kubernetes.clusterName,
  environment: config.environment,
});

/**
 * Values under `prometheus` besides the spec: the sidecar's IAM role on Prometheus's
 * ServiceAccount (the sidecar runs in the Prometheus pod), and the chart's headless sidecar Service
 * with its ServiceMonitor, which scrapes the sidecar's HTTP port as job `thanos-sidecar` with the
 * pod's namespace and pod labels (the mixin's sidecar alerts join on them with Prometheus's own
 * series).
 */
export function sidecarPrometheusValues() {
  return {
    serviceAccount: { annotations: { [ROLE_ARN_ANNOTATION]: ref("thanosSidecarRoleArn") } },
    thanosService: { enabled: true },
    thanosServiceMonitor: {
      enabled: true,
      relabelings: [{ action: "replace", targetLabel: "job", replacement: THANOS_PARTS.sidecar }],
    },
  };
}

/** The replica label, stated rather than left to the operator's default: Query deduplicates on it. */
export const REPLICA_LABEL_VALUES = { replicaExternalLabelName: REPLICA_LABEL } as const;
