import { beforeAll, describe, expect, it } from "vitest";
import type { RenderResult } from "../../scripts/lib/offline";
import { renderFiles } from "../../scripts/lib/offline";
import { one, ofType, render } from "../helpers/render";

const SIG = "4dabf18193072939515e22adb298388d";
const isSecret = (v: unknown): boolean =>
  !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG] !== undefined;
const NR = "newrelic:index/";

let result: RenderResult;
beforeAll(async () => {
  result = await render("prod");
});

describe("frontend monitoring (prod, New Relic on)", () => {
  it("creates the Browser application with the SPA loader and distributed tracing", () => {
    expect(one(result, `${NR}browserApplication:BrowserApplication`, "frontend-browser").inputs).toEqual({
      accountId: "1234567",
      name: "prod-frontend",
      loaderType: "SPA",
      distributedTracingEnabled: true,
      cookiesEnabled: true,
    });
  });

  it("uses an explicit provider whose API key is the newrelicApiKey secret", () => {
    const [provider] = ofType(result, "pulumi:providers:newrelic");
    expect(isSecret(provider!.inputs.apiKey)).toBe(true);
    expect(provider!.inputs.region).toBe("US");
  });

  it("puts each condition in its priority's policy, and each workflow routes that policy to its channel", () => {
    const conditions = ofType(result, `${NR}nrqlAlertCondition:NrqlAlertCondition`);
    expect(Object.fromEntries(conditions.map((c) => [c.name, c.inputs.policyId]))).toEqual({
      "frontend-lcp": "frontend-p3-policy-id",
      "frontend-inp": "frontend-p3-policy-id",
      "frontend-cls": "frontend-p3-policy-id",
      "frontend-js-error-rate": "frontend-p2-policy-id",
    });
    const workflows = ofType(result, `${NR}workflow:Workflow`);
    expect(workflows.map((w) => w.name).sort()).toEqual(["frontend-p2-workflow", "frontend-p3-workflow"]);
    for (const p of ["p2", "p3"]) {
      const w = one(result, `${NR}workflow:Workflow`, `frontend-${p}-workflow`);
      expect(w.inputs.issuesFilter).toMatchObject({
        type: "FILTER",
        predicates: [
          { attribute: "labels.policyIds", operator: "EXACTLY_MATCHES", values: [`frontend-${p}-policy-id`] },
        ],
      });
      const channelIds = (w.inputs.destinations as Array<{ channelId: string }>).map((d) => d.channelId);
      const channels = ofType(result, `${NR}notificationChannel:NotificationChannel`).filter((c) =>
        channelIds.includes(`${c.name}-id`),
      );
      expect(channels.map((c) => c.inputs.destinationId)).toEqual(
        channels.map(() => `frontend-${p}-destination-id`),
      );
      expect(channels.map((c) => c.inputs.type)).toEqual([p === "p2" ? "EMAIL" : "WEBHOOK"]);
    }
    // No condition is P1, so no pager destination is created.
    expect(
      ofType(result, `${NR}notificationDestination:NotificationDestination`)
        .map((d) => d.inputs.type)
        .sort(),
    ).toEqual(["EMAIL", "WEBHOOK"]);
  });

  it("keeps the Slack webhook URL secret inside the destination", () => {
    const slack = one(
      result,
      `${NR}notificationDestination:NotificationDestination`,
      "frontend-p3-destination",
    );
    const [url] = slack.inputs.properties as Array<{ key: string; value: unknown }>;
    expect(url!.key).toBe("url");
    expect(isSecret(url!.value)).toBe(true);
  });

  it("exports the frontend settings: GA measurement id, app name, secret agent config", () => {
    const outputs = JSON.parse(renderFiles(result).find((f) => f.path === "outputs.json")!.content);
    expect(outputs.frontend.googleAnalytics).toEqual({ measurementId: "G-PROD000001" });
    expect(outputs.frontend.newRelic).toMatchObject({
      enabled: true,
      appName: "prod-frontend",
      jsConfig: "[secret]",
    });
    for (const f of renderFiles(result)) {
      expect(f.content, f.path).not.toContain("offline-placeholder-newrelicApiKey");
      expect(f.content, f.path).not.toContain("offline-placeholder-slackWebhookUrl");
    }
  });
});
