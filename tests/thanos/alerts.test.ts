import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toYaml } from "../../infra/artifacts";
import type { RuleFile } from "../../infra/generators/metrics/rules";
import { PLATFORM_ALERTS, platformRuleFile } from "../../infra/generators/platform";
import { PROMETHEUS_JOB, THANOS_ALERTS } from "../../infra/generators/thanos/alerts";
import { THANOS_PARTS, type ThanosPart } from "../../infra/generators/thanos/names";
import { parsePromql, vectorSelectors } from "../grafana/promql";
import { rendered, STACKS } from "../helpers/render";
import { runToolAsync, tempFiles } from "../helpers/tools";
import { config, NS, OTHER_NS, POD, part, prometheus, thanosHealthy } from "./series";

/**
 * Thanos's own alerts as rendered in prometheus/platform-rules.yaml: every metric they read is one
 * Thanos v0.42.4 serves (its generated mixin alerts, committed under tests/data/thanos/), every
 * selector names the part's exact job in the metrics namespace, and `promtool test rules` shows
 * each fault firing with its labels within the stated time, and the look-alikes (the frontend
 * beside Query, another namespace's Thanos, a Prometheus still replaying) firing nothing.
 */

const UPSTREAM = readFileSync(join(__dirname, "../data/thanos/v0.42.4/mixin-alerts.yaml"), "utf8");
const UPSTREAM_NAMES = new Set(
  (parse(UPSTREAM) as RuleFile).groups.flatMap((g) => g.rules.flatMap((r) => parsePromql(r.expr).metrics)),
);

/** Names Thanos serves that its mixin does not read, each with where v0.42.4 defines it. */
const DEFINED_IN_SOURCE: Record<string, string> = {
  process_start_time_seconds:
    "client_golang's process collector, registered by cmd/thanos/main.go:88 (collectors.NewProcessCollector)",
};

const thanosRules = (file: string) =>
  (parse(file) as RuleFile).groups.filter((g) =>
    (Object.values(THANOS_PARTS) as string[]).some((p) => g.name === `platform.${p}.alerts`),
  );

const problem = (name: string) =>
  UPSTREAM_NAMES.has(name) || DEFINED_IN_SOURCE[name] ? undefined : "not served by Thanos v0.42.4";

describe("Thanos alert metric names", () => {
  const rules = thanosRules(
    rendered("dev").artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content,
  );
  const names = new Set(rules.flatMap((g) => g.rules.flatMap((r) => parsePromql(r.expr).metrics)));

  it("are all in Thanos v0.42.4's own alerts, or defined in its source", () => {
    expect(rules.flatMap((g) => g.rules).length).toBe(THANOS_ALERTS.length);
    expect(names.size).toBeGreaterThan(8);
    for (const name of names) expect(problem(name), name).toBeUndefined();
    // The upstream file is the mixin's, parsed: 48 alerts at v0.42.4, and the names our join needs.
    expect((parse(UPSTREAM) as RuleFile).groups.flatMap((g) => g.rules).length).toBe(48);
    expect(UPSTREAM_NAMES).toContain("prometheus_tsdb_data_replay_duration_seconds");
    for (const name of Object.keys(DEFINED_IN_SOURCE)) expect(UPSTREAM_NAMES).not.toContain(name);
  });

  it("fail for a name Thanos does not serve (so the check above can fail)", () => {
    expect(problem("thanos_compact_halted_total")).toMatch(/not served/);
    expect(problem("thanos_query_frontend_up")).toMatch(/not served/);
  });

  it("select each part by its exact job in the metrics namespace, Prometheus by its own", () => {
    const jobs = [...Object.values(THANOS_PARTS), PROMETHEUS_JOB] as string[];
    for (const spec of THANOS_ALERTS) {
      const sels = vectorSelectors(spec.expr(config));
      expect(sels.length, spec.alert).toBeGreaterThan(0);
      for (const s of sels) {
        const job = s.matchers.filter((m) => m.name === "job");
        const ns = s.matchers.filter((m) => m.name === "namespace");
        expect(
          job.map((m) => m.op),
          `${spec.alert}: ${s.name}`,
        ).toEqual(["="]);
        expect(jobs, spec.alert).toContain(job[0]!.value);
        expect(ns, `${spec.alert}: ${s.name}`).toEqual([{ name: "namespace", op: "=", value: NS }]);
      }
      // The part's own job is the one its component label names (Prometheus only in the join).
      const own = sels.map((s) => s.matchers.find((m) => m.name === "job")!.value);
      expect(
        own.filter((j) => j !== PROMETHEUS_JOB).every((j) => j === spec.component),
        spec.alert,
      ).toBe(true);
    }
  });

  it.each(STACKS)("follow the metrics namespace (%s)", (stack) => {
    const r = rendered(stack);
    for (const g of thanosRules(
      r.artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content,
    ))
      for (const rule of g.rules)
        expect(rule.expr, rule.alert).toContain(`namespace="${r.config.metrics.namespace}"`);
  });
});

