import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { FILEBEAT_METRICS } from "../infra/generators/platform/filebeat";
import { LOGSTASH_PIPELINES } from "../infra/generators/platform/logstash";
import { PLATFORM_JOBS } from "../infra/generators/platform/types";
import { baseDashboard, type DashboardDefinition, PROMETHEUS, prom, promTimeseries } from "./common";

/**
 * The logging pipeline end to end: Filebeat on each node, through Logstash's two pipelines, into
 * Elasticsearch and the S3 archive; queues, backlog, rejections, disk and cluster health. Platform
 * metrics only: the exporters' names (tests/platform/metric-names.test.ts checks each against the
 * exporter's own output or source).
 */

/** A part's series by namespace and job: another team's Service named like ours stays out (issue 22). */
const part = (job: string, namespace: string) => `namespace="${namespace}",job="${job}"`;
const RATE = "[$__rate_interval]";

/**
 * prometheus-community/elasticsearch_exporter's series (collector/cluster_health.go and
 * collector/nodes.go at v1.10.0): cluster health by color, unassigned shards, per-node data disk,
 * thread-pool rejections by pool `type`, indexing totals.
 */
export const ELASTICSEARCH_EXPORTER_SERIES = [
  "elasticsearch_cluster_health_status",
  "elasticsearch_cluster_health_unassigned_shards",
  "elasticsearch_filesystem_data_available_bytes",
  "elasticsearch_filesystem_data_size_bytes",
  "elasticsearch_thread_pool_rejected_count",
  "elasticsearch_indices_indexing_index_total",
] as const;

const filebeat = (name: string) => {
  if (!FILEBEAT_METRICS.some((m) => m.name === name))
    throw new Error(`${name} is not in the Filebeat module`);
  return name;
};

