import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { agree, cycle, recordsToBackfill } from "../../scripts/lib/bench-rules/analysis";
import { baselineRuleFile } from "../../scripts/lib/bench-rules/baseline";
import { benchConfig } from "../../scripts/lib/bench-rules/config";
import { flatBaselineRuleFile } from "../../scripts/lib/bench-rules/flat-baseline";
import { History } from "../../scripts/lib/bench-rules/history";
import { runTool, tempFiles } from "../helpers/tools";

// The pieces of `npm run bench:rules` that decide its numbers, without the 10-minute run.

const dir = mkdtempSync(join(tmpdir(), "bench-rules-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("synthetic history", () => {
  const start = 29_000_000; // epoch minutes
  const history = new History(["svc-a", "svc-b"]);
  const file = join(dir, "h.om");
  const samples = history.clone().write(file, start, start + 30);
  const lines = readFileSync(file, "utf8").trim().split("\n");

  it("has the contract's shape: 4 routes x 2 methods x 3 codes x 2 instances x (15 buckets + count + sum)", () => {
    const http = lines.filter(
      (l) => l.startsWith("http_server_request_duration_seconds") && l.endsWith(` ${start * 60}`),
    );
    expect(http).toHaveLength(2 * 4 * 2 * 3 * 2 * 17);
    expect(samples).toBe(history.seriesCount * 30);
  });

  it("counters never decrease and buckets are cumulative", () => {
    const bySeries = new Map<string, number[]>();
    for (const l of lines.slice(0, -1)) {
      const [series, value] = l.split(" ");
      bySeries.set(series!, [...(bySeries.get(series!) ?? []), Number(value)]);
    }
    for (const [series, values] of bySeries) {
      if (series.startsWith("process_resident_memory_bytes")) continue;
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    }
    const bucket = (le: string) =>
      bySeries.get(
        `http_server_request_duration_seconds_bucket{namespace="apps",job="svc-a",http_route="/api/r1",http_request_method="GET",http_response_status_code="200",instance="pod-0:9464",le="${le}"}`,
      )!;
    expect(bucket("0.25").at(-1)).toBeLessThanOrEqual(bucket("0.5").at(-1)!);
    expect(bucket("0.5").at(-1)).toBeLessThanOrEqual(bucket("+Inf").at(-1)!);
  });

  it("continues identically from a copy of its state, and promtool loads it", () => {
    const a = history.clone();
    a.write(join(dir, "a.om"), start, start + 5);
    const b = history.clone();
    b.write(join(dir, "b.om"), start, start + 5);
    expect(readFileSync(join(dir, "a.om"), "utf8")).toBe(readFileSync(join(dir, "b.om"), "utf8"));
    const r = runTool("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(dir, "blocks")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(String(history.seriesCount));
  });
});

describe("the frozen baselines", () => {
  it.each([
    ["flat", flatBaselineRuleFile],
    ["per-service", baselineRuleFile],
  ] as const)("%s: a rule file promtool accepts", (_name, form) => {
    const d = tempFiles({ "rules.yaml": toYaml(form(benchConfig(10))) });
    const r = runTool("promtool", ["check", "rules", join(d, "rules.yaml")]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("flat: the long windows read its 5m records (and the SLO targets the service info), which are backfilled", () => {
    const levels = recordsToBackfill(flatBaselineRuleFile(benchConfig(10)));
    expect(levels.map((l) => l.map((r) => r.record).sort())).toEqual([
      [
        "job:http_server_request_errors:rate5m",
        "job:http_server_request_slow:rate5m",
        "job:http_server_requests:rate5m",
        "job:service:info",
      ],
    ]);
  });
});

describe("records to backfill", () => {
  it("are the recordings other recordings read, in dependency order; quoted names do not count", () => {
    const levels = recordsToBackfill({
      groups: [
        {
          name: "g",
          rules: [
            { record: "job:a:rate5m", expr: "sum by (job) (rate(x[5m]))" },
            { record: "job:b:rate5m", expr: "sum by (job) (rate(y[5m]))" },
            { record: "job:a:rate1h", expr: "sum_over_time(job:a:rate5m[1h])" },
            { record: "job:a:rate3d", expr: "sum_over_time(job:a:rate1h[3d])" },
            { record: "job:c", expr: 'label_replace(vector(1), "x", "job:b:rate5m", "", "")' },
            { alert: "A", expr: "job:b:rate5m > 1" },
          ],
        },
      ],
    });
    expect(levels.map((l) => l.map((r) => r.record))).toEqual([["job:a:rate5m"], ["job:a:rate1h"]]);
  });

  it("are none for the per-service form, which reads raw series only", () => {
    const levels = recordsToBackfill({
      groups: [{ name: "g", rules: [{ record: "job:a:rate5m", expr: 'sum(rate(x{job="a"}[5m]))' }] }],
    });
    expect(levels).toEqual([]);
  });
});

describe("per-cycle figures", () => {
  it("sum every group's duration; busy counts overlapping evaluations once", () => {
    const metrics = [
      'prometheus_rule_group_last_duration_seconds{rule_group="a"} 2',
      'prometheus_rule_group_last_duration_seconds{rule_group="b"} 2',
      'prometheus_rule_group_last_duration_seconds{rule_group="c"} 1',
      'prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group="a"} 100',
      'prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group="b"} 101',
      'prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group="c"} 110',
    ].join("\n");
    expect(cycle(metrics)).toEqual({ sum: 5, busy: 4 });
  });
});

describe("agreement of the forms", () => {
  it("fails on a missing or differing value, ignores the rendered form's helper records", () => {
    const baseline = [
      new Map([
        ["r a", 1],
        ["r b", 2],
        ["q a", 5],
      ]),
    ];
    const rendered = [
      new Map([
        ["r a", 1.005],
        ["r b", 2.2],
        ["helper a", 7],
      ]),
    ];
    const a = agree(rendered, baseline, 0.02);
    expect(a.compared).toBe(2);
    expect(a.beyond).toBe(1);
    expect(a.worst.key).toBe("r b");
    expect(a.missing).toEqual(["q a"]);
    expect(a.extra).toBe(1);
  });
});