// ---- promtool scenarios ------------------------------------------------------------------------

const MINUTES = 70;
const N = MINUTES * 2;
const FAULT = 10;
const F = FAULT * 2;
const at = (minutes: number) => `${minutes}m`;

/** An alert as promtool reports it: our labels, the series' labels, annotations filled in. */
function expected(alert: string, labels: Record<string, string>) {
  const spec = PLATFORM_ALERTS.find((a) => a.alert === alert)!;
  const rule = platformRuleFile(config)
    .groups.flatMap((g) => g.rules)
    .find((r) => r.alert === alert)!;
  const fill = (t: string) => {
    expect(t, `${alert} templates only labels`).not.toContain("$value");
    return t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? "");
  };
  return {
    exp_labels: {
      priority: spec.priority,
      team: config.metrics.ownerTeam,
      component: spec.component,
      ...labels,
    },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, fill(v)])),
  };
}

/** The labels an aggregated alert keeps. */
const of = (p: ThanosPart, more: Record<string, string> = {}) => ({
  namespace: NS,
  job: THANOS_PARTS[p],
  ...more,
});
/** Every label of a part's target series (a join keeps the left side's). */
const target = (p: ThanosPart, pod = POD[p]) => ({
  ...of(p),
  pod,
  container: p === "sidecar" ? "thanos-sidecar" : THANOS_PARTS[p],
  instance: `${pod}:10902`,
});

interface Scenario {
  name: string;
  alert: string;
  /** Minutes after the fault by which it fires: the spec's firesWithin. */
  within: number;
  labels: Record<string, string>[];
  change: (s: Record<string, string>) => void;
  /** Alerts that must stay quiet in this scenario at the end. */
  quiet?: string[];
}

const stop = (s: Record<string, string>, series: string, value = "1") => {
  s[series] = `${value}x${F} stale`;
};

