import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { ruleFile } from "../../infra/generators/metrics";
import { resolveMetrics } from "../../infra/generators/metrics/settings";
import { Prometheus, type Sample, sleep } from "../../scripts/lib/bench-rules/prometheus";
import { stackConfig } from "../../scripts/lib/stack-config";

/**
 * RuleEvaluationFailures on a real Prometheus 3.5 (`prometheus` from PATH, the deployed
 * generation): the dev stack's rules beside a rule file with a many-to-many join, Prometheus
 * scraping itself every second as kube-prometheus-stack's ServiceMonitor does. The rule files are
 * named as the operator names them (`<namespace>-<PrometheusRule>-<uid>.yaml`): a broken group in
 * the metrics namespace, and another team's broken group elsewhere. The counter the alert reads
 * must exist under that name and label, count the broken groups' failures and none of ours, and the
 * alert must select our broken group only (pending: its `for` is 15m).
 */

const BROKEN = {
  groups: [
    {
      name: "broken",
      rules: [
        {
          record: "broken:many_to_many",
          // Two series with the same (empty) match group on the "one" side of the join.
          expr: 'vector(1) * on () group_left () (label_replace(vector(1), "x", "1", "", "") or label_replace(vector(1), "x", "2", "", ""))',
        },
      ],
    },
  ],
};

const NS = resolveMetrics(stackConfig("dev")).namespace;
const OURS = `${NS}-observability-rules-0a1b.yaml`;
const BROKEN_OURS = `${NS}-extra-rules-2c3d.yaml`;
const BROKEN_THEIRS = "marketing-campaign-rules-4e5f.yaml";

let work: string;
let prom: Prometheus | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "rule-failures-"));
  mkdirSync(join(work, "data"));
  writeFileSync(join(work, OURS), toYaml(ruleFile(stackConfig("dev"))));
  writeFileSync(join(work, BROKEN_OURS), toYaml(BROKEN));
  writeFileSync(join(work, BROKEN_THEIRS), toYaml(BROKEN));
  const files = [OURS, BROKEN_OURS, BROKEN_THEIRS].map((f) => join(work, f));
  prom = await Prometheus.start(join(work, "data"), files, {
    evaluationInterval: "1s",
    scrapeInterval: "1s",
    scrapeConfigs: (port) => [
      {
        job_name: "kps-prometheus",
        static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { namespace: "monitoring" } }],
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Polls until `query` returns a sample, or 60 seconds pass. */
async function eventually(query: string): Promise<Sample[]> {
  const deadline = Date.now() + 60_000;
  let samples: Sample[] = [];
  while (Date.now() < deadline) {
    samples = await prom!.query(query);
    if (samples.length > 0) break;
    await sleep(500);
  }
  return samples;
}

describe("RuleEvaluationFailures on Prometheus 3.5", () => {
  it("finds the metrics namespace's group whose join fails, not another team's, and none of the stack's own", async () => {
    const pending = await eventually('ALERTS{alertname="RuleEvaluationFailures"}');
    expect(
      pending.map((s) => ({ ...s.metric })),
      prom!.recentLog(),
    ).toEqual([
      {
        __name__: "ALERTS",
        alertname: "RuleEvaluationFailures",
        alertstate: "pending",
        priority: "P1",
        component: "prometheus",
        rule_group: `${join(work, BROKEN_OURS)};broken`,
        team: resolveMetrics(stackConfig("dev")).ownerTeam,
      },
    ]);
    // Every group has the counter from its first evaluation; only the broken one counts failures.
    const counters = await prom!.query('prometheus_rule_evaluation_failures_total{job="kps-prometheus"}');
    const ours = ruleFile(stackConfig("dev")).groups.map((g) => `${join(work, OURS)};${g.name}`);
    const broken = [BROKEN_OURS, BROKEN_THEIRS].map((f) => `${join(work, f)};broken`);
    expect(counters.map((s) => s.metric.rule_group).sort()).toEqual([...ours, ...broken].sort());
    for (const s of counters)
      if (s.metric.rule_group!.endsWith(";broken")) expect(Number(s.value[1])).toBeGreaterThan(0);
      else expect(Number(s.value[1]), s.metric.rule_group).toBe(0);
  });
});
