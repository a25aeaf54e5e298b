import type { ServiceConfig, StackConfig } from "../../config";

export type MetricsInput = Pick<StackConfig, "metrics" | "production" | "teams" | "services" | "environment">;

/** Metrics settings with the production-dependent defaults filled in. */
export interface ResolvedMetrics {
  namespace: string;
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

export function resolveMetrics(config: MetricsInput): ResolvedMetrics {
  const m = config.metrics;
  // The schema guarantees at least one team and that ownerTeam names one of them.
  const ownerTeam = m.ownerTeam ?? config.teams[0]!.name;
  return {
    namespace: m.namespace,
    chartVersion: m.chartVersion,
    ownerTeam,
    prometheusReplicas: m.prometheus.replicas ?? (config.production ? 2 : 1),
    alertmanagerReplicas: m.alertmanager.replicas ?? (config.production ? 3 : 1),
    retention: m.prometheus.retention ?? (config.production ? "30d" : "7d"),
    prometheusUrl: `http://${KPS_FULLNAME}-prometheus.${m.namespace}.svc:9090`,
    alertmanagerUrl: `http://${KPS_FULLNAME}-alertmanager.${m.namespace}.svc:9093`,
  };
}

/** Workers serve no HTTP traffic of their own: they get no request SLOs. */
export const servesHttp = (svc: ServiceConfig): boolean => svc.kind !== "worker";