const SCENARIOS: Scenario[] = [
  {
    name: "Query Frontend stops answering",
    alert: "ThanosQueryFrontendIsDown",
    within: 6,
    labels: [of("queryFrontend")],
    change: (s) => {
      s[part("queryFrontend", "up")] = `1x${F} 0x${N - F}`;
    },
    quiet: ["ThanosQueryIsDown"],
  },
  {
    // The frontend that is up and another namespace's Query that is up hide nothing.
    name: "Query is gone while the frontend and another namespace's Query answer",
    alert: "ThanosQueryIsDown",
    within: 6,
    labels: [of("query")],
    change: (s) => {
      stop(s, part("query", "up"));
      s[part("query", "up", {}, { namespace: OTHER_NS })] = `1x${N}`;
    },
    quiet: ["ThanosQueryFrontendIsDown"],
  },
  {
    name: "the frontend cannot reach Query: its answers turn 502",
    alert: "ThanosQueryFrontendErrorRateHigh",
    within: 7,
    labels: [of("queryFrontend")],
    change: (s) => {
      s[
        part("queryFrontend", "http_requests_total", {
          handler: "query-frontend",
          code: "502",
          method: "get",
        })
      ] = `0x${F} 0+100x${N - F}`;
    },
  },
  {
    name: "Query fails half of its instant queries",
    alert: "ThanosQueryHttpRequestQueryErrorRateHigh",
    within: 7,
    labels: [of("query")],
    change: (s) => {
      s[part("query", "http_requests_total", { handler: "query", code: "500", method: "get" })] =
        `0x${F} 0+40x${N - F}`;
    },
    quiet: ["ThanosQueryHttpRequestQueryRangeErrorRateHigh"],
  },
  {
    name: "Query fails half of its range queries",
    alert: "ThanosQueryHttpRequestQueryRangeErrorRateHigh",
    within: 7,
    labels: [of("query")],
    change: (s) => {
      s[part("query", "http_requests_total", { handler: "query_range", code: "500", method: "get" })] =
        `0x${F} 0+60x${N - F}`;
    },
    quiet: ["ThanosQueryHttpRequestQueryErrorRateHigh"],
  },
  {
    name: "the Store Gateway is unreachable from Query",
    alert: "ThanosQueryGrpcClientErrorRate",
    within: 17,
    labels: [of("query")],
    change: (s) => {
      // A third of the calls fail on top of the usual ones.
      s[part("query", "grpc_client_handled_total", { grpc_method: "Series", grpc_code: "Unavailable" })] =
        `0x${F} 0+100x${N - F}`;
      s[part("query", "grpc_client_started_total", { grpc_method: "Series" })] =
        `0+200x${F} ${200 * F}+300x${N - F}`;
    },
  },
  {
    name: "the Store Gateway stops answering",
    alert: "ThanosStoreIsDown",
    within: 6,
    labels: [of("storeGateway")],
    change: (s) => {
      s[part("storeGateway", "up")] = `1x${F} 0x${N - F}`;
    },
  },
  {
    name: "the bucket answers the Store Gateway slowly",
    alert: "ThanosStoreObjstoreOperationLatencyHigh",
    within: 12,
    labels: [of("storeGateway")],
    change: (s) => {
      // From the fault on, 10 of each 100 operations take 3 to 6 seconds.
      const b = (le: string) =>
        part("storeGateway", "thanos_objstore_bucket_operation_duration_seconds_bucket", {
          operation: "get_range",
          bucket: "acme-obs-dev-metrics",
          le,
        });
      s[b("0.1")] = `0+90x${F} ${90 * F}+50x${N - F}`;
      s[b("1")] = `0+100x${F} ${100 * F}+80x${N - F}`;
      s[b("3")] = `0+100x${F} ${100 * F}+90x${N - F}`;
    },
  },
  {
    name: "no sidecar answers",
    alert: "ThanosSidecarIsDown",
    within: 6,
    labels: [of("sidecar")],
    change: (s) => {
      s[part("sidecar", "up")] = `1x${F} 0x${N - F}`;
    },
  },
  {
    // Pod 0's Prometheus has replayed its WAL; pod 1's is still replaying (0), which is expected.
    name: "sidecars lose their Prometheus",
    alert: "ThanosSidecarNoConnectionToStartedPrometheus",
    within: 6,
    labels: [target("sidecar")],
    change: (s) => {
      const pod1 = "prometheus-kps-prometheus-1";
      s[part("sidecar", "thanos_sidecar_prometheus_up")] = `1x${F} 0x${N - F}`;
      s[part("sidecar", "thanos_sidecar_prometheus_up", {}, { pod: pod1 })] = `1x${F} 0x${N - F}`;
      s[prometheus("prometheus_tsdb_data_replay_duration_seconds", pod1)] = `0x${N}`;
    },
  },
  {
    name: "a sidecar's uploads are denied",
    alert: "ThanosSidecarBucketOperationsFailed",
    within: 16,
    labels: [{ ...of("sidecar"), pod: POD.sidecar }],
    change: (s) => {
      s[part("sidecar", "thanos_objstore_bucket_operation_failures_total", { operation: "upload" })] =
        `0x${F} 0+1x${N - F}`;
    },
  },
  {
    name: "a second Compactor runs",
    alert: "ThanosCompactMultipleRunning",
    within: 6,
    labels: [of("compactor")],
    change: (s) => {
      s[part("compactor", "up", {}, { pod: "thanos-compact-1" })] = `_x${F} 1x${N - F}`;
    },
  },
  {
    name: "the Compactor halts",
    alert: "ThanosCompactHalted",
    within: 6,
    labels: [of("compactor")],
    change: (s) => {
      s[part("compactor", "thanos_compact_halted")] = `0x${F} 1x${N - F}`;
    },
    quiet: ["ThanosCompactIsDown"],
  },
  {
    name: "the Compactor is gone",
    alert: "ThanosCompactIsDown",
    within: 16,
    labels: [of("compactor")],
    change: (s) => stop(s, part("compactor", "up")),
  },
];

