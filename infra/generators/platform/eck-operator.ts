import { ECK_OPERATOR_NAMESPACE } from "../../config/logging";
import { podMonitor } from "./monitors";
import { PLATFORM_JOBS, type PlatformAlertSpec, type PlatformInput, partSelector } from "./types";

/**
 * The ECK operator: its metrics port is off by default (eck-operator chart, `config.metrics.port`
 * "0"). Set, the operator serves plain HTTP /metrics on a container port named `metrics`; the
 * chart's own PodMonitor would need prometheus-operator's CRDs before the ECK release, so ours is
 * created with the rules, after kube-prometheus-stack.
 */
export const ECK_METRICS_PORT = "9090";

/** The operator's namespace (the chart's release namespace, infra/generators/logging/kubernetes.ts). */
export { ECK_OPERATOR_NAMESPACE };

/** Values for the eck-operator chart: the metrics port on, plain HTTP (secureMode needs RBAC and TLS). */
export const eckOperatorMetricsValues = () => ({ config: { metrics: { port: ECK_METRICS_PORT } } });

/** The chart's selector labels: its name and instance are both `elastic-operator` (nameOverride, release). */
export const ECK_OPERATOR_SELECTOR = {
  "app.kubernetes.io/name": "elastic-operator",
  "app.kubernetes.io/instance": "elastic-operator",
} as const;

export const eckOperatorMonitor = (config: PlatformInput) =>
  podMonitor(config, {
    name: "eck-operator",
    job: PLATFORM_JOBS.eckOperator,
    namespace: ECK_OPERATOR_NAMESPACE,
    selector: { ...ECK_OPERATOR_SELECTOR },
    port: "metrics",
  });

// With the namespace: another team's Service named like ours must not stand in for it (issue 22).
const sel = partSelector(PLATFORM_JOBS.eckOperator, ECK_OPERATOR_NAMESPACE);

export const ECK_OPERATOR_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "ECKOperatorDown",
    component: "eck-operator",
    priority: "P3",
    runbook: "eck-operator",
    reason:
      "the running Elasticsearch, Kibana, Logstash and Filebeat keep working; changes, upgrades and certificate rotation (due 24 hours before expiry) wait for it: within the working day",
    for: "15m",
    firesWithin: "16m",
    summary: "The ECK operator is down",
    description:
      "The ECK operator's metrics endpoint has not answered for 15 minutes (or is not scraped at all).",
    expr: () => `(max by (job) (up${sel}) == 0) or absent(up${sel})`,
  },
];
