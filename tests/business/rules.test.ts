import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { businessRecord } from "../../infra/catalog/business-metrics";
import type { StackConfig } from "../../infra/config";
import { BUSINESS_ALERT_FOR, BUSINESS_ALERTS, ruleFile } from "../../infra/generators/metrics";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The business records and alerts as rendered for the example stacks, under one `promtool test
 * rules` run: the two example entries (sign-ups per hour, checkout conversion) record the values
 * the synthetic counters imply over both windows, their alerts fire with the owner's team and the
 * configured priority after a real drop, and stay quiet for a dip the hour absorbs, for a night
 * without checkouts (0/0) and for a same-named Service of another namespace. A `counter` entry
 * records the contract counter of the configured services only.
 */

const dev = stackConfig("dev");
const prod = stackConfig("prod");
const reason = BUSINESS_ALERTS[0]!.reason;

/** A counter growing `perMinute` a minute from `from` for `minutes` one-minute samples. */
const grow = (perMinute: number, minutes: number, from = 0) => `${from}+${perMinute}x${minutes}`;
/** A counter at `a` per minute for `first` minutes, then `b` per minute until `total`. */
const step = (a: number, first: number, b: number, total: number) =>
  `${grow(a, first)} ${a * first + b}+${b}x${total - first - 1}`;

const api = 'namespace="apps",job="api"';
const signups = (labels = api) => `user_signups_total{${labels}}`;
const started = (labels = api) => `checkout_started_total{${labels}}`;
const completed = (labels = api) => `checkout_completed_total{${labels}}`;

const alertLabels = (metric: string, team: string, priority: string) => ({
  priority,
  team,
  business_metric: metric,
});
const runbook = (c: StackConfig) => `${c.metrics.runbookBaseUrl}/business-metrics.md`;
const low = (
  c: StackConfig,
  metric: string,
  team: string,
  priority: string,
  value: string,
  threshold: string,
) => ({
  exp_labels: alertLabels(metric, team, priority),
  exp_annotations: {
    summary: `Business metric ${metric} is below its ${priority} threshold`,
    description: `${metric} (owned by ${team}) is ${value} over the last 1h, below ${threshold}, for ${BUSINESS_ALERT_FOR}. Priority ${priority}: ${reason}.`,
    runbook_url: runbook(c),
  },
});
/** A record's value at `eval_time`, to a thousandth (rate()'s extrapolation leaves float noise). */
const value = (name: string, window: "5m" | "1h", eval_time: string, v: number) => ({
  expr: `round(${businessRecord(name, window)}, 0.001)`,
  eval_time,
  exp_samples: [{ labels: "{}", value: v }],
});

function testFile(c: StackConfig, tests: unknown[]): string {
  const dir = tempFiles({ "rules.yaml": toYaml(ruleFile(c)) });
  return toYaml({
    rule_files: [join(dir, "rules.yaml")],
    evaluation_interval: "1m",
    group_eval_order: ruleFile(c).groups.map((g) => g.name),
    tests,
  });
}

