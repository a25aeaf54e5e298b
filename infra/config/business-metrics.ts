import { z } from "zod";
import { PRIORITIES, type Priority } from "../catalog/alert-levels";
import {
  BUSINESS_UNIT_IDS,
  BUSINESS_UNITS,
  BUSINESS_WINDOWS,
  type BusinessUnit,
  CONTRACT_COUNTERS,
  fillWindow,
  WINDOW_PLACEHOLDER,
} from "../catalog/business-metrics";
import { contractMetrics, seriesNames } from "../catalog/metric-contract";
import { ALL_RECORDS } from "../catalog/recording-rules";
import { dnsName } from "./common";
import { promqlProblems, vectorSelectorsOf } from "./promql";

/**
 * Key business metrics ("monitor key business metrics"): each becomes the records
 * `business:<name>:<window>` (infra/catalog/business-metrics.ts), a panel on the Business
 * dashboard and, where thresholds are given, alerts of its owner team. An expression is checked
 * with Prometheus's own grammar and type checker, like the query overrides.
 */

/** A record name's middle part: lowercase snake case, so `business:<name>:<window>` is a valid record. */
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** Record names of ours: their level (`job`, `job_le`, ...) before the first colon. */
const OUR_RECORDS = new Set(ALL_RECORDS.map((r) => r.record));
const OUR_LEVELS = new Set([...OUR_RECORDS].map((r) => r.split(":")[0]!));
/** Series of the metric contract, by the metric's base name. */
const CONTRACT = contractMetrics();

/** What is wrong with one selector that names a series of ours (a record, a contract metric). */
function selectorProblems(expr: string): string[] {
  const problems: string[] = [];
  for (const s of vectorSelectorsOf(expr)) {
    const level = s.name.split(":")[0]!;
    if (s.name.startsWith("business:"))
      problems.push(
        `${s.selector} reads a business record: the records of one metric may run before those of another, so read the series it is made of instead`,
      );
    else if (s.name.includes(":") && OUR_LEVELS.has(level) && !OUR_RECORDS.has(s.name))
      problems.push(
        `${s.selector}: no recording rule of the platform is called ${s.name} (docs/metrics.md lists them)`,
      );
    const metric = CONTRACT.find((m) => s.name === m.name || s.name.startsWith(`${m.name}_`));
    if (metric && !seriesNames(metric).includes(s.name))
      problems.push(
        `${s.selector}: the contract's ${metric.type} ${metric.name} has the series ${seriesNames(metric).join(", ")}, not ${s.name}`,
      );
    // As for the query overrides: a service's name alone also matches a same-named Service of
    // another namespace (issue 22).
    const picks = (label: string) =>
      s.matchers.some((m) => m.name === label && ["=", "=~"].includes(m.op) && m.value !== "");
    if (picks("job") && !picks("namespace"))
      problems.push(
        `${s.selector} selects a service by job without its namespace, so a Service of the same name in another namespace would be counted too: add a matcher such as namespace="apps"`,
      );
  }
  return problems;
}

/** What is wrong with a business expression: its placeholder, its PromQL, its selectors. */
export function businessExprProblems(template: string): string[] {
  if (!template.includes(WINDOW_PLACEHOLDER))
    return [
      `expected the placeholder ${WINDOW_PLACEHOLDER} in a range, such as rate(x[${WINDOW_PLACEHOLDER}]): each record (${BUSINESS_WINDOWS.join(", ")}) fills in its window, and without it they would all be the same series`,
    ];
  const unknown = [...new Set(template.match(/\{\{[^}]*\}\}/g) ?? [])].filter(
    (p) => p !== WINDOW_PLACEHOLDER,
  );
  if (unknown.length > 0) return unknown.map((p) => `unknown placeholder ${p} (only ${WINDOW_PLACEHOLDER})`);
  // The result is recorded and compared with thresholds: an instant vector, never a range vector,
  // a scalar (no labels, and a record of one needs vector()) or a string.
  const expr = fillWindow(template, BUSINESS_WINDOWS[0]);
  const invalid = promqlProblems(expr, ["vector"]).map((p) => `not valid PromQL: ${p}`);
  if (invalid.length > 0) return invalid;
  return selectorProblems(expr);
}

/** An alert threshold: the value at which the metric is bad enough for this priority. */
const thresholdSchema = z.strictObject({
  value: z.number().meta({
    description:
      "Where the metric turns bad, in its `unit`: the alert fires below it when `badDirection` is down, above it when up.",
  }),
  priority: z.enum(PRIORITIES).meta({
    description:
      "The alert's priority (P1 pages, P2 email, P3 Slack): how urgent this metric at this value is to the business, which only its owner can say.",
  }),
});

const URGENCY: Record<Priority, number> = { P1: 0, P2: 1, P3: 2 };

