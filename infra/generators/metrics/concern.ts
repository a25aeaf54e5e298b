import { type Concern, toYaml } from "../../artifacts";
import { PRIORITIES } from "../../catalog/alert-levels";
import { alertmanagerConfig } from "./alertmanager";
import { BURN_PAIRS, burnRate } from "./alerts";
import { alertRules, ruleFile } from "./rules";
import { resolveMetrics } from "./settings";

export const metricsConcern: Concern = {
  name: "metrics and alerting",
  artifacts: (config) => [
    { path: "prometheus/rules.yaml", content: toYaml(ruleFile(config)) },
    { path: "alertmanager/alertmanager.yaml", content: toYaml(alertmanagerConfig(config)) },
  ],
  summary: (config) => {
    const r = resolveMetrics(config);
    const rules = ruleFile(config);
    const records = rules.groups.reduce((n, g) => n + g.rules.filter((x) => x.record).length, 0);
    const alerts = alertRules(config);
    const byPriority = PRIORITIES.map(
      (p) => `${alerts.filter((a) => a.labels?.priority === p).length} ${p}`,
    ).join(", ");
    return [
      "## Metrics and alerting",
      "",
      `kube-prometheus-stack ${r.chartVersion} in namespace \`${r.namespace}\`: Prometheus ×${r.prometheusReplicas} (retention ${r.retention}), Alertmanager ×${r.alertmanagerReplicas}. ${records} recording rules and ${alerts.length} alert rules (${byPriority}), one per kind for all ${config.services.length} services: [prometheus/rules.yaml](prometheus/rules.yaml). Every alert, its priority and why, and its runbook: [docs/alerts.md](../../docs/alerts.md).`,
      "",
      "SLO burn-rate alerts (for a 30-day window):",
      "",
      "| Long / short window | Burn rate | Priority | Why |",
      "|---|---|---|---|",
      ...BURN_PAIRS.map((p) => `| ${p.long} / ${p.short} | ${burnRate(p, 30)} | ${p.priority} | ${p.why} |`),
      "",
    ].join("\n");
  },
};
