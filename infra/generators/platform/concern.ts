import { type Concern, toYaml } from "../../artifacts";
import { PRIORITIES, type Priority } from "../../catalog/alert-levels";
import { ALERTS } from "../metrics/alerts";
import { resolveMetrics } from "../metrics/settings";
import { chartAlerts, enabledChartAlerts } from "./chart-values";
import { COMPONENT_ALERTS, PLATFORM_COMPONENTS } from "./components";
import { jsonExporterConfig } from "./filebeat";
import { blackboxConfigYaml } from "./kibana";
import { platformMonitors } from "./kubernetes";
import { PLATFORM_ALERTS, platformRuleFile } from "./rules";
import { THANOS_PARTS, type ThanosPart } from "../thanos/names";
import { COMPONENTS } from "./types";

/** One alert that watches a part of the platform, as summary.md lists it. */
interface Watcher {
  alert: string;
  priority: Priority;
  component: string;
  runbook: string;
  /** The chart's severity, where an alert of the chart has two thresholds. */
  severity?: string;
}

/**
 * Every alert on the platform's own parts: ours (the metrics catalog's platform alerts and the
 * logging pipeline's, infra/generators/platform/rules.ts) and kube-prometheus-stack's.
 */
export function platformWatchers(): Watcher[] {
  const ours = ALERTS.filter((a) => a.scope === "platform" && a.component).map((a) => ({
    alert: a.alert,
    priority: a.priority,
    component: a.component as string,
    runbook: a.runbook,
  }));
  const pipeline = [...COMPONENT_ALERTS, ...PLATFORM_ALERTS].map((a) => ({
    alert: a.alert,
    priority: a.priority,
    component: a.component,
    runbook: a.runbook,
  }));
  const chart = enabledChartAlerts().map((a) => ({
    alert: a.alert,
    priority: a.priority,
    component: a.component as string,
    runbook: a.runbook as string,
    severity: a.severity,
  }));
  return [...ours, ...pipeline, ...chart];
}

const thanosScrapes = () => {
  const via = (part: ThanosPart) =>
    part === "sidecar" ? "its /metrics in each Prometheus pod" : "its /metrics";
  return Object.fromEntries(
    (Object.keys(THANOS_PARTS) as ThanosPart[]).map((p) => [
      THANOS_PARTS[p],
      `${via(p)} (job \`${THANOS_PARTS[p]}\`)`,
    ]),
  ) as Record<(typeof THANOS_PARTS)[ThanosPart], string>;
};

/** How each part of the logging pipeline, Grafana and Thanos is scraped, for the summary. */
const SCRAPED_BY: Record<(typeof COMPONENTS)[number], string> = {
  logstash: "logstash-exporter sidecar (PodMonitor `logstash`)",
  filebeat: "json_exporter sidecar on `/stats` (PodMonitor `filebeat`) and kube-state-metrics",
  kibana: "blackbox exporter on `/api/status` (Probe `kibana`)",
  "eck-operator": "its metrics port (PodMonitor `eck-operator`)",
  "logging-settings": "kube-state-metrics (`kube_job_failed`)",
  grafana: "its /metrics (ServiceMonitor `grafana`)",
  // The Thanos parts' monitors are created with them (infra/generators/thanos/); `job` is the part.
  ...thanosScrapes(),
};

export const platformConcern: Concern = {
  name: "platform",
  artifacts: (config) => [
    { path: "prometheus/platform-rules.yaml", content: toYaml(platformRuleFile(config)) },
    { path: "exporters/blackbox.yml", content: blackboxConfigYaml() },
    { path: "exporters/json-exporter.yml", content: toYaml(jsonExporterConfig()) },
  ],
  summary: (config) => {
    const watchers = platformWatchers();
    const off = chartAlerts().filter((a) => a.priority === "off").length;
    const count = (list: Watcher[]) =>
      PRIORITIES.map((p) => `${list.filter((w) => w.priority === p).length} ${p}`).join(", ");
    const components = [...new Set(watchers.map((w) => w.component))].sort();
    const metrics = resolveMetrics(config);
    return [
      "## The platform watches itself",
      "",
      `${watchers.length} alerts watch the platform's own parts (${count(watchers)}), all owned by team \`${metrics.ownerTeam}\` and labelled with the \`component\` they watch: kube-prometheus-stack's rules with our \`team\`, \`component\` and runbook, and \`priority\` from Prometheus's alert relabelling (${off} of the chart's alerts are off, each with its reason in [docs/alerts.md](../../docs/alerts.md)); Elasticsearch's in [prometheus/rules.yaml](prometheus/rules.yaml), the rest of the logging pipeline's, Grafana's and Thanos's in [prometheus/platform-rules.yaml](prometheus/platform-rules.yaml).`,
      "",
      "| Component | Alerts | Runbook | Watched by |",
      "|---|---|---|---|",
      ...components.map((c) => {
        const list = watchers.filter((w) => w.component === c);
        const runbooks = [...new Set(list.map((w) => w.runbook))];
        const names = [...new Set(list.map((w) => w.alert))].map((name) => {
          const of = list.filter((w) => w.alert === name);
          const detail = of.map((w) =>
            w.severity && of.length > 1 ? `${w.priority} ${w.severity}` : w.priority,
          );
          return `${name} (${detail.join(", ")})`;
        });
        return `| \`${c}\` | ${count(list)} | ${runbooks.map((r) => `[${r}](../../runbooks/${r}.md)`).join(", ")} | ${names.join(", ")} |`;
      }),
      "",
      `Elasticsearch is scraped by its exporter, the rest of the logging pipeline and Grafana by ${platformMonitors(config).length} monitors in \`${metrics.namespace}\`, Thanos's parts by the monitors created with them; exporter modules in [exporters/](exporters/). A service that stops logging while it runs is a Grafana-managed rule per service (its team, \`service\`).`,
      "",
      "| Component | Scraped by |",
      "|---|---|",
      ...PLATFORM_COMPONENTS.map((c) => `| \`${c.component}\` | ${c.watchedBy(config)} |`),
      ...COMPONENTS.map((c) => `| \`${c}\` | ${SCRAPED_BY[c]} |`),
      "",
    ].join("\n");
  },
};
