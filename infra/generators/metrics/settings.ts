import type { ServiceConfig, StackConfig } from "../../config";
import { NODE_EXPORTER_NAMESPACE_SUFFIX } from "../../config/metrics";

/** `logging`: where the platform alerts find the logging stack's exporters (infra/generators/platform). */
export type MetricsInput = Pick<
  StackConfig,
  "metrics" | "production" | "teams" | "services" | "environment" | "logging"
> &
  // Optional: a stack without business metrics (and the fleets the tests build) leaves it out.
  Partial<Pick<StackConfig, "businessMetrics">>;

/** Metrics settings as generators read them (the schema resolved the production-dependent defaults). */
export interface ResolvedMetrics {
  namespace: string;
  /**
   * node-exporter's own namespace, beside the metrics namespace: it needs the host (a privileged
   * pod), so it is kept out of the namespace that enforces the restricted standard (pod-security).
   */
  nodeExporterNamespace: string;
  chartVersion: string;
  ownerTeam: string;
  prometheusReplicas: number;
  alertmanagerReplicas: number;
  retention: string;
  /** In-cluster URLs of the services the chart creates (fullnameOverride "kps"). */
  prometheusUrl: string;
  alertmanagerUrl: string;
}

/** The chart's resources are named from this, so URLs and selectors are predictable. */
export const KPS_FULLNAME = "kps";

export function resolveMetrics(config: Pick<StackConfig, "metrics">): ResolvedMetrics {
  const m = config.metrics;
  return {
    namespace: m.namespace,
    nodeExporterNamespace: `${m.namespace}${NODE_EXPORTER_NAMESPACE_SUFFIX}`,
    chartVersion: m.chartVersion,
    ownerTeam: m.ownerTeam,
    prometheusReplicas: m.prometheus.replicas,
    alertmanagerReplicas: m.alertmanager.replicas,
    retention: m.prometheus.retention,
    prometheusUrl: `http://${KPS_FULLNAME}-prometheus.${m.namespace}.svc:9090`,
    alertmanagerUrl: `http://${KPS_FULLNAME}-alertmanager.${m.namespace}.svc:9093`,
  };
}

/** Workers serve no HTTP traffic of their own: they get no request SLOs. */
export const servesHttp = (svc: ServiceConfig): boolean => svc.kind !== "worker";
