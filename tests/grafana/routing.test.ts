import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { PRIORITIES } from "../../infra/catalog/alert-levels";
import { type AlertmanagerConfig, alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import {
  contactPoints,
  maintenanceMuteTiming,
  notificationPolicy,
  type PolicyRoute,
  type PolicyTree,
} from "../../infra/generators/grafana";
import { runTool, tempFiles } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";
import { toYaml } from "../../infra/artifacts";

/**
 * Grafana routes notifications with Alertmanager's routing engine, so the generated policy tree is
 * written as an Alertmanager routing config (same fields, receivers named after contact points)
 * and handed to amtool: `check-config` validates the tree and the mute timing, `config routes test`
 * says where a label set goes. The same label sets go through the real Alertmanager config, and
 * both must reach the same destination.
 */

function amRoute(r: PolicyRoute): Record<string, unknown> {
  return {
    ...(r.contactPoint ? { receiver: r.contactPoint } : {}),
    matchers: r.matchers.map((m) => `${m.label}${m.match}"${m.value}"`),
    ...(r.groupWait
      ? { group_wait: r.groupWait, group_interval: r.groupInterval, repeat_interval: r.repeatInterval }
      : {}),
    ...(r.muteTimings.length > 0 ? { mute_time_intervals: r.muteTimings } : {}),
    ...(r.routes.length > 0 ? { routes: r.routes.map(amRoute) } : {}),
  };
}

function asAlertmanager(
  policy: PolicyTree,
  receivers: string[],
  mute: ReturnType<typeof maintenanceMuteTiming>,
): string {
  return stringify({
    route: {
      receiver: policy.contactPoint,
      group_by: policy.groupBy,
      group_wait: policy.groupWait,
      group_interval: policy.groupInterval,
      repeat_interval: policy.repeatInterval,
      routes: policy.routes.map(amRoute),
    },
    receivers: receivers.map((name) => ({ name })),
    ...(mute
      ? {
          time_intervals: [
            {
              name: mute.name,
              time_intervals: mute.intervals.map((i) => ({
                ...(i.weekdays ? { weekdays: i.weekdays } : {}),
                ...(i.daysOfMonths ? { days_of_month: i.daysOfMonths } : {}),
                ...(i.months ? { months: i.months } : {}),
                times: i.times.map((t) => ({ start_time: t.start, end_time: t.end })),
                location: i.location,
              })),
            },
          ],
        }
      : {}),
  });
}

function routeTest(dir: string, labels: Record<string, string>): string {
  const r = runTool("amtool", [
    "config",
    "routes",
    "test",
    `--config.file=${join(dir, "am.yaml")}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Where an Alertmanager receiver delivers: kind and address (every pager shares one key). */
function amDestination(am: AlertmanagerConfig, receiver: string): string {
  const rc = am.receivers.find((x) => x.name === receiver) as Record<
    string,
    { to?: string; channel?: string }[] | undefined
  >;
  if (rc.pagerduty_configs) return "pagerduty";
  if (rc.opsgenie_configs) return "opsgenie";
  if (rc.email_configs) return `email ${rc.email_configs[0]!.to}`;
  if (rc.slack_configs) return `slack ${rc.slack_configs[0]!.channel}`;
  throw new Error(`receiver ${receiver} delivers nowhere`);
}

describe.each(["dev", "prod"] as const)(
  "Grafana policy tree in Alertmanager's routing engine (%s)",
  (stack) => {
    const config = stackConfig(stack);
    const points = contactPoints(config);
    const grafanaDir = tempFiles({
      "am.yaml": asAlertmanager(
        notificationPolicy(config),
        points.map((p) => p.name),
        maintenanceMuteTiming(config),
      ),
    });
    const am = alertmanagerConfig(config as never);
    const amDir = tempFiles({ "am.yaml": toYaml(am) });
    const grafanaDestination = (name: string): string => {
      const cp = points.find((p) => p.name === name)!;
      return cp.kind === "pagerduty" || cp.kind === "opsgenie" ? cp.kind : `${cp.kind} ${cp.address}`;
    };

    it("is a valid routing tree with a valid mute timing (amtool check-config)", () => {
      const r = runTool("amtool", ["check-config", join(grafanaDir, "am.yaml")]);
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status).toBe(0);
    });

    const labelSets: Record<string, string>[] = [
      {},
      { alertname: "Unlabelled" },
      ...PRIORITIES.flatMap((priority): Record<string, string>[] => [
        { alertname: "X", priority },
        { alertname: "X", priority, team: "nobody" },
        ...config.teams.map((t) => ({ alertname: "X", priority, team: t.name, service: "api" })),
      ]),
    ];

    it("sends each priority and team to that team's contact point", () => {
      for (const p of PRIORITIES)
        for (const t of config.teams)
          expect(routeTest(grafanaDir, { priority: p, team: t.name }), `${p} ${t.name}`).toBe(
            `${p}-${t.name}`,
          );
      expect(routeTest(grafanaDir, {})).toBe("fallback");
    });

    it("delivers every label set where Alertmanager delivers it", () => {
      for (const labels of labelSets) {
        const viaGrafana = grafanaDestination(routeTest(grafanaDir, labels));
        const viaAlertmanager = amDestination(am, routeTest(amDir, labels));
        expect(viaGrafana, JSON.stringify(labels)).toBe(viaAlertmanager);
      }
    });
  },
);
