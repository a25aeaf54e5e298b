import { opsgenieOverrides } from "../helpers/config";
import { describe, expect, it } from "vitest";
import { ALERT_LEVELS, PRIORITIES } from "../../infra/catalog/alert-levels";
import { parseStackConfig, type StackConfig } from "../../infra/config";
import { alertChannels, SLACK_POST_MESSAGE } from "../../infra/generators/alerting/channels";
import {
  browserAppName,
  frontendConcern,
  newRelicConditions,
  newRelicRouting,
  OPSGENIE_ALERTS_URL,
  usedPriorities,
} from "../../infra/generators/frontend";
import { readStackFile } from "../../scripts/lib/stack-file";

function configOf(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): StackConfig {
  const file = readStackFile(stack);
  for (const [k, v] of Object.entries(overrides)) file.config[`observability:${k}`] = JSON.stringify(v);
  return parseStackConfig(file.config, new Set(file.secretKeys)).config;
}

const prod = configOf("prod");

describe("New Relic routing per priority", () => {
  it.each(PRIORITIES)("%s goes to the alert-level table's channel for the frontend's teams", (priority) => {
    const r = newRelicRouting(prod, priority);
    const channel = alertChannels(prod)[priority];
    expect(r.kind).toBe(channel.kind);
    switch (ALERT_LEVELS[priority].channel) {
      case "phone":
        expect(r.destination).toEqual({
          type: "PAGERDUTY_SERVICE_INTEGRATION",
          properties: [{ key: "", value: "" }],
          // prod manages PagerDuty: the frontend's owner (web) pages its own service.
          credential: { secretKey: "pagerdutyRoutingKey", use: "authToken", pagerdutyTeam: "web" },
        });
        expect(r.channels.map((c) => c.type)).toEqual(["PAGERDUTY_SERVICE_INTEGRATION"]);
        expect(r.channels[0]!.target).toContain("prod-web");
        break;
      case "email":
        // Only the owners of frontend services (team web), not every team.
        expect(r.destination).toEqual({
          type: "EMAIL",
          properties: [{ key: "email", value: "web-oncall@example.com" }],
        });
        expect(r.channels.map((c) => c.type)).toEqual(["EMAIL"]);
        break;
      case "slack": {
        expect(r.destination).toEqual({
          type: "WEBHOOK",
          properties: [{ key: "url", value: SLACK_POST_MESSAGE }],
          credential: { secretKey: "slackBotToken", use: "slackHeader" },
        });
        expect(r.channels).toHaveLength(1);
        const payload = r.channels[0]!.properties[0]!.value;
        expect(payload).toContain('"channel": "#web-alerts"');
        // A valid JSON document once New Relic fills in its {{ json ... }} placeholders.
        expect(JSON.parse(payload.replace(/\{\{ json \w+ \}\}/g, '"x"')).channel).toBe("#web-alerts");
        break;
      }
    }
  });

  it("pages through Opsgenie's Alert API when the stack uses Opsgenie", () => {
    const ops = configOf("prod", opsgenieOverrides(prod));
    const r = newRelicRouting(ops, "P1");
    expect(r.destination).toEqual({
      type: "WEBHOOK",
      properties: [{ key: "url", value: OPSGENIE_ALERTS_URL }],
      credential: { secretKey: "opsgenieApiKey", use: "opsgenieHeader" },
    });
    const payload = JSON.parse(r.channels[0]!.properties[0]!.value.replace(/\{\{ json \w+ \}\}/g, '"x"'));
    expect(payload).toMatchObject({ priority: "P1", tags: ["web"] });
  });

  it("pages with the shared routing key when the stack brings its own PagerDuty", () => {
    const own = configOf("prod", { alerting: { ...prod.alerting, pagerduty: { managed: false } } });
    expect(newRelicRouting(own, "P1").destination.credential).toEqual({
      secretKey: "pagerdutyRoutingKey",
      use: "authToken",
    });
  });

  it("never puts a credential into plain properties", () => {
    for (const p of PRIORITIES) {
      const text = JSON.stringify(newRelicRouting(prod, p));
      expect(text).not.toContain("offline-placeholder");
      expect(text).not.toContain("hooks.slack.com");
    }
  });
});

describe("New Relic alert conditions", () => {
  const conditions = newRelicConditions(prod);

  it("covers LCP, INP, CLS (P3) and the JavaScript error rate (P2) with thresholds from config", () => {
    expect(conditions.map((c) => [c.key, c.priority, c.threshold])).toEqual([
      ["lcp", "P3", 4],
      ["inp", "P3", 0.5],
      ["cls", "P3", 0.25],
      ["js-error-rate", "P2", 5],
      ["ajax-p75", "P3", 2],
      ["ajax-error-rate", "P2", 5],
    ]);
    expect(usedPriorities(conditions)).toEqual(["P2", "P3"]);
    for (const c of conditions) expect(c.nrql).toContain("WHERE appName = 'prod-frontend'");
    expect(conditions[0]!.nrql).toBe(
      "SELECT percentile(largestContentfulPaint, 75) FROM PageViewTiming WHERE appName = 'prod-frontend' AND largestContentfulPaint IS NOT NULL",
    );
  });

  it("quotes the application name safely in NRQL", () => {
    const odd = configOf("prod", {
      frontend: { newRelic: { enabled: true, accountId: "1", appName: "shop's web" } },
    });
    expect(browserAppName(odd)).toBe("shop's web");
    expect(newRelicConditions(odd)[0]!.nrql).toContain("appName = 'shop\\'s web'");
  });

  it("renders New Relic artifacts only when enabled, and says so in the summary", () => {
    const dev = configOf("dev");
    expect(frontendConcern.artifacts(dev)).toEqual([]);
    expect(frontendConcern.summary(dev)).toContain("New Relic Browser is off for this stack");
    expect(frontendConcern.summary(dev)).toContain("`G-DEV0000001`");
    const [artifact] = frontendConcern.artifacts(prod);
    expect(artifact!.path).toBe("newrelic/alerts.json");
    expect(JSON.parse(artifact!.content).priorities.map((r: { priority: string }) => r.priority)).toEqual([
      "P2",
      "P3",
    ]);
    expect(frontendConcern.summary(prod)).toContain(
      "JavaScript errors above 5 per 100 views for 10 min (P2: features are broken for real users)",
    );
    expect(frontendConcern.summary(prod)).toContain(
      "divides `JavaScriptError` events by `BrowserInteraction`",
    );
  });
});

