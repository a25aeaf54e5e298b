import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { DEPENDENCY_PROBE, RESOURCE_RECORD } from "../../infra/catalog/recording-rules";
import { renderDashboards } from "../../infra/generators/grafana";
import { ruleFile } from "../../infra/generators/metrics";
import { inputSeries, type Scenario, type Snapshot } from "../../scripts/lib/scenarios";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runToolAsync, tempFiles } from "../helpers/tools";
import { substituteVariables } from "./promql";

/**
 * Issue 22 on the dashboards, evaluated by Prometheus' engine (`promtool test rules`) with the dev
 * stack's rules: each Prometheus query of every dashboard (panels and annotations) must give the
 * same result whether or not another namespace has Services named like ours. The other world adds,
 * in namespace `marketing`, a twin of each of our services with the same `job` and very different
 * traffic (100x the requests, half of them failing and slow, a cold cache, 16x the memory), a
 * rollout of each, another team's alert on them labelled like ours (priority, team, service), and
 * another team's dependency probe labelled like ours but in its own namespace.
 * promtool prints what each query returned when it does not match an (empty) expectation: the two
 * worlds' printouts are compared.
 */

const config = stackConfig("dev");
/**
 * Records that exist only after hours of history (a leak's rising floor over 6 hours): empty in
 * these 12 minutes, in both worlds alike; tests/resources/ has their data.
 */
const HOURS_OF_HISTORY = [RESOURCE_RECORD.exhaustionHours];
const EVAL = "10m";
const MINUTES = 12;

const OURS: Snapshot = {
  rps: 20,
  // 5% errors: the availability fast burn fires, so the alert panels have something to show.
  errorRatio: 0.05,
  latency: [0.3, 0.6, 0.9, 0.97, 0.99, 1, 1, 1],
  db: [0.4, 0.7, 0.95, 0.99, 0.999, 1, 1, 1],
  cacheHitRatio: 0.9,
  jobs: [0.2, 0.7, 0.99, 1, 1, 1, 1, 1],
  memoryBytes: 512 * 2 ** 20,
  calls: { rps: 10, failedRatio: 0.02, latency: [0.3, 0.6, 0.9, 0.97, 0.99, 1, 1, 1] },
};
const TWIN: Snapshot = {
  rps: 2000,
  errorRatio: 0.5,
  latency: [0, 0, 0.1, 0.2, 0.3, 0.5, 0.9, 1],
  db: [0, 0, 0.1, 0.2, 0.5, 0.7, 0.9, 1],
  cacheHitRatio: 0.2,
  jobs: [0, 0, 0.1, 0.3, 0.5, 0.7, 0.9, 1],
  memoryBytes: 8 * 2 ** 30,
  calls: { rps: 1000, failedRatio: 0.5, latency: [0, 0, 0.1, 0.2, 0.3, 0.5, 0.9, 1] },
};

const world = (twin: boolean): Scenario => ({
  name: twin ? "beside same-named services" : "alone",
  description: "",
  interval: 1,
  onsetMinute: 0,
  durationMinutes: MINUTES,
  at: () => OURS,
  expect: [],
  ...(twin ? { twin: { namespace: "marketing", at: () => TWIN } } : {}),
});

/** A ReplicaSet of each Deployment from the start, and a new one at minute 8: a rollout at 10m. */
const rollouts = (namespace: string) =>
  config.services.flatMap((s) => {
    const rs = (n: number) =>
      `kube_replicaset_owner{namespace="${namespace}",owner_kind="Deployment",owner_name="${s.name}",owner_is_controller="true",replicaset="${s.name}-${n}"}`;
    return [
      { series: rs(1), values: `1x${MINUTES}` },
      { series: rs(2), values: `${"_ ".repeat(8)}1x${MINUTES - 8}` },
    ];
  });

