import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsConcern } from "../../infra/generators/metrics";
import { parse, stringify } from "yaml";
import { forAlertmanager025, runTool, tempFiles } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";

/** `amtool config routes test --verify.receivers` on the rendered configuration of each stack. */
describe.each(["dev", "prod"] as const)("Alertmanager routes (%s)", (stack) => {
  const config = stackConfig(stack);
  const am = metricsConcern
    .artifacts(config as never)
    .find((a) => a.path === "alertmanager/alertmanager.yaml")!;
  const dir = tempFiles({ "alertmanager.yaml": stringify(forAlertmanager025(parse(am.content))) });

  const route = (receiver: string, labels: Record<string, string>) =>
    runTool("amtool", [
      "config",
      "routes",
      "test",
      `--config.file=${join(dir, "alertmanager.yaml")}`,
      `--verify.receivers=${receiver}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);

  const cases: [string, Record<string, string>][] = [
    [
      "p1-pagerduty",
      { alertname: "AvailabilitySLOFastBurn", priority: "P1", service: "api", team: "platform" },
    ],
    ["p1-pagerduty", { alertname: "ServiceDown", priority: "P1", service: "web", team: "web" }],
    ["p2-email-platform", { alertname: "MemoryGrowing", priority: "P2", service: "api", team: "platform" }],
    ["p2-email-web", { alertname: "LatencyP99High", priority: "P2", service: "web", team: "web" }],
    [
      "p3-slack-platform",
      { alertname: "CacheHitRatioLow", priority: "P3", service: "worker", team: "platform" },
    ],
    ["p3-slack-web", { alertname: "DatabaseQueriesSlow", priority: "P3", service: "web", team: "web" }],
    ["p3-slack-default", { alertname: "Unowned", priority: "P3", team: "nobody" }],
    ["deadmansswitch", { alertname: "Watchdog", priority: "P3", team: "platform" }],
    ["p3-slack-default", { alertname: "NoPriority" }],
  ];

  it.each(cases)("routes to %s: %j", (receiver, labels) => {
    const r = route(receiver, labels);
    expect(r.stdout.trim(), r.stderr).toBe(receiver);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("fails when the expected receiver is wrong", () => {
    const r = route("p2-email-web", { alertname: "X", priority: "P1", service: "api", team: "web" });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("p1-pagerduty");
  });
});
