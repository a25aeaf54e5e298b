import { LOGSTASH_EXPORTER } from "../../versions";
import { eckNames } from "../logging/names";
import { podMonitor } from "./monitors";
import {
  EXPORTER_RESOURCES,
  EXPORTER_SECURITY_CONTEXT,
  PLATFORM_JOBS,
  type PlatformAlertSpec,
  type PlatformInput,
  partSelector,
} from "./types";

/**
 * Logstash: ECK has no metrics option; the monitoring API listens on 9600 (the `<name>-ls-api`
 * Service) with TLS from ECK's self-signed CA by default. kuskoman/logstash-exporter (v1) runs
 * beside Logstash in each pod, reads the API on localhost and serves Prometheus metrics on 9198.
 * Metric names: the exporter's collectors at the pinned tag (tests/data/exporters/logstash-exporter).
 */

export const LOGSTASH_EXPORTER_PORT = 9198;
const API_CA_VOLUME = "logstash-api-ca";
const API_CA_DIR = "/certs/logstash-api";

/** The pipelines of infra/generators/logging/eck.ts, as the exporter labels them (`pipeline`). */
export const LOGSTASH_PIPELINES = { ingest: "ingest", archive: "archive" } as const;

/** The id of the archive pipeline's S3 output of a log type: the exporter's `plugin_id`. */
export const archiveOutputId = (logType: string): string => `archive-s3-${logType}`;

/**
 * What the Logstash resource gets for its exporter: the sidecar, the volume with the API's CA, and
 * the API Service declared so that ECK's certificate also names `localhost`, where the sidecar
 * connects (it verifies the certificate through Go's SSL_CERT_FILE; the exporter has no CA option).
 */
export function logstashExporter(config: PlatformInput) {
  const names = eckNames(config);
  return {
    apiService: {
      name: "api",
      // Headless, as ECK's default API Service; ECK adds the selector and the 9600 port.
      service: { spec: { clusterIP: "None" } },
      tls: { selfSignedCertificate: { subjectAlternativeNames: [{ dns: "localhost" }] } },
    },
    container: {
      name: "exporter",
      image: `${LOGSTASH_EXPORTER.repository}:${LOGSTASH_EXPORTER.tag}`,
      env: [
        { name: "LOGSTASH_URL", value: "https://localhost:9600" },
        { name: "PORT", value: String(LOGSTASH_EXPORTER_PORT) },
        { name: "SSL_CERT_FILE", value: `${API_CA_DIR}/ca.crt` },
      ],
      ports: [{ name: "metrics", containerPort: LOGSTASH_EXPORTER_PORT, protocol: "TCP" }],
      // No readiness probe: a sidecar's readiness is the pod's, and the Beats Service would drop
      // a working Logstash whenever its exporter is not ready.
      resources: EXPORTER_RESOURCES,
      securityContext: EXPORTER_SECURITY_CONTEXT,
      volumeMounts: [{ name: API_CA_VOLUME, mountPath: API_CA_DIR, readOnly: true }],
    },
    // ECK publishes the CA of the API certificate as `<name>-ls-http-certs-public` (ca.crt).
    volume: { name: API_CA_VOLUME, secret: { secretName: `${names.logstash}-ls-http-certs-public` } },
  };
}

/** ECK labels every Logstash pod with the resource's name. */
export const logstashMonitor = (config: PlatformInput) =>
  podMonitor(config, {
    name: "logstash",
    job: PLATFORM_JOBS.logstash,
    namespace: config.logging.namespace,
    selector: { "logstash.k8s.elastic.co/name": eckNames(config).logstash },
    port: "metrics",
  });

const sel = (config: PlatformInput, extra = "") =>
  partSelector(PLATFORM_JOBS.logstash, config.logging.namespace, extra);
const BY = "namespace, pod, pipeline";