/**
 * The dependency prober's results for every declared dependency of ours, labelled as our Probes
 * label them, the first one failing; beside the same-named services, another team's probe of the
 * same job name in its namespace, for a service of its own called like ours, failing.
 */
const probes = (twin: boolean) => [
  ...config.services.flatMap((s) =>
    s.dependencies.map((d, i) => ({
      series: `probe_success{job="${DEPENDENCY_PROBE.job}",namespace="${config.metrics.namespace}",instance="${d.url ?? d.tcp}",service="${s.name}",service_namespace="${s.namespace}",priority="${d.priority}"}`,
      values: `${i === 0 ? 0 : 1}x${MINUTES}`,
    })),
  ),
  ...(twin
    ? config.services.map((s) => ({
        series: `probe_success{job="${DEPENDENCY_PROBE.job}",namespace="marketing",instance="db.marketing.svc:5432",service="${s.name}",service_namespace="marketing",priority="P1"}`,
        values: `0x${MINUTES}`,
      }))
    : []),
];

/** Another team's rules in the same Prometheus, labelled the way ours are. */
const OTHER_TEAM_RULES = {
  groups: [
    {
      name: "marketing.alerts",
      rules: [
        {
          alert: "MarketingServiceErrors",
          expr: 'label_replace(sum by (namespace, job) (rate(http_server_request_duration_seconds_count{namespace="marketing",http_response_status_code="500"}[5m])), "service", "$1", "job", "(.*)") > 0',
          labels: { priority: "P1", team: config.services[0]!.team },
          annotations: { summary: "marketing's {{ $labels.job }} fails" },
        },
      ],
    },
  ],
};

interface Query {
  where: string;
  expr: string;
  /** With All services selected: every query has data then. */
  all?: boolean;
}

/** Every Prometheus query of every dashboard, with All services selected and with two of them. */
function queries(): Query[] {
  const out: Query[] = [];
  for (const d of renderDashboards(config)) {
    // The platform's own dashboard reads the pipeline's exporters, no service; its selectors name
    // their namespace (dashboards.test.ts) and its series are checked in tests/platform/.
    if (((d.model as { tags?: string[] }).tags ?? []).includes("platform")) continue;
    // The Business dashboard's panels read the business records, which belong to no service (the
    // stack's own expressions, tested in tests/business/); its rollout annotations are checked here.
    const business = d.uid === "obs-business";
    const model = d.model as {
      panels: { title: string; targets?: { expr?: string; datasource?: { type?: string } }[] }[];
      annotations?: { list: { name: string; expr?: string; datasource?: { type?: string } }[] };
    };
    const targets = [
      ...(business ? [] : model.panels).flatMap((p) =>
        (p.targets ?? []).map((t) => ({ where: `${d.uid} / ${p.title}`, t })),
      ),
      ...(model.annotations?.list ?? []).map((a) => ({ where: `${d.uid} / annotation ${a.name}`, t: a })),
    ];
    for (const { where, t } of targets) {
      if (t.datasource?.type !== "prometheus" || !t.expr) continue;
      for (const [selection, service] of [
        ["All", ".*"],
        ["api, worker", "(api|worker)"],
      ] as const)
        out.push({
          where: `${where} (${selection})`,
          expr: substituteVariables(t.expr, { service, team: ".*" }),
          all: selection === "All",
        });
    }
  }
  return out;
}

type Result = Map<string, number>;

/** promtool's printout of what each query returned (a query that returned nothing is not printed). */
function parseGot(output: string, qs: Query[]): Map<string, Result> {
  const results = new Map<string, Result>(qs.map((q) => [q.expr, new Map()]));
  const failures = output.matchAll(/expr: ("(?:[^"\\]|\\.)*"), time: \S+\n\s+exp: .*\n\s+got: (.*)/g);
  for (const [, quoted, got] of failures) {
    const expr = JSON.parse(quoted!) as string;
    const result = results.get(expr);
    if (!result) throw new Error(`promtool printed a query the test did not ask: ${expr}`);
    for (const [, labels, value] of got!.matchAll(/(\{[^}]*\}) (\S+?)(?:,|$)/g))
      result.set(labels!, value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value));
  }
  return results;
}

