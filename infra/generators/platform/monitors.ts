import { partOf } from "../labels";
import { resolveMetrics } from "../metrics/settings";
import { jobRelabeling, type PlatformInput } from "./types";

/**
 * prometheus-operator objects that scrape the platform's parts. They live in the metrics namespace,
 * like the application ServiceMonitors, and reach the part's namespace through `namespaceSelector`.
 */
const MONITORING = "monitoring.coreos.com/v1";

const metadata = (config: Pick<PlatformInput, "metrics">, name: string) => ({
  name,
  namespace: resolveMetrics(config).namespace,
  labels: { ...partOf(), "app.kubernetes.io/name": name },
});

export interface PodScrape {
  name: string;
  job: string;
  namespace: string;
  selector: Record<string, string>;
  /** Name of the container port that serves metrics. */
  port: string;
  path?: string;
  params?: Record<string, string[]>;
  /** Extra target labels from pod metadata, e.g. `node` from `__meta_kubernetes_pod_node_name`. */
  labelsFromMeta?: Record<string, string>;
}

/** A PodMonitor: for sidecars and pods that no Service selects (ECK's Beat and operator have none). */
export function podMonitor(config: PlatformInput, s: PodScrape) {
  return {
    apiVersion: MONITORING,
    kind: "PodMonitor",
    metadata: metadata(config, s.name),
    spec: {
      selector: { matchLabels: s.selector },
      namespaceSelector: { matchNames: [s.namespace] },
      podMetricsEndpoints: [
        {
          port: s.port,
          path: s.path ?? "/metrics",
          interval: config.metrics.prometheus.scrapeInterval,
          ...(s.params ? { params: s.params } : {}),
          relabelings: [
            jobRelabeling(s.job),
            ...Object.entries(s.labelsFromMeta ?? {}).map(([label, meta]) => ({
              action: "replace",
              sourceLabels: [meta],
              targetLabel: label,
            })),
          ],
        },
      ],
    },
  };
}

/** A ServiceMonitor on a Service of another release (Grafana's chart). */
export function serviceMonitor(
  config: PlatformInput,
  s: { name: string; job: string; namespace: string; selector: Record<string, string>; port: string },
) {
  return {
    apiVersion: MONITORING,
    kind: "ServiceMonitor",
    metadata: metadata(config, s.name),
    spec: {
      selector: { matchLabels: s.selector },
      namespaceSelector: { matchNames: [s.namespace] },
      endpoints: [
        {
          port: s.port,
          path: "/metrics",
          interval: config.metrics.prometheus.scrapeInterval,
          relabelings: [jobRelabeling(s.job)],
        },
      ],
    },
  };
}

/**
 * A Probe: the blackbox exporter at `proberUrl` checks each target with `module`. `labels` go on
 * every series of its targets; without a `namespace` among them the operator adds the Probe's own.
 */
export function probe(
  config: Pick<PlatformInput, "metrics">,
  p: {
    name: string;
    job: string;
    proberUrl: string;
    module: string;
    targets: string[];
    labels?: Record<string, string>;
  },
) {
  return {
    apiVersion: MONITORING,
    kind: "Probe",
    metadata: metadata(config, p.name),
    spec: {
      jobName: p.job,
      prober: { url: p.proberUrl, path: "/probe" },
      module: p.module,
      interval: config.metrics.prometheus.scrapeInterval,
      targets: { staticConfig: { static: p.targets, ...(p.labels ? { labels: p.labels } : {}) } },
    },
  };
}
