import type { Concern } from "../../artifacts";
import { json } from "../../artifacts";
import { grafanaAccess, grafanaAccessSummary } from "./access";
import { maintenanceMuteTiming } from "./alerting";
import { grafanaAvailabilitySummary } from "./availability";
import { renderDashboards } from "./dashboards";
import { dataSources, defaultUpstreams } from "./datasources";
import { endpointSummary } from "./ingress";
import { GRAFANA_RELEASE, grafanaUrl } from "./release";

export const grafanaConcern: Concern = {
  name: "grafana",
  artifacts: (config) => [
    ...renderDashboards(config).map((d) => ({
      path: `grafana/dashboards/${d.uid}.json`,
      content: json(d.model),
    })),
    // Sign-in, teams, folder permissions and the provider's service account, as the component creates them.
    { path: "grafana/access.json", content: json(grafanaAccess(config)) },
  ],
  summary: (config) => {
    const dashboards = renderDashboards(config).map(
      (d) => `| [\`${d.uid}\`](grafana/dashboards/${d.uid}.json) | ${d.title} | \`${d.folderUid}\` |`,
    );
    const sources = dataSources(config, defaultUpstreams(config)).map(
      (s) => `\`${s.uid}\` (${s.type}, ${s.url})`,
    );
    const mute = maintenanceMuteTiming(config);
    return [
      "## Grafana",
      "",
      `Grafana (chart \`grafana\` ${config.grafana.chartVersion}) in namespace \`${config.grafana.namespace}\`, managed at ${grafanaUrl(config)}. Data sources: ${sources.join(", ")}. Contact points and the notification policy route as in the table at the top.`,
      "",
      endpointSummary(config),
      "",
      grafanaAvailabilitySummary(config, GRAFANA_RELEASE),
      "",
      grafanaAccessSummary(config),
      "",
      "| Dashboard | Title | Folder |",
      "|---|---|---|",
      ...dashboards,
      "",
      mute
        ? `Maintenance windows (mute timing \`${mute.name}\`, muting ${config.alerting.maintenance.mutedPriorities.join(", ")}): ${mute.intervals
            .map(
              (i) =>
                `${[i.weekdays?.join(","), i.daysOfMonths?.join(","), i.months?.join(",")].filter(Boolean).join(" ") || "every day"} ${i.times.map((t) => `${t.start}-${t.end}`).join(",")} ${i.location}`,
            )
            .join("; ")}.`
        : "No maintenance windows configured.",
      "",
    ].join("\n");
  },
};
