import { toYaml } from "../../artifacts";
import { JSON_EXPORTER } from "../../versions";
import { ref } from "../refs";
import { eckNames } from "../logging/names";
import { LOGGING_PART_OF, managedLabels } from "../labels";
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
 * Filebeat: its HTTP endpoint (`http.enabled`, port 5066) serves its metrics registry as JSON only
 * (`/stats`). prometheus-community's json_exporter runs beside Filebeat in each pod of the
 * DaemonSet, so the endpoint stays on localhost, and turns `/stats` into the metrics of the module
 * below (trustpilot's beat-exporter has not changed since 2020). The JSON shape is libbeat's
 * monitoring registry: `libbeat.output.events.*` (libbeat/outputs/metrics.go),
 * `libbeat.pipeline.events.*` (libbeat/publisher/pipeline/monitoring.go).
 */

export const FILEBEAT_HTTP_PORT = 5066;
export const JSON_EXPORTER_PORT = 7979;
export const FILEBEAT_MODULE = "filebeat";
const CONFIG_DIR = "/etc/json-exporter";
const CONFIG_VOLUME = "json-exporter-config";

/** Filebeat's own settings for the stats endpoint: on, and on localhost only. */
export const FILEBEAT_HTTP_SETTINGS = {
  "http.enabled": true,
  "http.host": "localhost",
  "http.port": FILEBEAT_HTTP_PORT,
} as const;

interface JsonMetric {
  name: string;
  /** A JSONPath in kubectl's syntax (json_exporter's), a plain field path here. */
  path: string;
  help: string;
  valuetype: "counter" | "gauge";
}

/** The metrics of the json_exporter module: every Filebeat metric a rule or dashboard reads. */
export const FILEBEAT_METRICS: readonly JsonMetric[] = [
  {
    name: "filebeat_output_events_acked_total",
    path: "{.libbeat.output.events.acked}",
    help: "Events the output (Logstash) acknowledged.",
    valuetype: "counter",
  },
  {
    name: "filebeat_output_events_failed_total",
    path: "{.libbeat.output.events.failed}",
    help: "Events the output failed to send; Filebeat retries them.",
    valuetype: "counter",
  },
  {
    name: "filebeat_output_events_dropped_total",
    path: "{.libbeat.output.events.dropped}",
    help: "Events the output dropped for good (encoding errors, too large).",
    valuetype: "counter",
  },
  {
    name: "filebeat_output_write_errors_total",
    path: "{.libbeat.output.write.errors}",
    help: "Network write errors of the output.",
    valuetype: "counter",
  },
  {
    name: "filebeat_pipeline_events_published_total",
    path: "{.libbeat.pipeline.events.published}",
    help: "Events the pipeline's queue accepted from the inputs.",
    valuetype: "counter",
  },
  {
    name: "filebeat_pipeline_events_dropped_total",
    path: "{.libbeat.pipeline.events.dropped}",
    help: "Events dropped after the output's retries were exhausted.",
    valuetype: "counter",
  },
  {
    name: "filebeat_pipeline_events_active",
    path: "{.libbeat.pipeline.events.active}",
    help: "Events in the pipeline, not yet acknowledged: the node's backlog.",
    valuetype: "gauge",
  },
];

/** json_exporter's configuration: one module for Filebeat's `/stats`. */
export const jsonExporterConfig = () => ({
  modules: { [FILEBEAT_MODULE]: { metrics: FILEBEAT_METRICS.map((m) => ({ ...m })) } },
});

/** The ConfigMap the sidecars read their module from. */
export const jsonExporterConfigMapName = (config: PlatformInput) =>
  `${eckNames(config).filebeat}-json-exporter`;

/** The module as the sidecars read it, in Filebeat's namespace (the component's `ref("namespace")` there). */
export const jsonExporterConfigMap = (config: PlatformInput) => ({
  metadata: {
    name: jsonExporterConfigMapName(config),
    namespace: ref("namespace"),
    labels: managedLabels(LOGGING_PART_OF),
  },
  data: { "config.yml": toYaml(jsonExporterConfig()) },
});

/** The sidecar and its volume, added to Filebeat's pod template. */
export function filebeatExporter(config: PlatformInput) {
  return {
    container: {
      name: "json-exporter",
      image: `${JSON_EXPORTER.repository}:${JSON_EXPORTER.tag}`,
      args: [`--config.file=${CONFIG_DIR}/config.yml`, `--web.listen-address=:${JSON_EXPORTER_PORT}`],
      ports: [{ name: "stats-metrics", containerPort: JSON_EXPORTER_PORT, protocol: "TCP" }],
      resources: EXPORTER_RESOURCES,
      securityContext: EXPORTER_SECURITY_CONTEXT,
      volumeMounts: [{ name: CONFIG_VOLUME, mountPath: CONFIG_DIR, readOnly: true }],
    },
    volume: { name: CONFIG_VOLUME, configMap: { name: jsonExporterConfigMapName(config) } },
  };
}

/** Each pod's sidecar probes its own Filebeat; `node` says which node ships nothing. */
export const filebeatMonitor = (config: PlatformInput) =>
  podMonitor(config, {
    name: "filebeat",
    job: PLATFORM_JOBS.filebeat,
    namespace: eckNames(config).filebeatNamespace,
    selector: { "beat.k8s.elastic.co/name": eckNames(config).filebeat },
    port: "stats-metrics",
    path: "/probe",
    params: { module: [FILEBEAT_MODULE], target: [`http://localhost:${FILEBEAT_HTTP_PORT}/stats`] },
    labelsFromMeta: { node: "__meta_kubernetes_pod_node_name" },
  });

/** ECK names the DaemonSet of a Beat `<name>-beat-<type>`. */
export const filebeatDaemonSet = (config: PlatformInput) => `${eckNames(config).filebeat}-beat-filebeat`;

const sel = (config: PlatformInput) =>
  partSelector(PLATFORM_JOBS.filebeat, eckNames(config).filebeatNamespace);
const BY = "namespace, pod, node";

export const FILEBEAT_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "FilebeatNodeShipsNothing",
    component: "filebeat",
    priority: "P2",
    runbook: "filebeat",
    reason:
      "one node's logs wait in its files: nothing is lost until kubelet rotates them away (10 MiB × 5 per container by default), so act within the hour",
    for: "5m",
    firesWithin: "21m",
    summary: "Filebeat on node {{ $labels.node }} ships nothing",
    description:
      "Filebeat on {{ $labels.node }} has events waiting but Logstash acknowledged none in 15 minutes, or its stats cannot be read.",
    // Not on DaemonSet pods being unavailable: a rolling update keeps that at 1 for its whole length
    // (the chart's KubeDaemonSetNotScheduled and KubeDaemonSetRolloutStuck watch pods that do not run).
    expr: (c) =>
      `(sum by (${BY}) (increase(filebeat_output_events_acked_total${sel(c)}[15m])) == 0 and on (${BY}) (max by (${BY}) (filebeat_pipeline_events_active${sel(c)}) > 0)) or (max by (${BY}) (up${sel(c)}) == 0)`,
  },
  {
    alert: "FilebeatDroppingEvents",
    component: "filebeat",
    priority: "P2",
    runbook: "filebeat",
    reason:
      "dropped lines are lost for good, from search and from the archive (the audit record included); not a page, as the rest of the stream flows",
    for: "1m",
    firesWithin: "2m",
    summary: "Filebeat on node {{ $labels.node }} drops events",
    description:
      "Filebeat on {{ $labels.node }} dropped events in the last 15 minutes; they will not be retried.",
    expr: (c) =>
      `(sum by (${BY}) (increase(filebeat_output_events_dropped_total${sel(c)}[15m])) > 0) or (sum by (${BY}) (increase(filebeat_pipeline_events_dropped_total${sel(c)}[15m])) > 0)`,
  },
  {
    alert: "FilebeatOutputErrors",
    component: "filebeat",
    priority: "P3",
    runbook: "filebeat",
    reason:
      "Filebeat retries failed batches and nothing is lost while some still get through; worth a look the same day",
    for: "15m",
    firesWithin: "16m",
    summary: "Filebeat on node {{ $labels.node }} fails to send to Logstash",
    description:
      "Filebeat on {{ $labels.node }} has had failed sends or write errors for 15 minutes; it retries them.",
    expr: (c) =>
      `(sum by (${BY}) (rate(filebeat_output_events_failed_total${sel(c)}[5m])) > 0) or (sum by (${BY}) (rate(filebeat_output_write_errors_total${sel(c)}[5m])) > 0)`,
  },
];
