import { describe, expect, it } from "vitest";
import { ALERT_LEVELS, PRIORITIES } from "../../infra/catalog/alert-levels";
import { LOG_LEVELS } from "../../infra/catalog/log-levels";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";

// The catalog must say what the product spec says. The spec's tables, written here as data: a
// change to the catalog that departs from them fails, whatever else it keeps consistent.
const SPEC_RETENTION = [
  ["application", "30 days", 30],
  ["security", "1 year", 365],
  ["audit", "7 years", 7 * 365],
  ["debug", "7 days", 7],
] as const;

const SPEC_ALERT_LEVELS = [
  ["P1", 15, "phone"],
  ["P2", 60, "email"],
  ["P3", 240, "slack"],
] as const;

const SPEC_LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

describe("catalog matches the product spec", () => {
  it("has exactly the spec's log types", () => {
    expect([...LOG_TYPES].sort()).toEqual(SPEC_RETENTION.map(([t]) => t).sort());
  });

  it.each(SPEC_RETENTION)("keeps %s logs %s (%i days)", (type, period, days) => {
    expect(RETENTION[type]).toEqual({ logType: type, period, days });
  });

  it.each(SPEC_ALERT_LEVELS)("answers %s within %i minutes by %s", (priority, minutes, channel) => {
    expect(ALERT_LEVELS[priority]).toMatchObject({ priority, responseMinutes: minutes, channel });
  });

  it("has exactly the spec's priorities and log levels, in order", () => {
    expect([...PRIORITIES]).toEqual(SPEC_ALERT_LEVELS.map(([p]) => p));
    expect([...LOG_LEVELS]).toEqual(SPEC_LOG_LEVELS);
  });
});
