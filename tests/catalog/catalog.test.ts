import { describe, expect, it } from "vitest";
import { ALERT_LEVELS, PRIORITIES } from "../../infra/catalog/alert-levels";
import { LOG_LEVELS } from "../../infra/catalog/log-levels";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import { periodDays, specTable, specText } from "../helpers/spec";

// The catalog must say what the user's spec says: these read the spec document itself.
describe("catalog matches the product spec", () => {
  const retention = specTable("## Log Retention");

  it("has one retention row per log type of the spec", () => {
    expect(retention.map(([type]) => type!.toLowerCase()).sort()).toEqual([...LOG_TYPES].sort());
  });

  it.each(retention)("retention of %s logs is %s", (type, period) => {
    const row = RETENTION[type!.toLowerCase() as keyof typeof RETENTION];
    expect(row.period).toBe(period);
    expect(row.days).toBe(periodDays(period!));
  });

  it.each(specTable("### Alert Levels"))("alert level %s: %s, %s", (priority, response, channel) => {
    const level = ALERT_LEVELS[priority as keyof typeof ALERT_LEVELS];
    const [n, unit] = response!.split(" ");
    expect(level.responseMinutes).toBe(Number(n) * (unit!.startsWith("hour") ? 60 : 1));
    expect(level.channel).toBe(channel!.toLowerCase());
  });

  it("has exactly the spec's priorities and log levels", () => {
    expect(specTable("### Alert Levels").map(([p]) => p)).toEqual([...PRIORITIES]);
    const spec = specText();
    const levels = [...spec.matchAll(/^- \*\*([A-Z]+)\*\*: /gm)].map((m) => m[1]);
    expect(levels).toEqual([...LOG_LEVELS]);
  });
});
