import { beforeAll, describe, expect, it } from "vitest";
import { ALERT_LEVELS } from "../../infra/catalog/alert-levels";
import { newRelicConditions, OPSGENIE_ALERTS_URL, usedPriorities } from "../../infra/generators/frontend";
import { SLACK_POST_MESSAGE } from "../../infra/generators/alerting/channels";
import { isSecret, reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { renderFiles } from "../../scripts/lib/render-files";
import { one, ofType, rendered, STACKS } from "../helpers/render";
import { render } from "../helpers/variant";

const NR = "newrelic:index/";

describe.each(STACKS)("frontend monitoring (%s)", (stack) => {
  let result: RenderResult;
  const nr = () => result.config.frontend.newRelic;
  const newRelicResources = () => result.resources.filter((r) => r.type.includes("newrelic"));
  beforeAll(() => {
    result = rendered(stack);
  });

  it("exports the Google Analytics id, and New Relic's app settings (agent config secret) when on", () => {
    const outputs = JSON.parse(renderFiles(result).find((f) => f.path === "outputs.json")!.content);
    expect(outputs.frontend.googleAnalytics).toEqual({
      measurementId: result.config.frontend.googleAnalytics.measurementId ?? null,
    });
    const n = nr();
    if (n.enabled)
      expect(outputs.frontend.newRelic).toMatchObject({
        enabled: true,
        appName: n.appName,
        jsConfig: "[secret]",
      });
    else expect(outputs.frontend.newRelic).toEqual({ enabled: false });
    for (const f of renderFiles(result)) expect(f.content, f.path).not.toContain("offline-placeholder");
  });

  it("creates New Relic resources only when New Relic is on", () => {
    expect(ofType(result, "observability:frontend:Frontend")).toHaveLength(1);
    if (!nr().enabled) expect(newRelicResources()).toEqual([]);
    else expect(newRelicResources().length).toBeGreaterThan(0);
  });

  it("creates the Browser application with the configured loader and distributed tracing", () => {
    const n = nr();
    if (!n.enabled) return expect(ofType(result, `${NR}browserApplication:BrowserApplication`)).toEqual([]);
    expect(one(result, `${NR}browserApplication:BrowserApplication`, "frontend-browser").inputs).toEqual({
      accountId: n.accountId,
      name: n.appName,
      loaderType: n.loaderType,
      distributedTracingEnabled: true,
      cookiesEnabled: true,
    });
    const [provider] = ofType(result, "pulumi:providers:newrelic");
    expect(isSecret(provider!.inputs.apiKey)).toBe(true);
    expect(provider!.inputs.region).toBe(n.region);
  });

  it("puts each condition in its priority's policy, and each workflow routes that policy to its channel", () => {
    if (!nr().enabled) return expect(ofType(result, `${NR}workflow:Workflow`)).toEqual([]);
    const wanted = newRelicConditions(result.config);
    const conditions = ofType(result, `${NR}nrqlAlertCondition:NrqlAlertCondition`);
    expect(Object.fromEntries(conditions.map((c) => [c.name, c.inputs.policyId]))).toEqual(
      Object.fromEntries(
        wanted.map((c) => [`frontend-${c.key}`, `frontend-${c.priority.toLowerCase()}-policy-id`]),
      ),
    );
    const priorities = usedPriorities(wanted).map((p) => p.toLowerCase());
    expect(
      ofType(result, `${NR}workflow:Workflow`)
        .map((w) => w.name)
        .sort(),
    ).toEqual(priorities.map((p) => `frontend-${p}-workflow`));
    for (const p of priorities) {
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
      expect(channels.length).toBeGreaterThan(0);
      for (const c of channels) expect(c.inputs.destinationId).toBe(`frontend-${p}-destination-id`);
      // The alert-level table's channel: email for P2, Slack (a webhook) for P3.
      const channel = ALERT_LEVELS[p.toUpperCase() as "P2" | "P3"].channel;
      expect(channels.map((c) => c.inputs.type)).toEqual(
        channels.map(() => (channel === "email" ? "EMAIL" : "WEBHOOK")),
      );
    }
  });

  it("keeps every channel credential secret inside its destination", () => {
    for (const d of ofType(result, `${NR}notificationDestination:NotificationDestination`)) {
      if (d.inputs.type === "WEBHOOK") {
        // Webhooks go to a public API (Slack's chat.postMessage, Opsgenie's alerts); the
        // credential is only ever the secret Authorization header.
        const url = (d.inputs.properties as Array<{ key: string; value: unknown }>).find(
          (x) => x.key === "url",
        );
        expect([SLACK_POST_MESSAGE, OPSGENIE_ALERTS_URL], d.name).toContain(url?.value);
        const headers = d.inputs.authCustomHeaders as Array<{ key: string; value: unknown }>;
        expect(
          headers.map((h) => h.key),
          d.name,
        ).toEqual(["Authorization"]);
        expect(isSecret(headers[0]!.value), d.name).toBe(true);
      }
      if (d.inputs.authToken)
        expect(isSecret((d.inputs.authToken as { token: unknown }).token), d.name).toBe(true);
    }
  });

  it("posts P3 to chat.postMessage with the Slack bot token as a Bearer header", () => {
    if (!nr().enabled || !usedPriorities(newRelicConditions(result.config)).includes("P3")) return;
    const p3 = one(result, `${NR}notificationDestination:NotificationDestination`, "frontend-p3-destination");
    const header = (p3.inputs.authCustomHeaders as Array<{ value: unknown }>)[0]!.value;
    // The render's placeholder for the token names its key: the header is built from slackBotToken.
    expect(reveal(header)).toMatch(/^Bearer \S*slackBotToken$/);
  });
});

describe("frontend monitoring with New Relic off", () => {
  it("needs no New Relic API key and creates nothing New Relic", async () => {
    const result = await render("dev", {
      frontend: { newRelic: { enabled: false } },
      newrelicApiKey: undefined,
    });
    expect(result.resources.filter((r) => r.type.includes("newrelic"))).toEqual([]);
    expect((result.outputs as { frontend: { newRelic: unknown } }).frontend.newRelic).toEqual({
      enabled: false,
    });
  });
});