async function evaluate(twin: boolean, qs: Query[]): Promise<Map<string, Result>> {
  // Each service's contract series and `up`, and its twin's.
  const series = config.services.flatMap((s) => inputSeries(world(twin), s, []));
  const dir = tempFiles({
    "rules.yaml": toYaml(ruleFile(config)),
    "other-team.yaml": toYaml(OTHER_TEAM_RULES),
  });
  const test = {
    rule_files: [join(dir, "rules.yaml"), join(dir, "other-team.yaml")],
    evaluation_interval: "1m",
    group_eval_order: [...ruleFile(config).groups.map((g) => g.name), "marketing.alerts"],
    tests: [
      {
        interval: "1m",
        input_series: [
          ...series,
          ...probes(twin),
          ...rollouts("apps"),
          ...(twin ? rollouts("marketing") : []),
        ],
        // Deliberately unmatched: promtool prints what each query returned.
        promql_expr_test: qs.map((q) => ({ expr: q.expr, eval_time: EVAL, exp_samples: [] })),
      },
    ],
  };
  const t = tempFiles({ "t.yaml": toYaml(test) });
  const r = await runToolAsync("promtool", ["test", "rules", join(t, "t.yaml")]);
  const out = r.stdout + r.stderr;
  if (!out.includes("got:")) throw new Error(`promtool printed no result:\n${out}`);
  return parseGot(out, qs);
}

const same = (a: number, b: number) =>
  Object.is(a, b) ||
  (Number.isNaN(a) && Number.isNaN(b)) ||
  Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

describe("dashboards beside Services of the same name in another namespace (promtool)", () => {
  const qs = queries();
  let alone: Map<string, Result>;
  let shared: Map<string, Result>;

  beforeAll(async () => {
    [alone, shared] = await Promise.all([evaluate(false, qs), evaluate(true, qs)]);
  }, 120_000);

  it("evaluates every query to something when our services are alone", () => {
    expect(qs.length).toBeGreaterThan(60);
    const empty = qs
      .filter((q) => q.all && !HOURS_OF_HISTORY.some((r) => q.expr.includes(r)))
      .filter((q) => alone.get(q.expr)!.size === 0)
      .map((q) => q.where);
    expect(empty).toEqual([]);
  });

  it("shows exactly the same series and values with the twins next door", () => {
    const differences: string[] = [];
    for (const q of qs) {
      const [a, b] = [alone.get(q.expr)!, shared.get(q.expr)!];
      for (const [labels, v] of b)
        if (!a.has(labels)) differences.push(`${q.where}: extra ${labels} ${v}`);
        else if (!same(a.get(labels)!, v)) differences.push(`${q.where}: ${labels} ${a.get(labels)} -> ${v}`);
      for (const labels of a.keys()) if (!b.has(labels)) differences.push(`${q.where}: lost ${labels}`);
    }
    expect(differences).toEqual([]);
  });

  it("has twins that do change what a query by job alone shows (the comparison is not vacuous)", () => {
    const byJob = 'sum by (job) (job:http_server_requests:rate5m{job=~"api"})';
    const alertsByJob = 'count(ALERTS{alertstate="firing", job=~".*"})';
    const extra = [
      { where: "by job", expr: byJob },
      { where: "alerts by job", expr: alertsByJob },
    ];
    return Promise.all([evaluate(false, extra), evaluate(true, extra)]).then(([a, b]) => {
      for (const { expr } of extra) {
        const [x] = [...a.get(expr)!.values()];
        const [y] = [...b.get(expr)!.values()];
        expect(x, expr).toBeGreaterThan(0);
        expect(y, expr).toBeGreaterThan(x!);
      }
    });
  }, 120_000);
});
