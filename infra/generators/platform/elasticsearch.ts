import type { StackConfig } from "../../config";
import { ELASTICSEARCH_EXPORTER } from "../../versions";
import { LOGGING_PART_OF, managedLabels, partOf } from "../labels";
import { MONITORING_USER } from "../logging/kubernetes";
import { eckNames } from "../logging/names";
import { MONITORING_ROLE } from "../logging/roles";
import { ref } from "../refs";
import type { ComponentAlertSpec, PlatformComponent } from "./types";

/**
 * Elasticsearch watched by prometheus-community's elasticsearch_exporter: one Deployment beside the
 * cluster (its own file-realm user, TLS verified against the cluster's CA), its Service and a
 * ServiceMonitor, and the alerts on what it reports. Flags and metric names are those of the pinned
 * release (infra/versions.ts); tests/platform/ runs the real exporter against a loopback stand-in.
 */

export const COMPONENT = "elasticsearch";

/** Deployment, Service and ServiceMonitor name; prometheus-operator makes the Service's name `job`. */
export const EXPORTER_NAME = "elasticsearch-exporter";
export const EXPORTER_PORT = { name: "metrics", port: 9114 } as const;
/** Where the cluster's CA (ECK's `<cluster>-es-http-certs-public`, key `ca.crt`) is mounted. */
const CA_DIR = "/certs/es";
/** The image runs as `nobody` by name; Kubernetes can only check a numeric user against runAsNonRoot. */
const NOBODY = 65534;

/**
 * The collectors we turn on beside the default ones (cluster health, nodes, cluster info), by their
 * flag names at the pinned release: cluster settings for the disk watermarks, ILM, SLM and data
 * streams. 1.10 renamed `--es.ilm` and `--es.data_stream`; 1.9 `--es.slm`; 1.6
 * `--es.cluster_settings`. Not the snapshots collector: SLM's stats already count failed snapshots,
 * and it would list every snapshot of every repository (read from S3) at each scrape.
 */
export const EXPORTER_COLLECTORS = ["clustersettings", "ilm", "slm", "data-stream"] as const;

type ExporterInput = Pick<StackConfig, "logging" | "metrics">;

const SELECTOR = { "app.kubernetes.io/name": EXPORTER_NAME };
const LABELS = { ...managedLabels(LOGGING_PART_OF), ...SELECTOR, "app.kubernetes.io/component": "metrics" };

/**
 * The exporter's command line: the cluster's HTTPS Service verified against its CA, every node
 * (`--es.all`; the default is the one node the Service happens to reach) and the collectors.
 */
export function exporterArgs(config: ExporterInput): string[] {
  return [
    `--es.uri=${eckNames(config).elasticsearchUrl}`,
    `--es.ca=${CA_DIR}/ca.crt`,
    "--es.all",
    ...EXPORTER_COLLECTORS.map((c) => `--collector.${c}`),
    `--web.listen-address=:${EXPORTER_PORT.port}`,
  ];
}

/**
 * The exporter reads its login from ES_USERNAME and ES_PASSWORD, taken here from the user's
 * basic-auth Secret (the one ECK reads into the file realm), so no credential is in the spec.
 */
const fromSecret = (secret: string, env: string, key: "username" | "password") => ({
  name: env,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

export function exporterDeployment(config: ExporterInput) {
  const names = eckNames(config);
  const env = [
    fromSecret(names.exporterUserSecret, "ES_USERNAME", "username"),
    fromSecret(names.exporterUserSecret, "ES_PASSWORD", "password"),
  ];
  const probe = (failureThreshold: number) => ({
    httpGet: { path: "/healthz", port: EXPORTER_PORT.name },
    periodSeconds: 10,
    failureThreshold,
  });
  return {
    metadata: { name: EXPORTER_NAME, namespace: ref("namespace"), labels: LABELS },
    spec: {
      // One is enough: Prometheus alerts when it is gone (ElasticsearchExporterDown), and two would
      // double every request to the cluster.
      replicas: 1,
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: { labels: LABELS },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NOBODY,
            runAsGroup: NOBODY,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "exporter",
              image: `${ELASTICSEARCH_EXPORTER.repository}:${ELASTICSEARCH_EXPORTER.tag}`,
              args: exporterArgs(config),
              env,
              ports: [{ name: EXPORTER_PORT.name, containerPort: EXPORTER_PORT.port, protocol: "TCP" }],
              readinessProbe: probe(3),
              livenessProbe: probe(6),
              resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "es-ca", mountPath: CA_DIR, readOnly: true }],
            },
          ],
          // The CA only: ECK's public copy, not the Secret that also holds the server's key.
          volumes: [{ name: "es-ca", secret: { secretName: names.esCaSecret } }],
        },
      },
    },
  };
}