export const loggingPipeline: DashboardDefinition = {
  uid: "obs-logging-pipeline",
  title: "Logging pipeline",
  tags: ["logging", "platform"],
  // The platform's own dashboard: no service's, so it goes in the shared folder.
  services: () => [],
  requiredPanels: () => [
    "Filebeat: events shipped per node",
    "Filebeat: backlog and failures per node",
    "Logstash: events in and out per pipeline",
    "Archive: events written to S3 per log type",
    "Logstash: persisted queue fill",
    "Logstash: dead-letter queue",
    "Elasticsearch: documents indexed",
    "Elasticsearch: write rejections",
    "Elasticsearch: data disk available",
    "Elasticsearch: cluster health",
    "Elasticsearch: unassigned shards",
    "Platform alerts firing",
  ],
  build(ctx) {
    const LS = part(PLATFORM_JOBS.logstash, ctx.loggingNamespace);
    const FB = part(PLATFORM_JOBS.filebeat, ctx.loggingNamespace);
    const health = (color: string) => `max(elasticsearch_cluster_health_status{color="${color}"})`;
    return baseDashboard(
      this,
      ctx,
      [],
      "Filebeat → Logstash → Elasticsearch and the S3 archive: flow, queues and backlog, rejections, disk and cluster health.",
    )
      .withPanel(
        promTimeseries(
          "Filebeat: events shipped per node",
          "ops",
          [
            prom(
              `sum by (node) (rate(${filebeat("filebeat_output_events_acked_total")}{${FB}}${RATE}))`,
              "{{node}}",
            ),
          ],
          "Events per second Logstash acknowledged, per node. A node at 0 while others ship: FilebeatNodeShipsNothing.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Filebeat: backlog and failures per node",
          "short",
          [
            prom(`max by (node) (${filebeat("filebeat_pipeline_events_active")}{${FB}})`, "backlog {{node}}"),
            prom(
              `sum by (node) (rate(${filebeat("filebeat_output_events_failed_total")}{${FB}}${RATE}))`,
              "failed/s {{node}}",
            ),
            prom(
              `sum by (node) (rate(${filebeat("filebeat_output_events_dropped_total")}{${FB}}${RATE}))`,
              "dropped/s {{node}}",
            ),
          ],
          "Events waiting in each node's Filebeat, and failed (retried) or dropped (lost) events per second.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Logstash: events in and out per pipeline",
          "ops",
          [
            prom(
              `sum by (pipeline) (rate(logstash_stats_pipeline_events_in{${LS}}${RATE}))`,
              "in {{pipeline}}",
            ),
            prom(
              `sum by (pipeline) (rate(logstash_stats_pipeline_events_out{${LS}}${RATE}))`,
              "out {{pipeline}}",
            ),
          ],
          "`ingest` takes Filebeat's events to Elasticsearch and hands a copy to `archive`; in without out is a stall.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Archive: events written to S3 per log type",
          "ops",
          [
            prom(
              `sum by (plugin_id) (rate(logstash_stats_pipeline_plugin_events_out{${LS},pipeline="${LOGSTASH_PIPELINES.archive}",plugin="s3"}${RATE}))`,
              "{{plugin_id}}",
            ),
          ],
          "Events each S3 output (archive-s3-<log type>) took per second. All at 0 while the archive queue holds events: ArchiveOutputFailing.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Logstash: persisted queue fill",
          "percentunit",
          [
            prom(
              `sum by (pod, pipeline) (logstash_stats_pipeline_queue_events_queue_size{${LS}}) / sum by (pod, pipeline) (logstash_stats_pipeline_queue_max_size_in_bytes{${LS}} > 0)`,
              "{{pipeline}} {{pod}}",
            ),
          ],
          "Bytes in the persisted queue of its limit (queue.max_bytes). Full: the ingest pipeline blocks.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Logstash: dead-letter queue",
          "bytes",
          [
            prom(
              `sum by (pod, pipeline) (logstash_stats_pipeline_dead_letter_queue_size_in_bytes{${LS}})`,
              "{{pipeline}} {{pod}}",
            ),
          ],
          "Documents Elasticsearch refused, kept for inspection (they were archived to S3 all the same).",
        ),
      )
      .withPanel(
        promTimeseries(
          "Elasticsearch: documents indexed",
          "ops",
          [prom(`sum(rate(elasticsearch_indices_indexing_index_total${RATE}))`, "indexed/s")],
          "Documents indexed per second across the cluster: the end of the flow.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Elasticsearch: write rejections",
          "ops",
          [
            prom(
              `sum by (name) (rate(elasticsearch_thread_pool_rejected_count{type="write"}${RATE}))`,
              "{{name}}",
            ),
          ],
          "Bulk writes the write thread pool refused per node: Logstash retries them, the pipeline slows.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Elasticsearch: data disk available",
          "percentunit",
          [
            prom(
              "min by (name) (elasticsearch_filesystem_data_available_bytes / elasticsearch_filesystem_data_size_bytes)",
              "{{name}}",
            ),
          ],
          "Free share of each data node's disk; at the flood-stage watermark (5% free by default) indices turn read-only.",
        ),
      )
      .withPanel(
        new StatPanel()
          .title("Elasticsearch: cluster health")
          .description("0 green, 1 yellow (replicas unassigned), 2 red (primaries unassigned).")
          .datasource(PROMETHEUS)
          .withTarget(prom(`${health("yellow")} + 2 * ${health("red")}`, "health").instant())
          .height(4)
          .span(6),
      )
      .withPanel(
        new StatPanel()
          .title("Elasticsearch: unassigned shards")
          .description("Shards no node holds: replicas (yellow) or primaries (red).")
          .datasource(PROMETHEUS)
          .withTarget(prom("max(elasticsearch_cluster_health_unassigned_shards)", "unassigned").instant())
          .height(4)
          .span(6),
      )
      .withPanel(
        new StatPanel()
          .title("Platform alerts firing")
          .description("The platform's own alerts firing now, by component (docs/alerts.md).")
          .datasource(PROMETHEUS)
          .noValue("0")
          .withTarget(
            prom(
              'count by (component) (ALERTS{alertstate="firing",component!=""})',
              "{{component}}",
            ).instant(),
          )
          .height(4)
          .span(12),
      )
      .build();
  },
};
