import type { Concern } from "../../artifacts";
import { PRIORITIES, type Priority } from "../../catalog/alert-levels";
import { ALERTS } from "../metrics/alerts";
import { resolveMetrics } from "../metrics/settings";
import { chartAlerts, enabledChartAlerts } from "./chart-values";

/** One alert that watches a part of the platform, as summary.md lists it. */
interface Watcher {
  alert: string;
  priority: Priority;
  component: string;
  runbook: string;
  /** The chart's severity, where an alert of the chart has two thresholds. */
  severity?: string;
}

/** Every alert on the platform's own parts: ours (scope platform) and kube-prometheus-stack's. */
export function platformWatchers(): Watcher[] {
  const ours = ALERTS.filter((a) => a.scope === "platform" && a.component).map((a) => ({
    alert: a.alert,
    priority: a.priority,
    component: a.component as string,
    runbook: a.runbook,
  }));
  const chart = enabledChartAlerts().map((a) => ({
    alert: a.alert,
    priority: a.priority,
    component: a.component as string,
    runbook: a.runbook as string,
    severity: a.severity,
  }));
  return [...ours, ...chart];
}

export const platformConcern: Concern = {
  name: "platform",
  artifacts: () => [],
  summary: (config) => {
    const watchers = platformWatchers();
    const off = chartAlerts().filter((a) => a.priority === "off").length;
    const count = (list: Watcher[]) =>
      PRIORITIES.map((p) => `${list.filter((w) => w.priority === p).length} ${p}`).join(", ");
    const components = [...new Set(watchers.map((w) => w.component))].sort();
    return [
      "## The platform watches itself",
      "",
      `${watchers.length} alerts watch the platform's own parts (${count(watchers)}), all owned by team \`${resolveMetrics(config).ownerTeam}\`: kube-prometheus-stack's rules with our \`team\`, \`component\` and runbook, and \`priority\` from Prometheus's alert relabelling (${off} of the chart's alerts are off, each with its reason in [docs/alerts.md](../../docs/alerts.md)).`,
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
    ].join("\n");
  },
};