/** A day and more, at 10-minute samples: when the Compactor has not uploaded for 24 hours. */
const DAY_STEPS = 6 * 32;
const hasNotRun = (name: string, values: Record<string, string>, firing: boolean, atMinutes: number) => ({
  name,
  interval: "10m",
  input_series: Object.entries({
    [part("compactor", "up")]: `1x${DAY_STEPS}`,
    [part("compactor", "thanos_compact_halted")]: `0x${DAY_STEPS}`,
    ...values,
  }).map(([series, v]) => ({ series, values: v })),
  alert_rule_test: [
    {
      eval_time: at(atMinutes),
      alertname: "ThanosCompactHasNotRun",
      exp_alerts: firing ? [expected("ThanosCompactHasNotRun", of("compactor"))] : [],
    },
  ],
});
const upload = part("compactor", "thanos_objstore_bucket_last_successful_upload_time");
const started = part("compactor", "process_start_time_seconds");
const HOURS = 60;

/** Test groups by evaluation interval: minutes at the deployed one, the day-long ones every 10 minutes. */
function promtoolTests() {
  const quietAll = (minutes: number) =>
    THANOS_ALERTS.map((a) => ({ eval_time: at(minutes), alertname: a.alert, exp_alerts: [] }));
  const series = (values: Record<string, string>) =>
    Object.entries(values).map(([s, v]) => ({ series: s, values: v }));
  const minutes = [
    {
      name: "healthy, beside another namespace's broken Thanos",
      interval: "30s",
      input_series: series(thanosHealthy(N)),
      alert_rule_test: [...quietAll(FAULT), ...quietAll(30), ...quietAll(MINUTES - 1)],
    },
    ...SCENARIOS.map((s) => {
      const values = thanosHealthy(N);
      s.change(values);
      return {
        name: s.name,
        interval: "30s",
        input_series: series(values),
        alert_rule_test: [
          // Not before its `for` has run (every scenario's `for` is at least 5 minutes).
          { eval_time: at(FAULT + 3), alertname: s.alert, exp_alerts: [] },
          {
            eval_time: at(FAULT + s.within),
            alertname: s.alert,
            exp_alerts: s.labels.map((l) => expected(s.alert, l)),
          },
          ...(s.quiet ?? []).map((q) => ({ eval_time: at(MINUTES - 1), alertname: q, exp_alerts: [] })),
        ],
      };
    }),
  ];
  const days = [
    // Started at 0, last upload at 2 h: fires once 24 hours have passed since, not before.
    hasNotRun(
      "the Compactor stops uploading: 24 hours after its last upload",
      {
        [upload]: `0x12 7200x${DAY_STEPS - 12}`,
        [started]: `0x${DAY_STEPS}`,
      },
      true,
      26 * HOURS + 10,
    ),
    hasNotRun(
      "the Compactor stops uploading: quiet 23 hours 50 minutes after",
      {
        [upload]: `0x12 7200x${DAY_STEPS - 12}`,
        [started]: `0x${DAY_STEPS}`,
      },
      false,
      25 * HOURS + 50,
    ),
    // Restarted at 20 h, 18 hours after its last upload: a day's grace from its start.
    hasNotRun(
      "a Compactor restarted 10 hours ago",
      {
        [upload]: `0x12 7200x108 0x${DAY_STEPS - 120}`,
        [started]: `0x120 72000x${DAY_STEPS - 120}`,
      },
      false,
      30 * HOURS,
    ),
    // A new stack: its Compactor has had nothing to compact yet.
    hasNotRun(
      "a Compactor younger than a day",
      {
        [upload]: `0x${DAY_STEPS}`,
        [started]: `72000x${DAY_STEPS}`,
      },
      false,
      30 * HOURS,
    ),
    // Uploading every 8 hours.
    hasNotRun(
      "a Compactor that uploads every 8 hours",
      {
        [upload]: `0x48 28800x48 57600x48 86400x${DAY_STEPS - 144}`,
        [started]: `0x${DAY_STEPS}`,
      },
      false,
      31 * HOURS,
    ),
  ];
  return { minutes, days };
}

