import type { PromRule, RuleFile } from "../../../infra/generators/metrics";
import { seriesOf } from "./prometheus";

/** The pure parts of `npm run bench:rules`: which records to backfill, per-cycle figures, agreement. */

/** Record names a PromQL expression reads (names with a colon), string literals left out. */
export function recordsRead(expr: string, records: Set<string>): string[] {
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...new Set(bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])].filter((n) => records.has(n));
}

/**
 * The recording rules whose output other recording rules read (over a range, typically: long
 * windows as sums of short recorded windows), in dependency levels. A fresh Prometheus has no
 * history of them, which would make such a form look cheaper than it is in production.
 */
export function recordsToBackfill(file: RuleFile): PromRule[][] {
  const recording = file.groups.flatMap((g) => g.rules).filter((r) => r.record);
  const names = new Set(recording.map((r) => r.record!));
  const read = new Set(recording.flatMap((r) => recordsRead(r.expr, names)));
  const byName = new Map<string, PromRule[]>();
  for (const r of recording) byName.set(r.record!, [...(byName.get(r.record!) ?? []), r]);
  const level = new Map<string, number>();
  const levelOf = (name: string, seen: string[] = []): number => {
    if (level.has(name)) return level.get(name)!;
    if (seen.includes(name))
      throw new Error(`recording rules read each other in a cycle: ${seen.join(" → ")}`);
    const deps = (byName.get(name) ?? []).flatMap((r) => recordsRead(r.expr, names));
    const l = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => levelOf(d, [...seen, name])));
    level.set(name, l);
    return l;
  };
  const levels: PromRule[][] = [];
  for (const r of recording.filter((r) => read.has(r.record!))) {
    const l = levelOf(r.record!);
    levels[l] = [
      ...(levels[l] ?? []),
      { record: r.record!, expr: r.expr, ...(r.labels ? { labels: r.labels } : {}) },
    ];
  }
  return levels.filter((l) => l !== undefined);
}

/**
 * The latest cycle of every group: the sum of their durations, and the wall time during which at
 * least one group was evaluating (groups run concurrently, so waiting for a core counts in each).
 */
export function cycle(metrics: string): { sum: number; busy: number } {
  const durations = seriesOf(metrics, "prometheus_rule_group_last_duration_seconds");
  const starts = seriesOf(metrics, "prometheus_rule_group_last_evaluation_timestamp_seconds");
  const spans = [...durations].map(([group, d]) => [starts.get(group) ?? 0, d] as const);
  spans.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  let busy = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [start, d] of spans) {
    sum += d;
    busy += Math.max(0, start + d - Math.max(start, end));
    end = Math.max(end, start + d);
  }
  return { sum, busy };
}

/** The median: one cycle slowed by another process on the machine does not move it. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface Agreement {
  compared: number;
  /** Values the baseline records that the rendered form does not: a failure. */
  missing: string[];
  /** Values only the rendered form records (its helper series): not compared. */
  extra: number;
  worst: { key: string; rendered: number; baseline: number; diff: number };
  beyond: number;
  /** The first few values beyond tolerance, to say which. */
  beyondExamples: string[];
}

/** Relative difference, with an absolute floor so that two near-zero values agree. */
const relDiff = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-9);

export function agree(
  rendered: Map<string, number>[],
  baseline: Map<string, number>[],
  tolerance: number | ((key: string) => number),
): Agreement {
  const limit = typeof tolerance === "number" ? () => tolerance : tolerance;
  const result: Agreement = {
    compared: 0,
    missing: [],
    extra: 0,
    worst: { key: "", rendered: 0, baseline: 0, diff: 0 },
    beyond: 0,
    beyondExamples: [],
  };
  rendered.forEach((f, i) => {
    const b = baseline[i]!;
    for (const key of new Set([...f.keys(), ...b.keys()])) {
      const x = f.get(key);
      const y = b.get(key);
      if (y === undefined) {
        result.extra++;
        continue;
      }
      if (x === undefined) {
        result.missing.push(key);
        continue;
      }
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      result.compared++;
      const d = Number.isNaN(x) || Number.isNaN(y) ? Number.POSITIVE_INFINITY : relDiff(x, y);
      if (d > limit(key)) {
        result.beyond++;
        if (result.beyondExamples.length < 3)
          result.beyondExamples.push(`${key}: ${x} vs ${y} (${(d * 100).toFixed(1)}%)`);
      }
      if (d > result.worst.diff) result.worst = { key, rendered: x, baseline: y, diff: d };
    }
  });
  return result;
}
