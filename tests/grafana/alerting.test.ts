import { opsgenieOverrides } from "../helpers/config";
import { describe, expect, it } from "vitest";
import { notificationTiming, PRIORITIES } from "../../infra/catalog/alert-levels";
import { channelList } from "../../infra/generators/alerting/channels";
import { alertmanagerConfig, GROUP_BY } from "../../infra/generators/metrics/alertmanager";
import {
  contactPointName,
  contactPoints,
  FALLBACK_CONTACT_POINT,
  MAINTENANCE_MUTE_TIMING,
  maintenanceMuteTiming,
  notificationPolicy,
} from "../../infra/generators/grafana";
import { ConfigError } from "../../infra/config";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";

/** Prometheus-style durations (10s, 5m, 1h, 4h) in seconds, so 60m and 1h compare equal. */
function seconds(d: string | undefined): number {
  const m = /^(\d+)([smh])$/.exec(d ?? "");
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}

describe.each(["dev", "prod"] as const)("Grafana alerting (%s)", (stack) => {
  const config = stackConfig(stack);
  const channels = channelList(config);
  const policy = notificationPolicy(config);
  const points = contactPoints(config);

  it("has a contact point per priority and team, each with the channel's kind and destination", () => {
    for (const channel of channels) {
      for (const d of channel.destinations) {
        const cp = points.find((p) => p.name === contactPointName(channel.priority, d.team));
        expect(cp, `${channel.priority} ${d.team}`).toMatchObject({
          kind: channel.kind,
          address: d.address,
          secretKey: channel.secretKey,
        });
      }
    }
    expect(points.find((p) => p.name === FALLBACK_CONTACT_POINT)).toMatchObject({
      kind: "slack",
      address: config.alerting.slackChannel,
    });
    expect(points).toHaveLength(1 + PRIORITIES.length * config.teams.length);
    expect(new Set(points.map((p) => p.name)).size).toBe(points.length);
    expect(points.find((p) => p.priority === "P1")!.kind).toBe(config.alerting.pagingProvider);
    expect(points.find((p) => p.priority === "P2")!.kind).toBe("email");
    expect(points.find((p) => p.priority === "P3")!.kind).toBe("slack");
  });

  it("routes each priority with the alert-level table's timings", () => {
    expect(policy.routes.map((r) => r.matchers)).toEqual(
      PRIORITIES.map((p) => [{ label: "priority", match: "=", value: p }]),
    );
    for (const [i, p] of PRIORITIES.entries()) {
      const route = policy.routes[i]!;
      const t = notificationTiming(p);
      expect(seconds(route.groupWait)).toBe(t.groupWaitSeconds);
      expect(seconds(route.groupInterval)).toBe(t.groupIntervalMinutes * 60);
      expect(seconds(route.repeatInterval)).toBe(t.repeatIntervalMinutes * 60);
      // Team routes inherit the priority's timings and pick the team's contact point.
      expect(route.routes.map((r) => [r.matchers[0]!.value, r.contactPoint])).toEqual(
        config.teams.map((team) => [team.name, contactPointName(p, team.name)]),
      );
      for (const r of route.routes) expect(r.groupWait).toBeUndefined();
    }
    // Without a team label: P1 still pages, P2 mails the owner team, P3 inherits the fallback.
    const owner = config.metrics.ownerTeam ?? config.teams[0]!.name;
    expect(policy.routes.map((r) => r.contactPoint)).toEqual([
      contactPointName("P1", owner),
      contactPointName("P2", owner),
      undefined,
    ]);
    expect(policy.contactPoint).toBe(FALLBACK_CONTACT_POINT);
  });

  it("groups and times notifications exactly as the Alertmanager route tree does", () => {
    const am = alertmanagerConfig(config as never).route;
    expect(policy.groupBy).toEqual(GROUP_BY);
    expect(policy.groupBy).toEqual(am.group_by);
    expect(seconds(policy.groupWait)).toBe(seconds(am.group_wait));
    expect(seconds(policy.groupInterval)).toBe(seconds(am.group_interval));
    expect(seconds(policy.repeatInterval)).toBe(seconds(am.repeat_interval));
    for (const p of PRIORITIES) {
      const amRoute = am.routes!.find((r) => r.matchers?.includes(`priority="${p}"`))!;
      const route = policy.routes.find((r) => r.matchers[0]!.value === p)!;
      expect([route.groupWait, route.groupInterval, route.repeatInterval].map(seconds), p).toEqual(
        [amRoute.group_wait, amRoute.group_interval, amRoute.repeat_interval].map(seconds),
      );
    }
  });

  it("mutes the same routes in the same windows as Alertmanager", () => {
    const am = alertmanagerConfig(config);
    const mute = maintenanceMuteTiming(config)!;
    // One definition, two renderings: Alertmanager's time interval field by field as Grafana's.
    expect(am.time_intervals).toEqual([
      {
        name: mute.name,
        time_intervals: mute.intervals.map((i) => ({
          times: i.times.map((t) => ({ start_time: t.start, end_time: t.end })),
          ...(i.weekdays ? { weekdays: i.weekdays } : {}),
          ...(i.daysOfMonths ? { days_of_month: i.daysOfMonths } : {}),
          ...(i.months ? { months: i.months } : {}),
          location: i.location,
        })),
      },
    ]);
    for (const p of PRIORITIES) {
      const amRoute = am.route.routes!.find((r) => r.matchers?.includes(`priority="${p}"`))!;
      const route = policy.routes.find((r) => r.matchers[0]!.value === p)!;
      expect(amRoute.mute_time_intervals ?? [], p).toEqual(route.muteTimings);
      // Alertmanager's team routes do not inherit the list: each carries it.
      for (const child of amRoute.routes ?? [])
        expect(child.mute_time_intervals ?? [], p).toEqual(route.muteTimings);
    }
    // The root and the Watchdog are never muted; the email copy of an undeliverable channel is
    // muted with P1.
    const others = am.route.routes!.filter((r) => !r.matchers?.some((m) => m.startsWith("priority=")));
    expect(
      others.find((r) => r.matchers?.includes('alertname="Watchdog"'))?.mute_time_intervals,
    ).toBeUndefined();
    const undeliverable = others.find((r) =>
      r.matchers?.includes('alertname="AlertmanagerClusterFailedToSendAlerts"'),
    )!;
    expect(undeliverable.mute_time_intervals ?? []).toEqual(
      am.route.routes!.find((r) => r.matchers?.includes('priority="P1"'))!.mute_time_intervals ?? [],
    );
    expect(others).toHaveLength(2);
  });

  it("mutes the configured priorities during the maintenance windows", () => {
    const mute = maintenanceMuteTiming(config)!;
    expect(mute.name).toBe(MAINTENANCE_MUTE_TIMING);
    expect(mute.intervals).toHaveLength(config.alerting.maintenance.windows.length);
    const w = config.alerting.maintenance.windows[0]!;
    expect(mute.intervals[0]).toMatchObject({
      times: [{ start: w.startTime, end: w.endTime }],
      location: w.location,
      weekdays: w.weekdays,
    });
    for (const route of policy.routes) {
      const muted = config.alerting.maintenance.mutedPriorities.includes(route.matchers[0]!.value as never);
      expect(route.muteTimings, route.matchers[0]!.value).toEqual(muted ? [MAINTENANCE_MUTE_TIMING] : []);
      for (const r of route.routes) expect(r.muteTimings).toEqual(route.muteTimings);
    }
  });
});

