import { type Concern, toYaml } from "../../artifacts";
import { alertmanagerConfig, routingMermaid } from "./alertmanager";
import { ALERTS, BURN_PAIRS, burnRate } from "./alerts";
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
    const runbookName = (url: string) => url.slice(url.lastIndexOf("/") + 1);
    return [
      "## Metrics and alerting",
      "",
      `kube-prometheus-stack ${r.chartVersion} in namespace \`${r.namespace}\`: Prometheus ×${r.prometheusReplicas} (retention ${r.retention}), Alertmanager ×${r.alertmanagerReplicas}. ${records} recording rules and ${alerts.length} alerts for ${config.services.length} services.`,
      "",
      "| Alert | Service | Priority | Team | Runbook |",
      "|---|---|---|---|---|",
      ...alerts.map(
        (a) =>
          `| ${a.alert} | ${a.labels?.service ?? "—"} | ${a.labels?.priority} | ${a.labels?.team} | [${runbookName(a.annotations?.runbook_url ?? "")}](${a.annotations?.runbook_url}) |`,
      ),
      "",
      "SLO burn-rate pairs (for a 30-day window):",
      "",
      "| Long / short window | Burn rate | Priority | Why |",
      "|---|---|---|---|",
      ...BURN_PAIRS.map((p) => `| ${p.long} / ${p.short} | ${burnRate(p, 30)} | ${p.priority} | ${p.why} |`),
      "",
      "Alertmanager routing tree (grouped by alertname and service; a P1 on a service inhibits its P2 and P3):",
      "",
      routingMermaid(alertmanagerConfig(config)),
      "",
      `Alert catalog: ${ALERTS.map((a) => `${a.alert} (${a.priority})`).join(", ")}.`,
      "",
    ].join("\n");
  },
};
