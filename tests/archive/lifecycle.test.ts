import { describe, expect, it } from "vitest";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import {
  archiveCost,
  type LifecyclePlan,
  lifecyclePlan,
  lifecycleRule,
  lifecycleViolations,
  monthlyCost,
  residency,
} from "../../infra/generators/archive";

describe.each(LOG_TYPES)("lifecycle of %s logs", (logType) => {
  const plan = lifecyclePlan(logType);
  const rule = lifecycleRule(plan);
  const { transitions } = rule;

  it("expires objects exactly at the retention period", () => {
    expect(rule.expiration.days).toBe(RETENTION[logType].days);
  });

  // AWS's own constraints, checked on the rule as deployed, independently of lifecycleViolations.
  it("moves to Standard-IA no earlier than day 30", () => {
    for (const t of transitions.filter((x) => x.storageClass === "STANDARD_IA"))
      expect(t.days).toBeGreaterThanOrEqual(30);
  });

  it("expires strictly after every transition, and transitions go forward in time", () => {
    const days = transitions.map((t) => t.days);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(new Set(days).size).toBe(days.length);
    for (const d of days) expect(rule.expiration.days).toBeGreaterThan(d);
  });

  it("keeps objects in Glacier classes at least 90 days and in Deep Archive at least 180", () => {
    const stops = [...transitions.map((t) => ({ cls: t.storageClass, day: t.days }))];
    stops.forEach((s, i) => {
      const until = stops[i + 1]?.day ?? rule.expiration.days;
      if (s.cls === "GLACIER" || s.cls === "GLACIER_IR") expect(until - s.day).toBeGreaterThanOrEqual(90);
      if (s.cls === "DEEP_ARCHIVE") expect(until - s.day).toBeGreaterThanOrEqual(180);
      if (s.cls === "STANDARD_IA") expect(until - s.day).toBeGreaterThanOrEqual(30);
    });
  });

  it("expires noncurrent versions and aborts incomplete uploads", () => {
    expect(rule.noncurrentVersionExpiration.noncurrentDays).toBeGreaterThan(0);
    expect(rule.abortIncompleteMultipartUpload.daysAfterInitiation).toBeGreaterThan(0);
    expect(rule.status).toBe("Enabled");
  });

  it("passes the shared constraint check", () => {
    expect(lifecycleViolations(plan)).toEqual([]);
  });
});

describe("lifecycle constraint check", () => {
  const base = lifecyclePlan("security");
  it.each<[string, Partial<LifecyclePlan>, string]>([
    ["an expiry that differs from the table", { expirationDays: 180 }, "retention table says 365"],
    [
      "Standard-IA before day 30",
      { transitions: [{ days: 10, storageClass: "STANDARD_IA" }] },
      "Standard-IA before day 30",
    ],
    [
      "expiry before a transition",
      { expirationDays: 365, transitions: [{ days: 400, storageClass: "GLACIER_IR" }] },
      "is not after the transition",
    ],
    [
      "a short Deep Archive stay",
      { transitions: [{ days: 300, storageClass: "DEEP_ARCHIVE" }] },
      "which bills at least 180",
    ],
  ])("catches %s", (_c, change, message) => {
    expect(lifecycleViolations({ ...base, ...change }).join("\n")).toContain(message);
  });
});

describe("storage cost estimate", () => {
  it("matches a hand-computed security case (1 GB/day)", () => {
    // Standard 30 d, Standard-IA 60 d, Glacier IR 275 d: 30*0.023 + 60*0.0125 + 275*0.004
    const line = monthlyCost(lifecyclePlan("security"), 1);
    expect(line.lifecycleUsdPerMonth).toBeCloseTo(0.69 + 0.75 + 1.1, 10);
    expect(line.standardUsdPerMonth).toBeCloseTo(365 * 0.023, 10);
  });

  it("matches a hand-computed audit case (2 GB/day)", () => {
    // + Deep Archive from day 365 to 2555: 2190 d * 0.00099
    const line = monthlyCost(lifecyclePlan("audit"), 2);
    expect(line.lifecycleUsdPerMonth).toBeCloseTo(2 * (0.69 + 0.75 + 1.1 + 2190 * 0.00099), 10);
    expect(line.standardUsdPerMonth).toBeCloseTo(2 * 2555 * 0.023, 10);
  });

  it("charges the minimum duration of a colder class when objects leave it early", () => {
    // 10 days in Glacier IR are billed as 90.
    const plan: LifecyclePlan = {
      ...lifecyclePlan("security"),
      expirationDays: 100,
      transitions: [{ days: 90, storageClass: "GLACIER_IR" }],
    };
    expect(residency(plan).at(-1)).toEqual({ storageClass: "GLACIER_IR", fromDay: 90, toDay: 100 });
    expect(monthlyCost(plan, 1).lifecycleUsdPerMonth).toBeCloseTo(90 * 0.023 + 90 * 0.004, 10);
  });

  it("sums the log types and never costs more than S3 Standard", () => {
    const cost = archiveCost({ application: 1, security: 1, audit: 1, debug: 1 });
    expect(cost.lines).toHaveLength(4);
    expect(cost.total.lifecycleUsdPerMonth).toBeCloseTo(
      cost.lines.reduce((a, l) => a + l.lifecycleUsdPerMonth, 0),
      10,
    );
    for (const l of cost.lines)
      expect(l.lifecycleUsdPerMonth).toBeLessThanOrEqual(l.standardUsdPerMonth + 1e-9);
  });
});
