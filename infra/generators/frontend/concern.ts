import { type Concern, json } from "../../artifacts";
import { browserAppName, errorRateDenominator, newRelicConditions } from "./new-relic";
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
        `New Relic Browser application \`${browserAppName(config)}\` (account ${nr.accountId}, ${nr.region}, ${nr.loaderType} loader: page loads, route changes and API calls). Alert conditions, routed as in the table at the top: ${conditions
          .map(
            (c) =>
              `${c.name.replace(/^\[P\d\] [^:]*: /, "")} for ${c.thresholdDurationSeconds / 60} min (${c.priority}: ${c.why})`,
          )
          .join(
            "; ",
          )}. The error rate divides \`JavaScriptError\` events by \`${errorRateDenominator(nr.loaderType).eventType}\` events (${errorRateDenominator(nr.loaderType).label}${nr.loaderType === "SPA" ? ": the SPA loader records a route change as a `BrowserInteraction`, not a `PageView`" : ""}). Arguments as deployed: [newrelic/alerts.json](newrelic/alerts.json); application settings in the stack output \`frontend.newRelic\` (\`jsConfig\` is secret).`,
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