export function exporterService() {
  return {
    metadata: { name: EXPORTER_NAME, namespace: ref("namespace"), labels: LABELS },
    spec: {
      type: "ClusterIP",
      selector: SELECTOR,
      ports: [
        {
          name: EXPORTER_PORT.name,
          port: EXPORTER_PORT.port,
          targetPort: EXPORTER_PORT.name,
          protocol: "TCP",
        },
      ],
    },
  };
}

/**
 * Beside its Service in the logging namespace: Prometheus selects monitors in every namespace
 * (kpsValues: empty serviceMonitorSelector and serviceMonitorNamespaceSelector), and this namespace
 * exists before the monitor (the logging stack creates it), unlike a service's own namespace.
 */
export function exporterServiceMonitor(config: ExporterInput) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: EXPORTER_NAME, namespace: ref("namespace"), labels: { ...partOf(), ...SELECTOR } },
    spec: {
      selector: { matchLabels: SELECTOR },
      endpoints: [
        { port: EXPORTER_PORT.name, path: "/metrics", interval: config.metrics.prometheus.scrapeInterval },
      ],
    },
  };
}

// ---- alerts ------------------------------------------------------------------------------------

/** The exporter's series: its job in the logging namespace (another team may run one elsewhere). */
const sel = (config: ExporterInput, ...more: string[]): string =>
  `{${[`namespace="${config.logging.namespace}"`, `job="${EXPORTER_NAME}"`, ...more].join(",")}}`;

/**
 * Elasticsearch's default `cluster.routing.allocation.disk.watermark.flood_stage.max_headroom`
 * (100GB, binary units) while none of the low, high and flood-stage watermarks is set (DiskThreshold-
 * Settings): on disks above 2 TB the flood stage keeps 100 GiB free rather than 5%. The platform
 * sets no watermark, so the defaults hold.
 */
export const FLOOD_STAGE_MAX_HEADROOM_BYTES = 100 * 1024 ** 3;
/** Elasticsearch's default flood stage, used when the cluster reports no ratio (see keepFree). */
export const DEFAULT_FLOOD_STAGE_RATIO = 0.95;

/**
 * Bytes the flood stage keeps free on each node's data path: (1 − the flood-stage ratio the
 * cluster reports) × the disk, at most the default headroom. The ratio comes from the cluster
 * settings collector, one series per exporter target; without it (collector failing, or a
 * watermark set in bytes) Elasticsearch's default ratio stands in, so the alerts never go blind.
 */
function keepFree(config: ExporterInput): string {
  const size = `elasticsearch_filesystem_data_size_bytes${sel(config)}`;
  const ratio = `(elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio${sel(config)} or on (job, instance) (group by (job, instance) (${size}) * 0 + ${DEFAULT_FLOOD_STAGE_RATIO}))`;
  return `clamp_max(${size} * on (job, instance) group_left () (1 - ${ratio}), ${FLOOD_STAGE_MAX_HEADROOM_BYTES})`;
}

const slm = (config: ExporterInput, counter: string) =>
  `sum by (namespace, job, policy) (increase(elasticsearch_slm_stats_${counter}${sel(config)}[1d]))`;

const alert = (a: Omit<ComponentAlertSpec, "component" | "scope" | "runbook">): ComponentAlertSpec => ({
  ...a,
  component: COMPONENT,
  scope: "platform",
  runbook: "elasticsearch",
});

