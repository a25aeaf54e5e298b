import { GRAFANA_RELEASE } from "../grafana/release";
import { serviceMonitor } from "./monitors";
import { PLATFORM_JOBS, type PlatformAlertSpec, type PlatformInput, partSelector } from "./types";

/**
 * Grafana serves /metrics without authentication by default (`[metrics] enabled`); the grafana
 * chart's own ServiceMonitor is off (`serviceMonitor.enabled: false`), and ours is created after
 * kube-prometheus-stack's CRDs. The chart's Service port is named `service` (80 → 3000).
 * Grafana-managed rules count their failed evaluations in
 * `grafana_alerting_rule_evaluation_failures_total` (pkg/services/ngalert/metrics).
 */
export const grafanaMonitor = (config: PlatformInput) =>
  serviceMonitor(config, {
    name: "grafana",
    job: PLATFORM_JOBS.grafana,
    namespace: config.grafana.namespace,
    selector: {
      "app.kubernetes.io/name": "grafana",
      "app.kubernetes.io/instance": GRAFANA_RELEASE,
    },
    port: "service",
  });

const sel = (c: PlatformInput) => partSelector(PLATFORM_JOBS.grafana, c.grafana.namespace);

export const GRAFANA_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "GrafanaDown",
    component: "grafana",
    priority: "P2",
    runbook: "grafana",
    reason:
      "dashboards are gone and Grafana-managed alerts (a service that stops logging) are not evaluated; Prometheus alerts still reach people through Alertmanager: within the hour",
    for: "5m",
    firesWithin: "6m",
    summary: "Grafana is down",
    description: "No Grafana instance has answered its /metrics scrape for 5 minutes.",
    expr: (c) => `(sum by (namespace) (up${sel(c)}) == 0) or absent(up${sel(c)})`,
  },
  {
    alert: "GrafanaRuleEvaluationFailures",
    component: "grafana",
    priority: "P3",
    runbook: "grafana",
    reason:
      "a Grafana-managed rule that cannot be evaluated is blind (its data source is unreachable or its query broken); no user impact by itself",
    for: "15m",
    firesWithin: "16m",
    summary: "Grafana-managed alert rules fail to evaluate",
    description:
      "Grafana counted {{ $value }} failed rule evaluations in the last 15 minutes, for 15 minutes.",
    expr: (c) =>
      `sum by (namespace) (increase(grafana_alerting_rule_evaluation_failures_total${sel(c)}[15m])) > 0`,
  },
];
