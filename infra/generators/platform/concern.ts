import type { Concern } from "../../artifacts";
import { PRIORITIES } from "../../catalog/alert-levels";
import { resolveMetrics } from "../metrics/settings";
import { PLATFORM_COMPONENTS } from "./index";

/**
 * The platform watching itself: which component is watched by what, and by which alerts. The
 * rules are in prometheus/rules.yaml (the metrics concern), one group per component.
 */
export const platformConcern: Concern = {
  name: "platform self-monitoring",
  artifacts: () => [],
  summary: (config) => {
    const { ownerTeam } = resolveMetrics(config);
    const alerts = PLATFORM_COMPONENTS.flatMap((c) => c.alerts);
    const byPriority = PRIORITIES.map((p) => `${alerts.filter((a) => a.priority === p).length} ${p}`).join(
      ", ",
    );
    return [
      "## Platform self-monitoring",
      "",
      `${alerts.length} alerts (${byPriority}) on the platform's own components, labelled \`component\` (where an application's alert has \`service\`) and \`team: ${ownerTeam}\`, routed by priority like every alert; each one's reason and runbook: [docs/alerts.md](../../docs/alerts.md).`,
      "",
      "| Component | Watched by | Alerts |",
      "|---|---|---|",
      ...PLATFORM_COMPONENTS.map(
        (c) =>
          `| ${c.component} | ${c.watchedBy(config)} | ${c.alerts.map((a) => `\`${a.alert}\` (${a.priority}${a.for ? `, ${a.for}` : ""})`).join(", ")} |`,
      ),
      "",
    ].join("\n");
  },
};