describe("API calls as the browser sees them (AjaxRequest)", () => {
  const withAlerts = (alerts: Record<string, number>, loaderType = "SPA") =>
    configOf("prod", {
      frontend: {
        ...prod.frontend,
        newRelic: {
          ...prod.frontend.newRelic,
          loaderType,
          alerts: { ...prod.frontend.newRelic.alerts, ...alerts },
        },
      },
    });

  it("alerts on the p75 time to the load event (P3) and on the failed share (P2), thresholds from config", () => {
    const conditions = newRelicConditions(withAlerts({ ajaxP75Seconds: 1.5, ajaxErrorRatePercent: 2 }));
    const p75 = conditions.find((c) => c.key === "ajax-p75")!;
    const errors = conditions.find((c) => c.key === "ajax-error-rate")!;
    expect(p75).toMatchObject({ priority: "P3", threshold: 1.5, display: "1.5 s" });
    expect(p75.nrql).toBe(
      "SELECT percentile(timeToLoadEventStart, 75) FROM AjaxRequest WHERE appName = 'prod-frontend' AND timeToLoadEventStart IS NOT NULL",
    );
    expect(errors).toMatchObject({ priority: "P2", threshold: 2, display: "2%" });
    // 5xx, and 0 for a call that got no answer at all (network error, blocked): what users see fail.
    expect(errors.nrql).toBe(
      "SELECT percentage(count(*), WHERE httpResponseCode >= 500 OR httpResponseCode = 0) FROM AjaxRequest WHERE appName = 'prod-frontend'",
    );
    for (const c of [p75, errors]) {
      expect(c.name.startsWith(`[${c.priority}] `)).toBe(true);
      expect(c.name.length).toBeLessThanOrEqual(128);
    }
  });

  it("is routed by priority like the other conditions: P2 and P3 policies exist", () => {
    expect(usedPriorities(newRelicConditions(prod).filter((c) => c.key.startsWith("ajax-")))).toEqual([
      "P2",
      "P3",
    ]);
  });

  it("is left out for the Lite loader, which records no AjaxRequest", () => {
    const keys = newRelicConditions(withAlerts({}, "LITE")).map((c) => c.key);
    expect(keys).not.toContain("ajax-p75");
    expect(keys).not.toContain("ajax-error-rate");
  });

  it("is kept for the Pro loader, which records every AjaxRequest since agent v1211", () => {
    const keys = newRelicConditions(withAlerts({}, "PRO")).map((c) => c.key);
    expect(keys).toEqual(expect.arrayContaining(["ajax-p75", "ajax-error-rate"]));
  });
});

describe("JavaScript error rate denominator", () => {
  const errorRate = (loaderType: string) => {
    const cfg = configOf("prod", {
      frontend: { ...prod.frontend, newRelic: { ...prod.frontend.newRelic, loaderType } },
    });
    return newRelicConditions(cfg).find((c) => c.key === "js-error-rate")!;
  };

  it("divides by BrowserInteraction for the SPA loader, which records route changes only as interactions", () => {
    expect(prod.frontend.newRelic.loaderType).toBe("SPA");
    const c = errorRate("SPA");
    expect(c.nrql).toBe(
      "SELECT filter(count(*), WHERE eventType() = 'JavaScriptError') * 100 / filter(count(*), WHERE eventType() = 'BrowserInteraction') FROM JavaScriptError, BrowserInteraction WHERE appName = 'prod-frontend'",
    );
    expect(c.nrql).not.toMatch(/\bPageView\b/);
    expect(c.name).toContain("per 100 views");
  });

  it.each(["PRO", "LITE"])(
    "divides by PageView for the %s loader, which records no interactions",
    (loader) => {
      const c = errorRate(loader);
      expect(c.nrql).toContain(
        "/ filter(count(*), WHERE eventType() = 'PageView') FROM JavaScriptError, PageView ",
      );
      expect(c.nrql).not.toContain("BrowserInteraction");
      expect(c.name).toContain("per 100 page views");
    },
  );

  it("queries every event type its filters count, and nothing else", () => {
    for (const loader of ["SPA", "PRO", "LITE"]) {
      const { nrql } = errorRate(loader);
      const from = nrql.match(/ FROM (.*) WHERE appName/)![1]!.split(", ");
      const counted = [...nrql.matchAll(/eventType\(\) = '(\w+)'/g)].map((m) => m[1]);
      expect(from).toEqual(counted);
    }
  });
});