describe("Thanos alert scenarios (promtool, dev)", () => {
  it("covers every Thanos alert", () => {
    const covered = new Set([...SCENARIOS.map((s) => s.alert), "ThanosCompactHasNotRun"]);
    expect([...covered].sort()).toEqual(THANOS_ALERTS.map((a) => a.alert).sort());
  });

  it("fire with their labels within the stated time, and nothing while healthy or for look-alikes", async () => {
    const rules = rendered("dev").artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content;
    const ruleFiles = [join(tempFiles({ "rules.yaml": rules }), "rules.yaml")];
    const { minutes, days } = promtoolTests();
    const dir = tempFiles({
      // The deployed evaluation interval (metrics.prometheus.evaluationInterval).
      "minutes.yaml": toYaml({
        rule_files: ruleFiles,
        evaluation_interval: config.metrics.prometheus.evaluationInterval,
        tests: minutes,
      }),
      "days.yaml": toYaml({ rule_files: ruleFiles, evaluation_interval: "10m", tests: days }),
    });
    // One promtool run for both files.
    const r = await runToolAsync("promtool", [
      "test",
      "rules",
      join(dir, "minutes.yaml"),
      join(dir, "days.yaml"),
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The stated times are the ones the scenarios show (and docs/alerts.md lists).
    for (const s of SCENARIOS)
      expect(THANOS_ALERTS.find((a) => a.alert === s.alert)!.firesWithin, s.alert).toMatch(
        new RegExp(`^${s.within}m( |$)`),
      );
    expect(THANOS_ALERTS.find((a) => a.alert === "ThanosCompactHasNotRun")!.firesWithin).toBe("24h");
  }, 120_000);

  it("fail when an expectation is wrong (the checks are not vacuous)", async () => {
    const rules = rendered("dev").artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content;
    // The frontend answering while Query is gone, expecting no alert: the mixin's regex would pass.
    const values = thanosHealthy(N);
    stop(values, part("query", "up"));
    const test = {
      rule_files: [join(tempFiles({ "rules.yaml": rules }), "rules.yaml")],
      evaluation_interval: config.metrics.prometheus.evaluationInterval,
      tests: [
        {
          interval: "30s",
          input_series: Object.entries(values).map(([series, v]) => ({ series, values: v })),
          alert_rule_test: [{ eval_time: at(FAULT + 6), alertname: "ThanosQueryIsDown", exp_alerts: [] }],
        },
      ],
    };
    const dir = tempFiles({ "t.yaml": toYaml(test) });
    const r = await runToolAsync("promtool", ["test", "rules", join(dir, "t.yaml")]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("FAILED");
  });
});
