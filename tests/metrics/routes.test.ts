import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsConcern } from "../../infra/generators/metrics";
import { type AlertmanagerConfig, alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { parse } from "yaml";
import { runTool, tempFiles } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";
import { toYaml } from "../../infra/artifacts";

/** `amtool config routes test --verify.receivers` on the rendered configuration of each stack. */
describe.each(["dev", "prod"] as const)("Alertmanager routes (%s)", (stack) => {
  const config = stackConfig(stack);
  const am = metricsConcern
    .artifacts(config as never)
    .find((a) => a.path === "alertmanager/alertmanager.yaml")!;
  const dir = tempFiles({ "alertmanager.yaml": am.content });

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
    // Both stacks manage PagerDuty: each team's P1 reaches its own service's receiver.
    [
      "p1-pagerduty-platform",
      { alertname: "AvailabilitySLOFastBurn", priority: "P1", service: "api", team: "platform" },
    ],
    ["p1-pagerduty-web", { alertname: "ServiceDown", priority: "P1", service: "web", team: "web" }],
    // A P1 of no known team pages the owner team's service (metrics.ownerTeam: platform), as in Grafana.
    [
      "p1-pagerduty-platform",
      { alertname: "ServiceDown", priority: "P1", service: "legacy", team: "nobody" },
    ],
    ["p1-pagerduty-platform", { alertname: "ServiceDown", priority: "P1", service: "legacy" }],
    ["p2-email-platform", { alertname: "MemoryGrowing", priority: "P2", service: "api", team: "platform" }],
    ["p2-email-web", { alertname: "LatencyP99High", priority: "P2", service: "web", team: "web" }],
    [
      "p3-slack-platform",
      { alertname: "CacheHitRatioLow", priority: "P3", service: "worker", team: "platform" },
    ],
    ["p3-slack-web", { alertname: "DatabaseQueriesSlow", priority: "P3", service: "web", team: "web" }],
    ["p3-slack-default", { alertname: "Unowned", priority: "P3", team: "nobody" }],
    ["deadmansswitch", { alertname: "Watchdog", priority: "P3", team: "platform" }],
    // kube-prometheus-stack's alerts with the labels they reach Alertmanager with: the chart's
    // severity and the target's service, our team, component and (relabelled) priority.
    ...(
      [
        ["p1-pagerduty-platform", "KubePersistentVolumeFillingUp", "critical", "P1"],
        ["p2-email-platform", "KubePersistentVolumeErrors", "critical", "P2"],
        ["p3-slack-platform", "KubePersistentVolumeFillingUp", "warning", "P3"],
      ] as const
    ).map(([receiver, alertname, severity, priority]): [string, Record<string, string>] => [
      receiver,
      { alertname, severity, priority, team: "platform", component: "volumes", service: "kps-kubelet" },
    ]),
    ["p3-slack-default", { alertname: "NoPriority" }],
    // A channel that cannot deliver: by email first, then the page (which may be what fails).
    [
      "p2-email-platform,p1-pagerduty-platform",
      {
        alertname: "AlertmanagerClusterFailedToSendAlerts",
        severity: "critical",
        priority: "P1",
        team: "platform",
        component: "alertmanager",
        integration: "pagerduty",
      },
    ],
  ];

  it.each(cases)("routes to %s: %j", (receiver, labels) => {
    const r = route(receiver, labels);
    expect(r.stdout.trim(), r.stderr).toBe(receiver);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("gives every team's P1 its own receiver with its own key file", () => {
    const cfg = parse(am.content) as AlertmanagerConfig;
    for (const team of config.teams.map((t) => t.name)) {
      const rcv = cfg.receivers.find((r) => r.name === `p1-pagerduty-${team}`);
      const pd = rcv?.pagerduty_configs as { routing_key_file: string }[];
      expect(pd[0]!.routing_key_file).toMatch(new RegExp(`/pagerdutyIntegrationKey-${team}$`));
    }
  });

  it("fails when the expected receiver is wrong", () => {
    const r = route("p2-email-web", { alertname: "X", priority: "P1", service: "api", team: "web" });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("p1-pagerduty-web");
  });
});

/** A stack that brings its own PagerDuty: every P1 pages with the one routing key, as before. */
describe("Alertmanager routes with unmanaged PagerDuty", () => {
  const base = stackConfig("prod");
  const config = { ...base, alerting: { ...base.alerting, pagerduty: { managed: false } } };
  const am = alertmanagerConfig(config as never);
  const dir = tempFiles({ "alertmanager.yaml": toYaml(am) });

  it.each(["platform", "web", "nobody"])("routes team %s's P1 to the shared receiver", (team) => {
    const r = runTool("amtool", [
      "config",
      "routes",
      "test",
      `--config.file=${join(dir, "alertmanager.yaml")}`,
      "--verify.receivers=p1-pagerduty",
      "alertname=ServiceDown",
      "priority=P1",
      `team=${team}`,
    ]);
    expect(r.stdout.trim(), r.stderr).toBe("p1-pagerduty");
    expect(r.status).toBe(0);
    expect(am.receivers.filter((x) => x.name.startsWith("p1-pagerduty-"))).toEqual([]);
  });
});