describe("Grafana alerting config", () => {
  it("has no mute timing and mutes nothing without maintenance windows", () => {
    const config = stackConfig("dev", {
      alerting: { ...stackValue<object>("dev", "alerting"), maintenance: { windows: [] } },
    });
    expect(maintenanceMuteTiming(config)).toBeUndefined();
    for (const r of notificationPolicy(config).routes) expect(r.muteTimings).toEqual([]);
  });

  it("follows the paging provider for P1", () => {
    const ops = opsgenieOverrides(stackConfig("dev"));
    const config = stackConfig("dev", {
      ...ops,
      alerting: {
        pagingProvider: "opsgenie",
        email: { from: "a@example.com", smarthost: "smtp.example.com:587", username: "a" },
      },
      opsgenieApiKey: "offline",
    });
    const p1 = contactPoints(config).filter((c) => c.priority === "P1");
    expect(p1.map((c) => [c.kind, c.secretKey])).toEqual(
      config.teams.map(() => ["opsgenie", "opsgenieApiKey"]),
    );
  });

  it("rejects a window that ends before it starts, and an unknown weekday", () => {
    const bad = (window: Record<string, unknown>) => () =>
      stackConfig("dev", { alerting: { maintenance: { windows: [window] } } });
    expect(bad({ startTime: "08:00", endTime: "06:00" })).toThrow(ConfigError);
    expect(bad({ startTime: "08:00", endTime: "06:00" })).toThrow(
      /alerting\.maintenance\.windows\[0\]\.endTime: startTime must be before endTime/,
    );
    expect(bad({ weekdays: ["funday"], startTime: "01:00", endTime: "02:00" })).toThrow(/expected a weekday/);
    expect(bad({ startTime: "25:00", endTime: "26:00" })).toThrow(/HH:MM/);
  });
});
