import { type Concern, toYaml } from "../../artifacts";
import { PRIORITIES } from "../../catalog/alert-levels";
import { resolveMetrics } from "../metrics/settings";
import { jsonExporterConfig } from "./filebeat";
import { blackboxConfigYaml } from "./kibana";
import { platformMonitors } from "./kubernetes";
import { PLATFORM_ALERTS, platformRuleFile } from "./rules";
import { COMPONENTS } from "./types";

/** How each part is scraped, for the summary. */
const SCRAPED_BY: Record<(typeof COMPONENTS)[number], string> = {
  logstash: "logstash-exporter sidecar (PodMonitor `logstash`)",
  filebeat: "json_exporter sidecar on `/stats` (PodMonitor `filebeat`) and kube-state-metrics",
  kibana: "blackbox exporter on `/api/status` (Probe `kibana`)",
  "eck-operator": "its metrics port (PodMonitor `eck-operator`)",
  "logging-settings": "kube-state-metrics (`kube_job_failed`)",
  grafana: "its /metrics (ServiceMonitor `grafana`)",
};

export const platformConcern: Concern = {
  name: "platform self-monitoring",
  artifacts: (config) => [
    { path: "prometheus/platform-rules.yaml", content: toYaml(platformRuleFile(config)) },
    { path: "exporters/blackbox.yml", content: blackboxConfigYaml() },
    { path: "exporters/json-exporter.yml", content: toYaml(jsonExporterConfig()) },
  ],
  summary: (config) => {
    const byPriority = PRIORITIES.map(
      (p) => `${PLATFORM_ALERTS.filter((a) => a.priority === p).length} ${p}`,
    ).join(", ");
    return [
      "## Platform self-monitoring",
      "",
      `The logging pipeline and Grafana are scraped by ${platformMonitors(config).length} monitors in \`${resolveMetrics(config).namespace}\` and watched by ${PLATFORM_ALERTS.length} alert rules (${byPriority}), each labelled \`component\`, \`priority\` and \`team\` \`${resolveMetrics(config).ownerTeam}\`: [prometheus/platform-rules.yaml](prometheus/platform-rules.yaml); exporter modules in [exporters/](exporters/). A service that stops logging while it runs is a Grafana-managed rule per service (its team, \`service\`).`,
      "",
      "| Component | Scraped by | Alerts |",
      "|---|---|---|",
      ...COMPONENTS.map(
        (c) =>
          `| ${c} | ${SCRAPED_BY[c]} | ${PLATFORM_ALERTS.filter((a) => a.component === c)
            .map((a) => `\`${a.alert}\` (${a.priority})`)
            .join(", ")} |`,
      ),
      "",
    ].join("\n");
  },
};
