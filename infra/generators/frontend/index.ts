import { type Concern, json } from "../../artifacts";
import { ALERT_LEVELS, PRIORITIES } from "../../catalog/alert-levels";
import { browserAppName, describeRouting, newRelicConditions, newRelicRouting } from "./new-relic";

export * from "./new-relic";

/** Priorities that have at least one New Relic condition: only those get a policy and a workflow. */
export const usedPriorities = (conditions: { priority: (typeof PRIORITIES)[number] }[]) =>
  PRIORITIES.filter((p) => conditions.some((c) => c.priority === p));

export const frontendConcern: Concern = {
  name: "frontend",
  artifacts: (config) => {
    if (!config.frontend.newRelic.enabled) return [];
    const conditions = newRelicConditions(config);
    return [
      {
        path: "newrelic/alerts.json",
        content: json({
          browserApplication: {
            name: browserAppName(config),
            loaderType: config.frontend.newRelic.loaderType,
          },
          conditions,
          routing: usedPriorities(conditions).map((p) => newRelicRouting(config, p)),
        }),
      },
    ];
  },
  summary: (config) => {
    const nr = config.frontend.newRelic;
    const ga = config.frontend.googleAnalytics.measurementId;
    const lines = ["## Frontend monitoring", ""];
    if (nr.enabled) {
      const conditions = newRelicConditions(config);
      lines.push(
        `New Relic Browser application \`${browserAppName(config)}\` (account ${nr.accountId}, ${nr.region}, ${nr.loaderType} loader: page loads, route changes and API calls), with these alert conditions:`,
        "",
        "| Condition | Threshold | Priority | Notifies | Why |",
        "|---|---|---|---|---|",
        ...conditions.map(
          (c) =>
            `| ${c.name} | ${c.display} for ${c.thresholdDurationSeconds / 60} min | ${c.priority} (${ALERT_LEVELS[c.priority].channel}) | ${describeRouting(newRelicRouting(config, c.priority))} | ${c.why} |`,
        ),
        "",
        "Application settings are in the stack output `frontend.newRelic` (`jsConfig` is secret).",
      );
    } else {
      lines.push(
        "New Relic Browser is off for this stack (`frontend.newRelic.enabled: false`): nothing New Relic is created.",
      );
    }
    lines.push(
      "",
      ga
        ? `Google Analytics: measurement id \`${ga}\`, exported as \`frontend.googleAnalytics.measurementId\` (the GA4 property itself is managed in Google's UI; no provider manages it).`
        : "Google Analytics: no measurement id configured.",
      "",
      "Frontend errors and traces go to the Sentry frontend project (see Error tracking).",
      "",
    );
    return lines.join("\n");
  },
};
