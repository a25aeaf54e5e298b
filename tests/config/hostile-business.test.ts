import { describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { configProblems } from "../helpers/config";

/**
 * Hostile and careless `businessMetrics` entries: each is refused with the key named, because the
 * record name, the rule file or the alert would break or mean something else than was written.
 */

type Json = unknown;

/** The dev stack with `businessMetrics` replaced. */
function problems(metrics: Json, stack = "dev"): string[] {
  const file = readStackFile(stack);
  file.config[`${PROJECT}:businessMetrics`] = JSON.stringify(metrics);
  return configProblems(file.config, new Set(file.secretKeys));
}

const W = "{{window}}";
const good = {
  name: "signups",
  team: "web",
  expr: `sum(rate(user_signups_total{namespace="apps",job="api"}[${W}])) * 3600`,
  unit: "perHour",
  badDirection: "down",
  thresholds: [{ value: 20, priority: "P3" }],
};
const entry = (extra: Record<string, Json>) => [{ ...good, ...extra }];
const ex = (expr: string) => entry({ expr });

// [key the error names, businessMetrics value]
const REJECTED: [string, Json][] = [
  // names that break the record name business:<name>:<window>, or a label value
  ["businessMetrics[0].name", entry({ name: "sign-ups" })],
  ["businessMetrics[0].name", entry({ name: "signups:1h" })],
  ["businessMetrics[0].name", entry({ name: "Signups" })],
  ["businessMetrics[0].name", entry({ name: "1signups" })],
  ["businessMetrics[0].name", entry({ name: "sign ups" })],
  ["businessMetrics[0].name", entry({ name: "" })],
  ["businessMetrics[0].name", entry({ name: "s".repeat(41) })],
  ["businessMetrics[0].name", entry({ name: 'x"}' })],
  // duplicates: two metrics recording the same names
  ["businessMetrics[1].name", [good, { ...good, team: "platform" }]],
  // an owner that is no team
  ["businessMetrics[0].team", entry({ team: "marketing" })],
  ["businessMetrics[0].team", entry({ team: "Web" })],
  // a direction other than the enum
  ["businessMetrics[0].badDirection", entry({ badDirection: "low" })],
  ["businessMetrics[0].badDirection", entry({ badDirection: "both" })],
  ["businessMetrics[0].badDirection", entry({ badDirection: true })],
  ["businessMetrics[0].unit", entry({ unit: "EUR" })],
  // thresholds of the wrong type or out of the unit's range
  ["businessMetrics[0].thresholds[0].value", entry({ thresholds: [{ value: "20", priority: "P3" }] })],
  ["businessMetrics[0].thresholds[0].value", entry({ thresholds: [{ value: null, priority: "P3" }] })],
  ["businessMetrics[0].thresholds[0].value", entry({ thresholds: [{ value: -1, priority: "P3" }] })],
  [
    "businessMetrics[0].thresholds[0].value",
    entry({ unit: "ratio", thresholds: [{ value: 40, priority: "P3" }] }),
  ],
  ["businessMetrics[0].thresholds[0].priority", entry({ thresholds: [{ value: 20, priority: "P4" }] })],
  ["businessMetrics[0].thresholds[0].priority", entry({ thresholds: [{ value: 20, priority: "critical" }] })],
  ["businessMetrics[0].thresholds", entry({ thresholds: { value: 20, priority: "P3" } })],
  ["businessMetrics[0].thresholds[0].below", entry({ thresholds: [{ below: 20, priority: "P3" }] })],
  // two thresholds of one priority; a page at a milder value than its warning
  [
    "businessMetrics[0].thresholds[1].priority",
    entry({
      thresholds: [
        { value: 20, priority: "P3" },
        { value: 10, priority: "P3" },
      ],
    }),
  ],
  [
    "businessMetrics[0].thresholds[1].value",
    entry({
      thresholds: [
        { value: 20, priority: "P3" },
        { value: 30, priority: "P1" },
      ],
    }),
  ],
  [
    "businessMetrics[0].thresholds[0].value",
    entry({
      badDirection: "up",
      thresholds: [
        { value: 5, priority: "P2" },
        { value: 10, priority: "P3" },
      ],
    }),
  ],
  // neither or both of expr and counter; a counter that is not one, or recorded in a unit of no rate
  ["businessMetrics[0].expr", entry({ expr: undefined })],
  ["businessMetrics[0].expr", entry({ counter: "cacheRequests" })],
  ["businessMetrics[0].counter", entry({ expr: undefined, counter: "httpServerDuration" })],
  ["businessMetrics[0].unit", entry({ expr: undefined, counter: "cacheRequests", unit: "ratio" })],
  // expressions: a range vector, a scalar, a string, a syntax error
  ["businessMetrics[0].expr", ex(`user_signups_total{namespace="apps",job="api"}[${W}]`)],
  ["businessMetrics[0].expr", ex(`rate(user_signups_total{namespace="apps",job="api"}[${W}])[1h:5m]`)],
  ["businessMetrics[0].expr", ex(`scalar(sum(rate(user_signups_total[${W}])))`)],
  ["businessMetrics[0].expr", ex(`"${W}"`)],
  ["businessMetrics[0].expr", ex(`sum(rate(user_signups_total{namespace="apps"}[${W}])`)],
  ["businessMetrics[0].expr", ex(`sum(rate(user_signups_total{namespace="apps"}[${W}])) by`)],
  // placeholders: none (every window the same series), or one that does not exist
  ["businessMetrics[0].expr", ex('sum(rate(user_signups_total{namespace="apps"}[1h]))')],
  ["businessMetrics[0].expr", ex(`sum(rate(user_signups_total{namespace="{{namespace}}"}[${W}]))`)],
  // selectors: a service by job alone; records of ours that do not exist; another business record
  ["businessMetrics[0].expr", ex(`sum(rate(user_signups_total{job="api"}[${W}]))`)],
  ["businessMetrics[0].expr", ex(`sum(rate(user_signups_total{job=~"api|web"}[${W}]))`)],
  ["businessMetrics[0].expr", ex(`avg_over_time(job:http_server_requests:rate1h{namespace="apps"}[${W}])`)],
  ["businessMetrics[0].expr", ex(`avg_over_time(business:orders:1h[${W}])`)],
  // contract series that do not exist: a histogram by its base name, a counter's wrong suffix
  ["businessMetrics[0].expr", ex(`sum(rate(http_server_request_duration_seconds[${W}]))`)],
  ["businessMetrics[0].expr", ex(`sum(rate(cache_requests_total_total[${W}]))`)],
  // unknown keys: a typo never silently ignored
  ["businessMetrics[0].treshold", entry({ treshold: [] })],
  ["businessMetrics", { signups: good }],
];

const keyText = (key: string) => `${PROJECT}:${key}`;

describe("businessMetrics values the schema refuses, naming the key", () => {
  it.each(REJECTED)("%s = %j", (key, value) => {
    const found = problems(value);
    expect(found.join("\n"), `accepted: ${JSON.stringify(value)}`).not.toBe("");
    expect(
      found.some((p) => p.startsWith(`${keyText(key)}:`)),
      found.join("\n"),
    ).toBe(true);
  });
});

describe("businessMetrics values the schema accepts", () => {
  it.each<[string, Json]>([
    ["the prod example", JSON.parse(readStackFile("prod").config[`${PROJECT}:businessMetrics`]!)],
    ["none at all", []],
    [
      "a counter of the contract, per minute",
      entry({ expr: undefined, counter: "cacheRequests", unit: "perMinute" }),
    ],
    [
      "an expression reading our records and a contract histogram's series, by region",
      ex(
        `sum by (region) (rate(http_server_request_duration_seconds_count{namespace="apps",job="api"}[${W}])) / on () group_left sum(avg_over_time(job:http_server_requests:rate5m{namespace="apps",job="api"}[${W}]))`,
      ),
    ],
    [
      "a gauge averaged over the window",
      ex(`avg_over_time(active_carts{namespace="apps",job=~"api"}[${W}])`),
    ],
    [
      "every priority, worst value most urgent, up is bad",
      entry({
        badDirection: "up",
        thresholds: [
          { value: 10, priority: "P3" },
          { value: 50, priority: "P1" },
          { value: 20, priority: "P2" },
        ],
      }),
    ],
    ["a ratio at its bounds", entry({ unit: "ratio", thresholds: [{ value: 0, priority: "P3" }] })],
  ])("%s", (_, value) => {
    expect(problems(value)).toEqual([]);
  });
});

describe("business expressions are type-checked like the query overrides", () => {
  it.each<[string, string]>([
    [`user_signups_total{namespace="apps",job="api"}[${W}]`, "expected an instant vector result, got matrix"],
    [`scalar(sum(rate(user_signups_total[${W}])))`, "expected an instant vector result, got scalar"],
    [`"${W}"`, "expected an instant vector result, got string"],
    [`sum(rate(user_signups_total{job="api"}[${W}]))`, "selects a service by job without its namespace"],
  ])("%s: %s", (expr, message) => {
    const found = problems(ex(expr));
    expect(found.join("\n")).toContain(`${keyText("businessMetrics[0].expr")}: `);
    expect(found.join("\n")).toContain(message);
  });
});