describe("business metrics (promtool)", () => {
  it("record the example entries and alert their owners after a real drop, not for look-alikes", async () => {
    // The example stacks' thresholds, which the traffic below lies well either side of.
    const thresholds = (c: StackConfig, name: string) =>
      c.businessMetrics.find((m) => m.name === name)!.thresholds.map((t) => [t.priority, t.value]);
    expect(thresholds(dev, "signups")).toEqual([["P3", 20]]);
    expect(thresholds(dev, "checkout_conversion")).toEqual([["P3", 0.5]]);
    expect(thresholds(prod, "checkout_conversion")).toEqual([
      ["P3", 0.5],
      ["P1", 0.2],
    ]);

    const drop = {
      interval: "1m",
      input_series: [
        // 60 sign-ups an hour, then 6 an hour from minute 90.
        { series: signups(), values: step(1, 90, 0.1, 240) },
        // A same-named Service elsewhere keeps signing up 100 an hour: it must not hide the drop.
        { series: signups('namespace="marketing",job="api"'), values: grow(100 / 60, 240) },
        // 2 checkouts started a minute; 70% paid, then 20% from minute 90.
        { series: started(), values: grow(2, 240) },
        { series: completed(), values: step(1.4, 90, 0.4, 240) },
      ],
      promql_expr_test: [
        value("signups", "1h", "80m", 60),
        value("signups", "5m", "80m", 60),
        // Ten minutes after the drop the 5m record shows it; the hour has barely moved.
        value("signups", "5m", "100m", 6),
        // The hour's samples (minutes 41 to 100) hold 49 + 10 × 0.1 sign-ups over 59 minutes, which
        // rate() extrapolates to the whole hour.
        value("signups", "1h", "100m", Number(((50 * 60) / 59).toFixed(3))),
        value("signups", "1h", "200m", 6),
        value("checkout_conversion", "1h", "80m", 0.7),
        value("checkout_conversion", "5m", "200m", 0.2),
        // Last week's value, as the dashboard compares: absent in a test of four hours.
        { expr: `${businessRecord("signups", "1h")} offset 1w`, eval_time: "200m", exp_samples: [] },
      ],
      alert_rule_test: [
        { eval_time: "100m", alertname: "BusinessMetricLow", exp_alerts: [] },
        {
          eval_time: "200m",
          alertname: "BusinessMetricLow",
          exp_alerts: [
            low(dev, "signups", "web", "P3", "6 per hour", "20 per hour"),
            low(dev, "checkout_conversion", "platform", "P3", "20%", "50%"),
          ],
        },
      ],
    };
    const quiet = {
      interval: "1m",
      input_series: [
        // A 20-minute outage of sign-ups: the hour still holds 40 of them.
        { series: signups(), values: `${grow(1, 60)} 60x20 ${grow(1, 100, 61)}` },
        // No checkout started at all (a night): 0/0 is no value, and no alert.
        { series: started(), values: "5x180" },
        { series: completed(), values: "3x180" },
      ],
      alert_rule_test: [90, 120, 170].map((m) => ({
        eval_time: `${m}m`,
        alertname: "BusinessMetricLow",
        exp_alerts: [],
      })),
    };
    // Prod pages (P1) when conversion collapses, beside its P3: each threshold is its own alert.
    const prodDrop = {
      interval: "1m",
      input_series: [
        { series: signups(), values: grow(1, 240) },
        { series: started(), values: grow(2, 240) },
        { series: completed(), values: step(1.4, 90, 0.2, 240) },
      ],
      alert_rule_test: [
        {
          eval_time: "200m",
          alertname: "BusinessMetricLow",
          exp_alerts: [
            low(prod, "checkout_conversion", "platform", "P3", "10%", "50%"),
            low(prod, "checkout_conversion", "platform", "P1", "10%", "20%"),
          ],
        },
      ],
    };
    // The counter form: the contract's cache lookups of the configured services, per minute.
    const counterStack: StackConfig = {
      ...dev,
      businessMetrics: [
        {
          name: "cache_lookups",
          team: "platform",
          counter: "cacheRequests",
          unit: "perMinute",
          badDirection: "down",
          thresholds: [{ value: 5, priority: "P3" }],
        },
      ],
    };
    const counter = {
      interval: "1m",
      input_series: [
        { series: 'cache_requests_total{namespace="apps",job="api",result="hit"}', values: grow(8, 120) },
        { series: 'cache_requests_total{namespace="apps",job="api",result="miss"}', values: grow(2, 120) },
        // Not a configured service: another namespace's api, and a job of no service.
        {
          series: 'cache_requests_total{namespace="marketing",job="api",result="hit"}',
          values: grow(50, 120),
        },
        { series: 'cache_requests_total{namespace="apps",job="batch",result="hit"}', values: grow(50, 120) },
      ],
      promql_expr_test: [value("cache_lookups", "1h", "100m", 10)],
      alert_rule_test: [{ eval_time: "100m", alertname: "BusinessMetricLow", exp_alerts: [] }],
    };
    const files = tempFiles({
      "dev.yaml": testFile(dev, [drop, quiet]),
      "prod.yaml": testFile(prod, [prodDrop]),
      "counter.yaml": testFile(counterStack, [counter]),
    });
    const r = await runToolAsync("promtool", [
      "test",
      "rules",
      ...["dev.yaml", "prod.yaml", "counter.yaml"].map((f) => join(files, f)),
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("adds no rule per service: the business groups of a 300-service fleet are the example stack's", () => {
    const business = (c: StackConfig) => ruleFile(c).groups.filter((g) => g.name.startsWith("business."));
    const fleet = {
      ...dev,
      services: Array.from({ length: 300 }, (_, i) => ({ ...dev.services[0]!, name: `svc-${i}` })),
    };
    expect(business(dev).map((g) => g.rules.length)).toEqual([4, 2]);
    expect(JSON.stringify(business(fleet))).toBe(JSON.stringify(business(dev)));
  });
});