export const businessMetricSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        NAME,
        "expected a lowercase snake_case name (a-z, 0-9, '_', starting with a letter), at most 40 characters: it is part of the record name business:<name>:<window>",
      )
      .meta({
        description: "Name of the metric: its records are `business:<name>:5m` and `business:<name>:1h`.",
      }),
    team: dnsName.meta({
      description: "Owning team, which its alerts go to; must be the name of one of `teams`.",
    }),
    expr: z
      .string()
      .min(1, "expected a PromQL expression")
      .max(4000, "expected at most 4000 characters")
      .optional()
      .meta({
        description: `PromQL of the value in \`unit\`, with ${WINDOW_PLACEHOLDER} as the range (each record fills in its window): an instant vector, such as \`sum(rate(user_signups_total{namespace="apps",job="api"}[${WINDOW_PLACEHOLDER}])) * 3600\`. A selector that picks a service by \`job\` must also match its \`namespace\`. Or give \`counter\`.`,
      }),
    counter: z
      .enum(CONTRACT_COUNTERS as [string, ...string[]])
      .optional()
      .meta({
        description: `Instead of \`expr\`: a counter of the metric contract (${CONTRACT_COUNTERS.join(", ")}), recorded as its rate over every configured service, in \`unit\` (a rate unit).`,
      }),
    unit: z.enum(BUSINESS_UNIT_IDS).meta({
      description: `What the value is: ${BUSINESS_UNIT_IDS.map((u) => `\`${u}\` (${BUSINESS_UNITS[u].text})`).join(", ")}. With \`expr\` the expression computes it; with \`counter\` the rate is converted into it.`,
    }),
    badDirection: z.enum(["down", "up"]).meta({
      description:
        "Which way is bad: `down` (sign-ups, conversion: alerts fire below a threshold) or `up` (refunds, abandoned carts: above).",
    }),
    thresholds: z
      .array(thresholdSchema)
      .max(PRIORITIES.length, `expected at most ${PRIORITIES.length} thresholds, one per priority`)
      .default([])
      .meta({
        description:
          "Alert thresholds, at most one per priority; a more urgent priority needs a worse value. None: the metric is shown, never alerted on.",
      }),
  })
  .superRefine((m, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if ((m.expr === undefined) === (m.counter === undefined))
      issue(["expr"], "expected exactly one of expr, counter");
    if (m.expr !== undefined) for (const p of businessExprProblems(m.expr)) issue(["expr"], p);
    const unit: BusinessUnit = BUSINESS_UNITS[m.unit];
    if (m.counter !== undefined && unit.perSeconds === undefined)
      issue(
        ["unit"],
        `a counter is recorded as a rate: expected one of ${BUSINESS_UNIT_IDS.filter((u) => (BUSINESS_UNITS[u] as BusinessUnit).perSeconds).join(", ")}`,
      );
    const seen = new Set<Priority>();
    m.thresholds.forEach((t, i) => {
      if (seen.has(t.priority))
        issue(
          ["thresholds", i, "priority"],
          `expected one threshold per priority: ${t.priority} is given twice`,
        );
      seen.add(t.priority);
      if (t.value < unit.min || (unit.max !== undefined && t.value > unit.max))
        issue(
          ["thresholds", i, "value"],
          `expected a value of the unit ${m.unit} (${unit.text}): from ${unit.min}${unit.max !== undefined ? ` to ${unit.max}` : ""}`,
        );
    });
    // The more urgent alert must need the worse value, or it would fire first and mean less.
    const worse = (a: number, b: number) => (m.badDirection === "down" ? a < b : a > b);
    const byUrgency = m.thresholds
      .map((t, i) => ({ ...t, i }))
      .sort((a, b) => URGENCY[a.priority] - URGENCY[b.priority]);
    for (let k = 1; k < byUrgency.length; k++) {
      const more = byUrgency[k - 1]!;
      const less = byUrgency[k]!;
      if (more.priority !== less.priority && !worse(more.value, less.value))
        issue(
          ["thresholds", more.i, "value"],
          `${more.priority} is more urgent than ${less.priority}, so its value must be ${m.badDirection === "down" ? "below" : "above"} ${less.value}`,
        );
    }
  });
export type BusinessMetricConfig = z.infer<typeof businessMetricSchema>;

export const businessMetricsSchema = z
  .array(businessMetricSchema)
  .max(50, "expected at most 50 business metrics")
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((m, i) => {
      if (seen.has(m.name))
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate business metric "${m.name}"` });
      seen.add(m.name);
    });
  })
  .default([]);

/** Each business metric's owner must be a configured team (read leniently: other keys may not parse). */
export function businessMetricTeams(cfg: unknown, teams: Set<string>, ctx: z.RefinementCtx): void {
  const entries = (cfg as { businessMetrics?: unknown } | null)?.businessMetrics;
  if (!Array.isArray(entries) || teams.size === 0) return;
  entries.forEach((m, i) => {
    const team = (m as { team?: unknown } | null)?.team;
    if (typeof team === "string" && !teams.has(team))
      ctx.addIssue({
        code: "custom",
        path: ["businessMetrics", i, "team"],
        message: `unknown team "${team}" (expected one of: ${[...teams].join(", ")})`,
      });
  });
}
