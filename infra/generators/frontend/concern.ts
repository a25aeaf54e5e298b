import { type Concern, json } from "../../artifacts";
import { ALERT_LEVELS } from "../../catalog/alert-levels";
import { browserAppName, describeRouting, newRelicConditions, newRelicRouting } from "./new-relic";
import { newRelicResources } from "./resources";

export const frontendConcern: Concern = {
  name: "frontend",
  // New Relic's resources exactly as handed to the provider (only when New Relic is on).
  artifacts: (config) => {
    const resources = newRelicResources(config);
    return resources ? [{ path: "newrelic/alerts.json", content: json(resources) }] : [];
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
