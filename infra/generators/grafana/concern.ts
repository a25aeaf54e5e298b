import type { Concern } from "../../artifacts";
import { json } from "../../artifacts";
import { contactPoints, maintenanceMuteTiming, notificationPolicy, type PolicyRoute } from "./alerting";
import { renderDashboards } from "./dashboards";
import { dataSources, defaultUpstreams } from "./datasources";
import { grafanaUrl } from "./release";

const matchers = (r: PolicyRoute): string =>
  r.matchers.map((m) => `${m.label}${m.match}${m.value}`).join(", ");

export const grafanaConcern: Concern = {
  name: "grafana",
  artifacts: (config) =>
    renderDashboards(config).map((d) => ({
      path: `grafana/dashboards/${d.uid}.json`,
      content: json(d.model),
    })),
  summary: (config) => {
    const dashboards = renderDashboards(config).map((d) => {
      const panels = ((d.model.panels as { type: string }[] | undefined) ?? []).filter(
        (p) => p.type !== "row",
      ).length;
      return `| \`${d.uid}\` | ${d.title} | \`${d.folderUid}\` | ${panels} |`;
    });
    const sources = dataSources(config, defaultUpstreams(config)).map(
      (s) => `| \`${s.uid}\` | ${s.type} | ${s.url} |`,
    );
    const policy = notificationPolicy(config);
    const routes = policy.routes.flatMap((r) => [
      `| ${matchers(r)} | ${r.contactPoint ?? "(inherit)"} | ${r.groupWait} / ${r.groupInterval} / ${r.repeatInterval} | ${r.muteTimings.join(", ") || "—"} |`,
      ...r.routes.map(
        (c) =>
          `| ${matchers(r)}, ${matchers(c)} | ${c.contactPoint} | (inherit) | ${c.muteTimings.join(", ") || "—"} |`,
      ),
    ]);
    const mute = maintenanceMuteTiming(config);
    return [
      "## Grafana",
      "",
      `Grafana (chart \`grafana\` ${config.grafana.chartVersion}) in namespace \`${config.grafana.namespace}\`, managed at ${grafanaUrl(config)}.`,
      "",
      "| Dashboard uid | Title | Folder | Panels |",
      "|---|---|---|---|",
      ...dashboards,
      "",
      "| Data source uid | Type | URL |",
      "|---|---|---|",
      ...sources,
      "",
      `Contact points: ${contactPoints(config)
        .map((c) => `\`${c.name}\` (${c.kind} ${c.address})`)
        .join(", ")}.`,
      "",
      `Notification policy (root \`${policy.contactPoint}\`, group by ${policy.groupBy.join(", ")}, ${policy.groupWait} / ${policy.groupInterval} / ${policy.repeatInterval}):`,
      "",
      "| Matchers | Contact point | Wait / interval / repeat | Mute timings |",
      "|---|---|---|---|",
      ...routes,
      "",
      mute
        ? `Mute timing \`${mute.name}\`: ${mute.intervals
            .map(
              (i) =>
                `${[i.weekdays?.join(","), i.daysOfMonths?.join(","), i.months?.join(",")].filter(Boolean).join(" ") || "every day"} ${i.times.map((t) => `${t.start}-${t.end}`).join(",")} ${i.location}`,
            )
            .join("; ")}, muting ${config.grafana.mutedPriorities.join(", ")}.`
        : "No maintenance windows configured.",
      "",
    ].join("\n");
  },
};