export const LOGSTASH_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "LogstashDown",
    component: "logstash",
    priority: "P1",
    runbook: "logstash",
    reason:
      "no Logstash instance answers: nothing reaches Elasticsearch or the archive, and Filebeat's backlog ages on the nodes, where kubelet rotates container logs away",
    for: "5m",
    firesWithin: "6m",
    summary: "No Logstash instance is up",
    description:
      "Neither the exporter sidecars nor Logstash's monitoring API behind them have answered for 5 minutes.",
    expr: (c) =>
      `(sum by (namespace) (logstash_info_up${sel(c)}) == 0) or (count by (namespace) (up${sel(c)}) == count by (namespace) (up${sel(c)} == 0)) or absent(up${sel(c)})`,
  },
  {
    alert: "LogstashPipelineStalled",
    component: "logstash",
    priority: "P1",
    runbook: "logstash",
    reason:
      "events arrive but none leave: logs stop reaching Elasticsearch, and Filebeat stops shipping on every node once it cannot hand them over",
    for: "5m",
    firesWithin: "11m",
    summary: "Logstash pipeline {{ $labels.pipeline }} on {{ $labels.pod }} emits no events",
    description:
      "Pipeline {{ $labels.pipeline }} on {{ $labels.pod }} has taken in events (or its inputs are blocked, or its queue holds events) but sent none out for 10 minutes.",
    // A stalled memory-queue pipeline blocks its inputs too (`in` stops as well): inputs blocked on a
    // full queue (backpressure) or a queue that holds events count as demand, not only `in`. The
    // archive pipeline has its own alert (ArchiveOutputFailing): one page per cause.
    expr: (c) => {
      const s = sel(c, `,pipeline!="${LOGSTASH_PIPELINES.archive}"`);
      return `(sum by (${BY}) (increase(logstash_stats_pipeline_events_out${s}[5m])) == 0) and on (${BY}) ((sum by (${BY}) (increase(logstash_stats_pipeline_events_in${s}[5m])) > 0) or (max by (${BY}) (logstash_stats_pipeline_flow_queue_backpressure_current${s}) > 0) or (max by (${BY}) (logstash_stats_pipeline_queue_events_count${s}) > 0))`;
    },
  },
  {
    alert: "LogstashQueueFilling",
    component: "logstash",
    priority: "P2",
    runbook: "logstash",
    reason:
      "the persisted queue buffers the archive while its output is slow; when it is full the ingest pipeline blocks and the stall pages: act within the hour, before that",
    for: "10m",
    firesWithin: "11m",
    summary:
      "Logstash queue of {{ $labels.pipeline }} on {{ $labels.pod }} is {{ $value | humanizePercentage }} full",
    description:
      "The persisted queue of pipeline {{ $labels.pipeline }} on {{ $labels.pod }} is over 80% of queue.max_bytes, or over 25% and on course to fill within 2 hours.",
    // queue_events_queue_size is the queue's size in bytes (the exporter names it after the JSON
    // field's parent); memory queues report a max of 0 and are left out.
    expr: (c) => {
      const size = `logstash_stats_pipeline_queue_events_queue_size${sel(c)}`;
      const max = `logstash_stats_pipeline_queue_max_size_in_bytes${sel(c)}`;
      const ratio = `(sum by (${BY}) (${size}) / sum by (${BY}) (${max} > 0))`;
      return `(${ratio} > 0.8) or ((${ratio} > 0.25) and on (${BY}) (sum by (${BY}) (predict_linear(${size}[30m], 7200)) >= on (${BY}) sum by (${BY}) (${max} > 0)))`;
    },
  },
  {
    alert: "ArchiveOutputFailing",
    component: "logstash",
    priority: "P1",
    runbook: "logstash",
    reason:
      "the S3 archive is the 7-year audit record and nothing is being written to it; its persisted queue holds the lines only until it is full (1 GiB: well under an hour at production volumes), then ingestion into Elasticsearch stops too",
    for: "5m",
    firesWithin: "16m after the S3 output blocks",
    summary: "The S3 archive output on {{ $labels.pod }} writes nothing while the archive queue holds events",
    description:
      "The archive pipeline's S3 outputs on {{ $labels.pod }} have sent no event out in 10 minutes while its persisted queue holds events. The S3 output retries failed uploads forever and logs `Uploading failed, retrying`; once its upload threads are busy the pipeline's workers wait on the upload.",
    expr: (c) =>
      `(sum by (namespace, pod) (increase(logstash_stats_pipeline_plugin_events_out${sel(c, `,pipeline="${LOGSTASH_PIPELINES.archive}",plugin_type="output",plugin="s3"`)}[10m])) == 0) and on (namespace, pod) (sum by (namespace, pod) (logstash_stats_pipeline_queue_events_count${sel(c, `,pipeline="${LOGSTASH_PIPELINES.archive}"`)}) > 0)`,
  },
  {
    alert: "LogstashDeadLetterQueueGrowing",
    component: "logstash",
    priority: "P3",
    runbook: "logstash",
    reason:
      "Elasticsearch refuses some documents (a mapping conflict, say): they are missing from search but kept in the dead-letter queue and archived to S3 all the same; look within the working day",
    for: "15m",
    firesWithin: "16m",
    summary: "Logstash dead-letter queue of {{ $labels.pipeline }} on {{ $labels.pod }} grows",
    description:
      "Events Elasticsearch refused are being written to the dead-letter queue of {{ $labels.pipeline }} on {{ $labels.pod }} (or dropped because it is full).",
    expr: (c) =>
      `(sum by (${BY}) (delta(logstash_stats_pipeline_dead_letter_queue_size_in_bytes${sel(c)}[15m])) > 0) or (sum by (${BY}) (increase(logstash_stats_pipeline_dead_letter_queue_dropped_events${sel(c)}[15m])) > 0)`,
  },
  {
    alert: "LogstashPipelineReloadFailed",
    component: "logstash",
    priority: "P3",
    runbook: "logstash",
    reason:
      "the previous pipeline keeps running and nothing is lost, but the deployed change is not in effect",
    for: "5m",
    firesWithin: "6m",
    summary: "Logstash failed to reload pipeline {{ $labels.pipeline }} on {{ $labels.pod }}",
    description:
      "The last reload of {{ $labels.pipeline }} on {{ $labels.pod }} failed (the exporter's pipeline `up` is 0, or reload failures grew in 15 minutes).",
    expr: (c) =>
      `(max by (${BY}) (logstash_stats_pipeline_up${sel(c)}) == 0) or (sum by (${BY}) (increase(logstash_stats_pipeline_reloads_failures${sel(c)}[15m])) > 0)`,
  },
];