export const ELASTICSEARCH_ALERTS: readonly ComponentAlertSpec[] = [
  alert({
    alert: "ElasticsearchClusterRed",
    priority: "P1",
    reason:
      "an index without its primary refuses writes: Logstash's output stalls, which also stops the copy to the S3 archive, and lines are lost once Filebeat's backlog outlives the container log files; a red cluster loses logs, the audit trail's too",
    for: "5m",
    summary: "Elasticsearch cluster {{ $labels.cluster }} is red",
    description:
      "At least one primary shard of cluster {{ $labels.cluster }} has been unassigned for 5 minutes.",
    expr: (c) => `elasticsearch_cluster_health_status${sel(c, 'color="red"')} == 1`,
  }),
  alert({
    alert: "ElasticsearchUnreachable",
    priority: "P1",
    reason:
      "a cluster that answers nobody takes no logs either, and every other Elasticsearch alert is blind: as bad as red",
    for: "5m",
    summary: "Elasticsearch does not answer its exporter",
    description:
      "The exporter {{ $labels.instance }} runs but has reported no cluster health for 5 minutes: Elasticsearch is down or unreachable, or refuses the exporter's user (its log says which).",
    expr: (c) => `up${sel(c)} == 1 unless on (job, instance) elasticsearch_cluster_health_status${sel(c)}`,
  }),
  alert({
    alert: "ElasticsearchDiskFloodStage",
    priority: "P1",
    reason:
      "at the flood stage Elasticsearch makes every index with a shard on the node read-only: writes, and so logs, are rejected until space is freed",
    for: "2m",
    summary: "Elasticsearch node {{ $labels.name }} is at the flood-stage watermark",
    description:
      "Node {{ $labels.name }} of cluster {{ $labels.cluster }} has {{ $value | humanize1024 }}B available on {{ $labels.path }}, no more than the flood-stage watermark keeps free.",
    expr: (c) => `elasticsearch_filesystem_data_available_bytes${sel(c)} <= ${keepFree(c)}`,
  }),
  alert({
    alert: "ElasticsearchClusterYellow",
    priority: "P2",
    reason:
      "a replica is missing: no line is lost yet, but one more node lost turns the cluster red; longer than a node restart's recovery, so act within the hour",
    for: "30m",
    summary: "Elasticsearch cluster {{ $labels.cluster }} has been yellow for 30 minutes",
    description:
      "Some replica shards of cluster {{ $labels.cluster }} have been unassigned for 30 minutes, longer than a rolling restart takes to recover them.",
    expr: (c) => `elasticsearch_cluster_health_status${sel(c, 'color="yellow"')} == 1`,
  }),
  alert({
    alert: "ElasticsearchDiskNearFloodStage",
    priority: "P2",
    reason:
      "Elasticsearch has stopped placing shards on the node (the high watermark, by default the same point); next comes the flood stage, which rejects writes: act within the hour",
    for: "15m",
    summary: "Elasticsearch node {{ $labels.name }} is approaching the flood-stage watermark",
    description:
      "Node {{ $labels.name }} of cluster {{ $labels.cluster }} has {{ $value | humanize1024 }}B available on {{ $labels.path }}, less than twice what the flood-stage watermark keeps free (by default: 90% used, or 200 GiB free on disks above 2 TB).",
    expr: (c) => `elasticsearch_filesystem_data_available_bytes${sel(c)} < 2 * ${keepFree(c)}`,
  }),
  alert({
    alert: "ElasticsearchHeapPressure",
    priority: "P2",
    reason:
      "a heap no collection brings below 90% ends in circuit-breaker rejections (at 95%) and long pauses that drop the node from the cluster: act within the hour",
    for: "15m",
    summary: "Elasticsearch node {{ $labels.name }} is short of heap",
    description:
      "Node {{ $labels.name }} of cluster {{ $labels.cluster }} has used {{ $value | humanizePercentage }} of its JVM heap, above 90% at every evaluation for 15 minutes.",
    expr: (c) =>
      `elasticsearch_jvm_memory_used_bytes${sel(c, 'area="heap"')} / elasticsearch_jvm_memory_max_bytes${sel(c, 'area="heap"')} > 0.9`,
  }),
  alert({
    alert: "ElasticsearchWriteRejections",
    priority: "P2",
    reason:
      "Logstash retries rejected bulk requests, so nothing is lost yet, but ingestion falls behind and its backlog grows toward Filebeat's: act within the hour",
    for: "10m",
    summary: "Elasticsearch node {{ $labels.name }} rejects writes",
    description:
      "The write thread pool of node {{ $labels.name }} (cluster {{ $labels.cluster }}) has rejected {{ $value | humanize }} requests per second, in every 5-minute window for 10 minutes.",
    expr: (c) => `rate(elasticsearch_thread_pool_rejected_count${sel(c, 'type="write"')}[5m]) > 0`,
  }),
  alert({
    alert: "ElasticsearchExporterDown",
    priority: "P2",
    reason:
      "the cluster may be fine, but every Elasticsearch alert is blind until the exporter is scraped again: act within the hour",
    for: "10m",
    summary: "The Elasticsearch exporter is not scraped",
    description:
      "Prometheus has not scraped the Elasticsearch exporter in namespace {{ $labels.namespace }} for 10 minutes (its target is down, or gone after it was scraped in the last week).",
    // Missing only once it has been scraped (within a week): on a first deploy the rules exist
    // before Elasticsearch has booted and the exporter started, which is no reason to page.
    expr: (c) => `up${sel(c)} == 0 or (absent(up${sel(c)}) unless on () absent_over_time(up${sel(c)}[7d]))`,
  }),
  alert({
    alert: "ElasticsearchUnassignedShards",
    priority: "P3",
    reason:
      "shards Elasticsearch cannot place are a cause to look into the same day; when they cost a replica or a primary, ElasticsearchClusterYellow (P2) and ElasticsearchClusterRed (P1) fire at higher priority",
    for: "15m",
    summary: "Elasticsearch cluster {{ $labels.cluster }} has {{ $value }} unassigned shards",
    description:
      "{{ $value }} shards of cluster {{ $labels.cluster }} have been unassigned for 15 minutes, not counting those delayed after a node left (`GET _cluster/allocation/explain` says why).",
    expr: (c) =>
      `elasticsearch_cluster_health_unassigned_shards${sel(c)} - elasticsearch_cluster_health_delayed_unassigned_shards${sel(c)} > 0`,
  }),
  alert({
    alert: "ElasticsearchSnapshotFailed",
    priority: "P3",
    reason:
      "no line is lost (the S3 archive holds every one, earlier snapshots are kept), but a cluster lost now restores from an older snapshot; the next nightly run must succeed: fix it within the working day",
    summary: "Snapshot policy {{ $labels.policy }} failed",
    description:
      "SLM policy {{ $labels.policy }} failed {{ $value | humanize }} snapshot(s) in the last day and took none.",
    expr: (c) =>
      `${slm(c, "snapshots_failed_total")} > 0 unless on (namespace, job, policy) ${slm(c, "snapshots_taken_total")} > 0`,
  }),
  alert({
    alert: "ElasticsearchSnapshotDeletionFailed",
    priority: "P3",
    reason:
      "a snapshot SLM failed to delete keeps lines past their log type's retention (summary.md's longest life counts on this deletion): fix it within the working day",
    summary: "Snapshot policy {{ $labels.policy }} could not delete expired snapshots",
    description:
      "SLM's retention failed to delete {{ $value | humanize }} snapshot(s) of policy {{ $labels.policy }} in the last day.",
    expr: (c) => `${slm(c, "snapshot_deletion_failures_total")} > 0`,
  }),
  alert({
    alert: "ElasticsearchIlmStepFailed",
    priority: "P3",
    reason:
      "an index ILM cannot move on is neither rolled over nor deleted: disk fills and retention slips over days, not minutes",
    for: "1h",
    summary: "ILM is stuck on index {{ $labels.index }}",
    description:
      "Index {{ $labels.index }} has been in ILM's ERROR step (phase {{ $labels.phase }}, action {{ $labels.action }}) for an hour; ILM retries transient errors by itself before this.",
    expr: (c) => `elasticsearch_ilm_index_status${sel(c, 'step="ERROR"')} == 1`,
  }),
  alert({
    alert: "ElasticsearchIlmNotRunning",
    priority: "P3",
    reason:
      "with ILM stopped no index rolls over or is deleted: disk fills and retention slips over days, not minutes",
    for: "1h",
    summary: "Elasticsearch index lifecycle management is not running",
    description: "ILM has not been RUNNING for an hour (someone stopped it, or it is stopping).",
    expr: (c) => `elasticsearch_ilm_status${sel(c, 'operation_mode="RUNNING"')} == 0`,
  }),
  alert({
    alert: "ElasticsearchExporterCollectorFailing",
    priority: "P3",
    reason:
      "the alerts that read this collector (snapshots, ILM, watermarks) are blind, the cluster itself may be fine: fix it within the working day",
    for: "30m",
    summary: "The Elasticsearch exporter's {{ $labels.collector }} collector fails",
    description:
      "The exporter's {{ $labels.collector }} collector has failed every scrape for 30 minutes (its log says why; a 403 means the monitoring role lacks a privilege).",
    expr: (c) => `elasticsearch_scrape_success${sel(c)} == 0`,
  }),
];

export const elasticsearchComponent: PlatformComponent = {
  component: COMPONENT,
  watchedBy: (config) =>
    `prometheus-community's elasticsearch_exporter ${ELASTICSEARCH_EXPORTER.tag} (Deployment \`${EXPORTER_NAME}\` in \`${config.logging.namespace}\`, Elasticsearch user \`${MONITORING_USER}\` with role \`${MONITORING_ROLE}\`), scraped every ${config.metrics.prometheus.scrapeInterval}`,
  alerts: ELASTICSEARCH_ALERTS,
};
