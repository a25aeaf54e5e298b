import { opsgenieOverrides } from "../helpers/config";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { SLACK_POST_MESSAGE } from "../../infra/generators/alerting/channels";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PRIORITIES } from "../../infra/catalog/alert-levels";
import { contractMetrics, seriesNames } from "../../infra/catalog/metric-contract";
import { leRegex, QUERY_TEMPLATES, RECORDING_RULES, SLO_WINDOWS } from "../../infra/catalog/recording-rules";
import { alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { BUSINESS_ALERT_NAME } from "../../infra/generators/metrics/business";
import { toYaml } from "../../infra/artifacts";
import type { StackConfig } from "../../infra/config";
import {
  ALERTS,
  alertsFor,
  BURN_PAIRS,
  burnRate,
  metricsConcern,
  ruleFile,
} from "../../infra/generators/metrics";
import { COMPONENT_ALERTS } from "../../infra/generators/platform";
import { joinedLabels } from "../../policy/alerts";
import { runTool, runToolAsync, tempFiles } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";

/**
 * `promtool test rules` on these test groups against a stack's rules (or `rulesYaml`, the rendered
 * file), evaluated every minute in the rule file's group order (promtool otherwise evaluates groups
 * in random order, and an alert may read last minute's recording): every group must pass.
 */
async function expectRuleTestsPass(
  config: StackConfig,
  tests: unknown[],
  rulesYaml = toYaml(ruleFile(config)),
) {
  const test = {
    rule_files: [join(tempFiles({ "rules.yaml": rulesYaml }), "rules.yaml")],
    evaluation_interval: "1m",
    group_eval_order: ruleFile(config).groups.map((g) => g.name),
    tests,
  };
  const dir = tempFiles({ "t.yaml": toYaml(test) });
  const r = await runToolAsync("promtool", ["test", "rules", join(dir, "t.yaml")]);
  expect(r.stdout + r.stderr).toContain("SUCCESS");
  expect(r.status, r.stdout + r.stderr).toBe(0);
}

const REPO = join(__dirname, "..", "..");
const STACKS = ["dev", "prod"] as const;

/** Lezer marks syntax errors with error nodes (id 0) instead of throwing. */
function promqlErrors(expr: string): number {
  let errors = 0;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors++;
    },
  });
  return errors;
}

describe.each(STACKS)("rendered rules and Alertmanager config (%s)", (stack) => {
  const config = stackConfig(stack);
  const files = Object.fromEntries(metricsConcern.artifacts(config as never).map((a) => [a.path, a.content]));

  it("renders prometheus/rules.yaml that promtool accepts", () => {
    const dir = tempFiles({ "rules.yaml": files["prometheus/rules.yaml"]! });
    const r = runTool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(r.stderr + r.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("renders alertmanager/alertmanager.yaml that amtool accepts as rendered", () => {
    const dir = tempFiles({ "alertmanager.yaml": files["alertmanager/alertmanager.yaml"]! });
    const r = runTool("amtool", ["check-config", join(dir, "alertmanager.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("gives every alert priority, team, summary, description and an existing runbook", () => {
    const rules = parse(files["prometheus/rules.yaml"]!) as ReturnType<typeof ruleFile>;
    const alerts = rules.groups.flatMap((g) => g.rules.filter((r) => r.alert));
    // One rule per alert kind, whatever the number of services; the platform's components' too.
    // Plus one per threshold of a business metric (businessMetrics), never per service.
    const business = config.businessMetrics.flatMap((m) =>
      m.thresholds.map(() => BUSINESS_ALERT_NAME[m.badDirection]),
    );
    expect(business.length).toBeGreaterThan(0);
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [...[...ALERTS, ...COMPONENT_ALERTS].map((a) => a.alert), ...business].sort(),
    );
    const teams = config.teams.map((t) => t.name);
    for (const a of alerts) {
      expect(PRIORITIES, a.alert).toContain(a.labels?.priority);
      // A platform component's alert names it where a service's alert has `service`.
      const platform = COMPONENT_ALERTS.find((p) => p.alert === a.alert);
      if (platform)
        expect(a.labels, a.alert).toMatchObject({
          component: platform.component,
          team: config.metrics.ownerTeam,
        });
      // Per-service alerts take team and service from the join on job:service:info.
      if (a.labels?.team === undefined)
        expect(joinedLabels(a.expr), a.alert).toEqual(new Set(["service", "team"]));
      else expect(teams, a.alert).toContain(a.labels.team);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      const url = a.annotations?.runbook_url ?? "";
      expect(url.startsWith(`${config.metrics.runbookBaseUrl}/`), url).toBe(true);
      const file = join(REPO, "runbooks", url.slice(config.metrics.runbookBaseUrl.length + 1));
      expect(existsSync(file), `${a.alert}: missing runbook ${file}`).toBe(true);
    }
  });

  it("labels each service's alerts with the service and its owning team (promtool)", async () => {
    // Every service down: ServiceDown fires once per service, with the labels and text of that service.
    await expectRuleTestsPass(
      config,
      [
        {
          interval: "1m",
          input_series: config.services.map((s) => ({
            series: `up{namespace="${s.namespace}",job="${s.name}",instance="${s.name}-0"}`,
            values: "0x10",
          })),
          alert_rule_test: [
            {
              eval_time: "5m",
              alertname: "ServiceDown",
              exp_alerts: config.services.map((s) => ({
                exp_labels: {
                  priority: "P1",
                  namespace: s.namespace,
                  job: s.name,
                  service: s.name,
                  team: s.team,
                },
                exp_annotations: {
                  summary: `${s.name} has no reachable instance`,
                  description: `Every scrape target of ${s.name} has been down for 2 minutes. Priority P1: ${ALERTS.find((a) => a.alert === "ServiceDown")!.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/service-down.md`,
                },
              })),
            },
            { eval_time: "5m", alertname: "ServiceNotScraped", exp_alerts: [] },
          ],
          promql_expr_test: [
            {
              expr: "job:slo_latency_threshold:seconds",
              eval_time: "1m",
              exp_samples: config.services
                .filter((s) => s.kind !== "worker")
                .map((s) => ({
                  labels: `job:slo_latency_threshold:seconds{job="${s.name}",namespace="${s.namespace}"}`,
                  value: s.slo.latencyThresholdSeconds,
                })),
            },
          ],
        },
        {
          // No target at all for any configured service: "not scraped", once per service.
          interval: "1m",
          input_series: [{ series: 'up{job="unrelated"}', values: "1x30" }],
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: "ServiceNotScraped",
              exp_alerts: config.services.map((s) => ({
                exp_labels: {
                  priority: "P2",
                  namespace: s.namespace,
                  job: s.name,
                  service: s.name,
                  team: s.team,
                },
                exp_annotations: {
                  summary: `${s.name} is not scraped at all`,
                  description: `Prometheus has no scrape target for ${s.name} in namespace ${s.namespace}: check its ServiceMonitor selector and metrics port, and that services[].namespace is its Service's namespace. Priority P2: ${ALERTS.find((a) => a.alert === "ServiceNotScraped")!.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/service-down.md`,
                },
              })),
            },
          ],
        },
      ],
      files["prometheus/rules.yaml"]!,
    );
  });

  it("has only PromQL the parser accepts and no group-level labels", () => {
    expect(promqlErrors("sum(rate(x[5m])")).toBeGreaterThan(0);
    for (const g of ruleFile(config).groups) {
      expect(Object.keys(g)).toEqual(["name", "rules"]);
      for (const r of g.rules) expect(promqlErrors(r.expr), r.expr).toBe(0);
    }
  });

  it("contains no secret: credentials are *_file references", () => {
    // Slack's public Web API endpoint is no secret; the bot token is the credentials_file.
    const am = files["alertmanager/alertmanager.yaml"]!.replaceAll(`api_url: ${SLACK_POST_MESSAGE}`, "");
    for (const k of [
      "routing_key:",
      "service_key:",
      "api_key:",
      "auth_password:",
      "api_url:",
      "url:",
      "credentials:",
    ])
      expect(am).not.toMatch(new RegExp(`\\s${k}`));
    expect(am).toContain("/etc/alertmanager/secrets/kps-alertmanager-channels/");
  });
});

describe("metric contract and recording rules", () => {
  it("names every recording rule level:metric:operations and reads only contract metrics", () => {
    const series = new Set(contractMetrics().flatMap(seriesNames));
    for (const r of RECORDING_RULES) {
      // Helpers keep `le` too: level job_le.
      expect(r.record).toMatch(r.helper ? /^job_le:[a-z_]+:[a-z0-9_]+$/ : /^job:[a-z_]+:[a-z0-9_]+$/);
      const names = [...QUERY_TEMPLATES[r.query].template.matchAll(/([a-z_]+)\{/g)].map((m) => m[1]!);
      for (const n of names) expect(series, `${r.record} reads ${n}`).toContain(n);
    }
  });

  it("records the SLO error ratios over every burn-rate window", () => {
    const records = RECORDING_RULES.map((r) => r.record);
    for (const w of ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]) {
      expect(records).toContain(`job:http_server_request_errors:ratio_rate${w}`);
      expect(records).toContain(`job:http_server_request_slow:ratio_rate${w}`);
    }
  });

  it("derives the workbook's burn rates 14.4, 6, 3 and 1 for a 30-day SLO", () => {
    expect(BURN_PAIRS.map((p) => [p.long, p.short, burnRate(p, 30), p.priority])).toEqual([
      ["1h", "5m", 14.4, "P1"],
      ["6h", "30m", 6, "P1"],
      ["1d", "2h", 3, "P2"],
      ["3d", "6h", 1, "P3"],
    ]);
  });

  it("gives a service that overrides a query its own rules for it, and leaves it out of the fleet rule", () => {
    const base = stackConfig("dev");
    const override =
      'sum(rate(legacy_requests_total{namespace="{{namespace}}",app="{{job}}",code=~"5.."}[{{window}}])) / sum(rate(legacy_requests_total{namespace="{{namespace}}",app="{{job}}"}[{{window}}]))';
    const config = stackConfig("dev", {
      services: base.services.map((s) =>
        s.name === "api" ? { ...s, queries: { errorRatio: override } } : s,
      ),
    });
    const groups = ruleFile(config).groups;
    const own = groups.find((g) => g.name === "api.overrides")!.rules;
    expect(own.map((r) => r.record)).toEqual(
      SLO_WINDOWS.map((w) => `job:http_server_request_errors:ratio_rate${w}`),
    );
    expect(own.find((r) => r.record === "job:http_server_request_errors:ratio_rate1d")).toEqual({
      record: "job:http_server_request_errors:ratio_rate1d",
      expr: 'sum(rate(legacy_requests_total{namespace="apps",app="api",code=~"5.."}[1d])) / sum(rate(legacy_requests_total{namespace="apps",app="api"}[1d]))',
      labels: { namespace: "apps", job: "api" },
    });
    const fleet = groups.find((g) => g.name === "http.recording")!.rules;
    for (const w of SLO_WINDOWS) {
      const r = fleet.filter((x) => x.record === `job:http_server_request_errors:ratio_rate${w}`);
      expect(r, w).toHaveLength(1);
      expect(r[0]!.expr, w).toContain('{job!~"api"');
      expect(r[0]!.labels, w).toBeUndefined();
    }
    // What api does not override stays in the fleet rule.
    expect(fleet.find((x) => x.record === "job:http_server_requests:rate5m")!.expr).not.toContain("api");
    expect(groups.filter((g) => g.name.endsWith(".overrides")).map((g) => g.name)).toEqual(["api.overrides"]);
  });

  it("records an overridden query once per service, from the override (promtool)", async () => {
    const base = stackConfig("dev");
    const config = stackConfig("dev", {
      services: base.services.map((s) =>
        s.name === "api"
          ? {
              ...s,
              queries: {
                requestRate:
                  'sum(rate(legacy_requests_total{namespace="{{namespace}}",app="{{job}}"}[{{window}}]))',
              },
            }
          : s,
      ),
    });
    const http = "http_server_request_duration_seconds";
    // api exposes both the contract histogram (10/s) and its legacy counter (4/s); web only the
    // histogram. A histogram prints its `+Inf` bucket beside `_count`: the request rate reads it.
    const histogram = (job: string, values: string) =>
      [`_count{namespace="apps",job="${job}",`, `_bucket{namespace="apps",job="${job}",le="+Inf",`].map(
        (s) => ({
          series: `${http}${s}http_response_status_code="200"}`,
          values,
        }),
      );
    const input = [
      ...histogram("api", "0+600x120"),
      { series: `legacy_requests_total{namespace="apps",app="api"}`, values: "0+240x120" },
      ...histogram("web", "0+300x120"),
    ];
    const rates = ["job:http_server_requests:rate5m", "job:http_server_request_errors:ratio_rate1h"];
    await expectRuleTestsPass(config, [
      {
        interval: "1m",
        input_series: input,
        promql_expr_test: [
          ...rates.map((record) => ({
            expr: `count by (job) (${record})`,
            eval_time: "90m",
            exp_samples: [
              { labels: '{job="api"}', value: 1 },
              { labels: '{job="web"}', value: 1 },
            ],
          })),
          {
            expr: rates[0],
            eval_time: "90m",
            exp_samples: [
              { labels: `${rates[0]}{job="api",namespace="apps"}`, value: 4 },
              { labels: `${rates[0]}{job="web",namespace="apps"}`, value: 5 },
            ],
          },
        ],
      },
    ]);
  });

  it("rejects an unknown override key with a clear message", () => {
    const base = stackConfig("dev");
    expect(() =>
      stackConfig("dev", { services: [{ ...base.services[0], queries: { errorRatoi: "x" } }] }),
    ).toThrow(/errorRatoi/);
  });

  it("rejects an override that drops the window or quantile placeholder", () => {
    const base = stackConfig("dev");
    const svc = base.services[0]!;
    expect(() =>
      stackConfig("dev", { services: [{ ...svc, queries: { errorRatio: "sum(rate(x[5m]))" } }] }),
    ).toThrow(/expected the placeholder \{\{window\}\}/);
    expect(() =>
      stackConfig("dev", {
        services: [{ ...svc, queries: { latencyQuantile: "histogram_quantile(0.99, rate(x[{{window}}]))" } }],
      }),
    ).toThrow(/\{\{quantile\}\}/);
    expect(() =>
      stackConfig("dev", {
        services: [
          { ...svc, queries: { memoryBytes: 'sum(process_rss{namespace="{{namespace}}",app="{{job}}"})' } },
        ],
      }),
    ).not.toThrow();
  });

  it("gives workers no HTTP SLO data, so no SLO alert joins them", () => {
    const config = stackConfig("dev");
    const data = ruleFile(config).groups.find((g) => g.name === "services.data")!.rules;
    expect(data.find((r) => r.record === "job:service:info")!.expr).toContain('"worker"');
    for (const r of data.filter((x) => x.record !== "job:service:info"))
      expect(r.expr, r.record).not.toContain("worker");
    const worker = config.services.find((s) => s.kind === "worker")!;
    expect(alertsFor(worker).map((a) => a.alert)).not.toContain("AvailabilitySLOFastBurn");
    expect(alertsFor(worker).map((a) => a.alert)).toContain("MemoryGrowing");
  });

  it("has a runbook file for every alert of the catalog, with concrete PromQL", () => {
    for (const a of ALERTS) {
      const file = join(REPO, "runbooks", `${a.runbook}.md`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, "utf8")).toMatch(/```promql/);
    }
  });
});

describe("Alertmanager routing (pure)", () => {
  it("sends Watchdog first, an undeliverable channel also by email, then one route per priority with the alert-level timings", () => {
    const am = alertmanagerConfig(stackConfig("prod"));
    expect(am.route.group_by).toEqual(["alertname", "service"]);
    const [watchdog, undeliverable, p1, p2, p3] = am.route.routes!;
    expect(watchdog).toMatchObject({ receiver: "deadmansswitch", matchers: ['alertname="Watchdog"'] });
    expect(undeliverable).toMatchObject({
      matchers: ['alertname="AlertmanagerClusterFailedToSendAlerts"'],
      receiver: "p2-email-platform",
      continue: true,
    });
    expect(p1).toMatchObject({ matchers: ['priority="P1"'], repeat_interval: "15m" });
    expect(p2).toMatchObject({ matchers: ['priority="P2"'], repeat_interval: "1h" });
    expect(p3).toMatchObject({ matchers: ['priority="P3"'], repeat_interval: "4h" });
    // A service's P1 quiets its own lesser alerts but a dependency it may be caused by; a platform
    // P1 those of the same object of its component; a dependency that is down the service's
    // symptoms of its priority or lower (tests/metrics/alertmanager-e2e.test.ts shows them all on
    // a real Alertmanager).
    const symptoms =
      'alertname=~"AvailabilitySLOFastBurn|AvailabilitySLOBurn|AvailabilitySLOSlowBurn|LatencySLOFastBurn|LatencySLOBurn|LatencySLOSlowBurn|LatencyP99High|DatabaseQueriesSlow|CacheHitRatioLow|BackgroundJobsSlow|ExternalDependencyDegraded"';
    expect(am.inhibit_rules).toEqual([
      {
        source_matchers: ['priority="P1"', 'component=""'],
        target_matchers: [
          'priority=~"P2|P3"',
          'component=""',
          'alertname!="Watchdog"',
          'alertname!="DependencyDown"',
        ],
        equal: ["namespace", "service", "business_metric"],
      },
      {
        source_matchers: ['priority="P1"', 'component!=""'],
        target_matchers: ['priority=~"P2|P3"', 'component!=""', 'alertname!="Watchdog"'],
        equal: ["component", "namespace", "service", "pod", "persistentvolumeclaim", "node"],
      },
      ...(
        [
          ["P1", "P1|P2|P3"],
          ["P2", "P2|P3"],
          ["P3", "P3"],
        ] as const
      ).map(([source, targets]) => ({
        source_matchers: ['alertname="DependencyDown"', `priority="${source}"`],
        target_matchers: [symptoms, `priority=~"${targets}"`],
        equal: ["namespace", "service", "business_metric"],
      })),
    ]);
    for (const r of am.receivers.filter((x) => x.name !== "deadmansswitch")) {
      const cfgs = Object.values(r).find(Array.isArray) as { send_resolved: boolean }[];
      expect(
        cfgs.every((c) => c.send_resolved),
        r.name,
      ).toBe(true);
    }
  });

  it("pages through Opsgenie when the stack chooses it", () => {
    const base = stackConfig("dev");
    const am = alertmanagerConfig(stackConfig("dev", opsgenieOverrides(base)));
    const p1 = am.receivers.find((r) => r.name === "p1-opsgenie")!;
    expect(p1.opsgenie_configs).toEqual([
      {
        send_resolved: true,
        api_key_file: "/etc/alertmanager/secrets/kps-alertmanager-channels/opsgenieApiKey",
        priority: "P1",
      },
    ]);
  });
});

describe("a service whose histogram has only _count (promtool)", () => {
  // Availability reads the raw `_count`: a service without buckets still pages on a total outage,
  // and the latency SLI it cannot compute is reported instead of hidden.
  it("pages a total outage and reports the missing latency bucket", async () => {
    const config = stackConfig("dev");
    const count = "http_server_request_duration_seconds_count";
    // 20 req/s succeed for 30 minutes, then every request fails for 30 minutes.
    const ok = `0+1200x30 36000x30`;
    const failed = `0x30 0+1200x30`;
    await expectRuleTestsPass(config, [
      {
        interval: "1m",
        input_series: [
          ...config.services.map((s) => ({
            series: `up{namespace="${s.namespace}",job="${s.name}",instance="${s.name}-0"}`,
            values: "1x60",
          })),
          { series: `${count}{namespace="apps",job="api",http_response_status_code="200"}`, values: ok },
          {
            series: `${count}{namespace="apps",job="api",http_response_status_code="500"}`,
            values: failed,
          },
        ],
        promql_expr_test: [
          {
            expr: `count by (alertname) (ALERTS{alertstate="firing",job="api",alertname=~"AvailabilitySLOFastBurn|LatencySLIBucketMissing"})`,
            eval_time: "45m",
            exp_samples: [
              { labels: '{alertname="AvailabilitySLOFastBurn"}', value: 1 },
              { labels: '{alertname="LatencySLIBucketMissing"}', value: 1 },
            ],
          },
        ],
      },
    ]);
  });
});

describe("the latency threshold's `le` regex (promtool)", () => {
  // Prometheus 3 stores scraped bounds normalized (`1.0`); other sources keep the client's form.
  // [threshold, forms of that bound, neighbours that must not match]
  const CASES: [number, string[], string[]][] = [
    [1, ["1", "1.0", "1.00"], ["10", "11", "0.1", "1.5", "1.01"]],
    [0.5, ["0.5", "0.50"], ["0.05", "0.55", "5", "0.505"]],
    [2.5, ["2.5", "2.50"], ["25", "2.55", "12.5"]],
    [60, ["60", "60.0"], ["6", "600", "60.5"]],
    [0.0001, ["0.0001", "0.00010"], ["0.001", "0.00011", "1e-04"]],
  ];

  it("matches every printed form of the bound and none of its neighbours", async () => {
    const test = {
      rule_files: [],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: CASES.flatMap(([t, forms, others]) =>
            [...forms, ...others].map((le) => ({ series: `x{t="${t}",le="${le}"}`, values: "1x2" })),
          ),
          promql_expr_test: CASES.map(([t, forms]) => ({
            expr: `count by (le) (x{t="${t}",le=~"${leRegex(t)}"})`,
            eval_time: "1m",
            exp_samples: forms.map((le) => ({ labels: `{le="${le}"}`, value: 1 })),
          })),
        },
      ],
    };
    const dir = tempFiles({ "t.yaml": toYaml(test) });
    const r = await runToolAsync("promtool", ["test", "rules", join(dir, "t.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe("background jobs slower than the highest bucket (promtool)", () => {
  // A quantile never exceeds the highest finite bound: with buckets up to 10 s a 15-minute job reads
  // as 10 s and BackgroundJobsSlow stays quiet; the missing bucket is what fires.
  const config = stackConfig("dev");
  const jobs = "background_job_duration_seconds";
  /** Each job_name's bucket bounds; runs land in the 1800 s bucket where there is one, else in +Inf. */
  const run = async (layouts: Record<string, string[]>, firing: string[]) => {
    const labels = (name: string) => `namespace="apps",job="worker",job_name="${name}",outcome="success"`;
    const input = Object.entries(layouts).flatMap(([name, bounds]) => [
      // Two runs a minute, every one slower than 10 minutes.
      ...bounds.map((le) => ({
        series: `${jobs}_bucket{${labels(name)},le="${le}"}`,
        values: le === "+Inf" || Number(le) >= 1800 ? "0+2x90" : "0x90",
      })),
      { series: `${jobs}_count{${labels(name)}}`, values: "0+2x90" },
    ]);
    await expectRuleTestsPass(config, [
      {
        interval: "1m",
        input_series: [
          ...config.services.map((s) => ({
            series: `up{namespace="${s.namespace}",job="${s.name}",instance="${s.name}-0"}`,
            values: "1x90",
          })),
          ...input,
        ],
        promql_expr_test: [
          {
            expr: `count by (alertname) (ALERTS{alertstate="firing",job="worker",alertname=~"BackgroundJobs.*"})`,
            eval_time: "80m",
            exp_samples: firing.map((a) => ({ labels: `{alertname="${a}"}`, value: 1 })),
          },
        ],
      },
    ]);
  };
  const SHORT = ["0.5", "1", "2.5", "5", "10", "+Inf"];
  const LONG = ["1", "10", "60", "300", "600", "1800", "3600", "+Inf"];

  it.concurrent("fires BackgroundJobsBucketMissing, not BackgroundJobsSlow, when the top bucket is 10 s", () =>
    run({ export: SHORT }, ["BackgroundJobsBucketMissing"]));

  it.concurrent("fires BackgroundJobsSlow, not the missing bucket, with a bucket above the threshold", () =>
    run({ export: LONG }, ["BackgroundJobsSlow"]));

  it.concurrent("finds a short layout beside a long one: each job_name is checked on its own", () =>
    run({ export: SHORT, report: LONG }, ["BackgroundJobsBucketMissing", "BackgroundJobsSlow"]));

  it.concurrent("counts a histogram with no finite bucket as missing it", () =>
    run({ export: ["+Inf"] }, ["BackgroundJobsBucketMissing"]));
});

/** The labels and text of one of the catalog's per-service alerts on `svc`, as promtool compares them. */
function serviceAlert(
  config: StackConfig,
  alert: string,
  svc: { name: string; namespace: string; team: string },
  value?: string,
) {
  const spec = ALERTS.find((a) => a.alert === alert)!;
  const fill = (text: string) =>
    text
      .replaceAll("{{ $labels.service }}", svc.name)
      .replaceAll("{{ $labels.job }}", svc.name)
      .replaceAll("{{ $labels.namespace }}", svc.namespace)
      .replaceAll("{{ $value }}", value ?? "{{ $value }}");
  return {
    exp_labels: {
      priority: spec.priority,
      namespace: svc.namespace,
      job: svc.name,
      service: svc.name,
      team: svc.team,
    },
    exp_annotations: {
      summary: fill(spec.summary),
      description: `${fill(spec.description)} Priority ${spec.priority}: ${spec.reason}.`,
      runbook_url: `${config.metrics.runbookBaseUrl}/${spec.runbook}.md`,
    },
  };
}

describe("ServiceNameShared (promtool)", () => {
  // Another namespace's same-named Service is flagged on our service; a target without a namespace
  // (a static scrape config) is no namespace, and an unscraped service of ours is ServiceNotScraped's.
  const config = stackConfig("dev");
  const api = config.services.find((s) => s.name === "api")!;
  const others = config.services.filter((s) => s !== api);
  const up = (labels: string) => ({ series: `up{${labels}}`, values: "1x40" });
  const shared = (input: { series: string; values: string }[], namespaces: number | undefined) => ({
    interval: "1m",
    input_series: [...others.map((s) => up(`namespace="${s.namespace}",job="${s.name}"`)), ...input],
    alert_rule_test: [
      {
        eval_time: "30m",
        alertname: "ServiceNameShared",
        // On our service, its namespace and team, with the number of namespaces in the text.
        exp_alerts:
          namespaces === undefined
            ? []
            : [serviceAlert(config, "ServiceNameShared", api, String(namespaces))],
      },
    ],
  });

  it("fires on our namespace beside a twin, not for a static target or when ours is not scraped", () =>
    expectRuleTestsPass(config, [
      shared([up('namespace="apps",job="api"'), up('namespace="marketing",job="api"')], 2),
      shared(
        [
          up('namespace="apps",job="api"'),
          up('namespace="marketing",job="api"'),
          up('namespace="sales",job="api"'),
        ],
        3,
      ),
      shared([up('namespace="apps",job="api"'), up('job="api",instance="static:9100"')], undefined),
      shared([up('namespace="marketing",job="api"'), up('namespace="sales",job="api"')], undefined),
    ]));
});

describe("ServiceScrapedWithoutNamespace (promtool)", () => {
  // A target of our job without a namespace label (a static scrape config, additionalScrapeConfigs,
  // a relabeling that drops it) matches no configured service: its own alert, with a runbook step,
  // instead of ServiceNotScraped's "no scrape target".
  const config = stackConfig("dev");
  const api = config.services.find((s) => s.name === "api")!;
  const others = config.services.filter((s) => s !== api);
  const up = (labels: string) => ({ series: `up{${labels}}`, values: "1x40" });
  const world = (input: { series: string; values: string }[], without: boolean, notScraped: boolean) => ({
    interval: "1m",
    input_series: [...others.map((s) => up(`namespace="${s.namespace}",job="${s.name}"`)), ...input],
    alert_rule_test: [
      {
        eval_time: "30m",
        alertname: "ServiceScrapedWithoutNamespace",
        exp_alerts: without ? [serviceAlert(config, "ServiceScrapedWithoutNamespace", api)] : [],
      },
      {
        eval_time: "30m",
        alertname: "ServiceNotScraped",
        exp_alerts: notScraped ? [serviceAlert(config, "ServiceNotScraped", api)] : [],
      },
    ],
  });

  it("tells a target without a namespace from no target, and stays quiet when ours is scraped too", () =>
    expectRuleTestsPass(config, [
      // Only a static target: scraped without namespace.
      world([up('job="api",instance="10.0.0.7:8080"')], true, false),
      // Our target and a static one beside it: nothing is missing.
      world([up('namespace="apps",job="api"'), up('job="api",instance="10.0.0.7:8080"')], false, false),
      // Only another namespace's api: ours is not scraped at all.
      world([up('namespace="marketing",job="api"')], false, true),
      // Nothing at all.
      world([], false, true),
    ]));

  it("waits 15 minutes, like ServiceNotScraped", () =>
    expectRuleTestsPass(config, [
      {
        interval: "1m",
        input_series: [
          ...others.map((s) => up(`namespace="${s.namespace}",job="${s.name}"`)),
          up('job="api"'),
        ],
        alert_rule_test: [
          { eval_time: "14m", alertname: "ServiceScrapedWithoutNamespace", exp_alerts: [] },
          {
            eval_time: "16m",
            alertname: "ServiceScrapedWithoutNamespace",
            exp_alerts: [serviceAlert(config, "ServiceScrapedWithoutNamespace", api)],
          },
        ],
      },
    ]));
});

describe("RuleEvaluationFailures (promtool)", () => {
  // A rule that fails to evaluate (a many-to-many join, an override returning several series) is
  // only in Prometheus' log and its own counter; the chart's PrometheusRuleFailures is off for it.
  const config = stackConfig("dev");
  const spec = ALERTS.find((a) => a.alert === "RuleEvaluationFailures")!;
  const group =
    "/etc/prometheus/rules/prometheus-kps-prometheus-rulefiles-0/monitoring-observability-rules-alerts.yaml;services.alerts";
  const failures = (values: string) => ({
    series: `prometheus_rule_evaluation_failures_total{namespace="monitoring",job="kps-prometheus",instance="10.0.0.1:9090",rule_group="${group}"}`,
    values,
  });
  const owner = config.metrics.ownerTeam ?? config.teams[0]!.name;

  it("fires P1 for the group 15 minutes after it starts failing every evaluation, not for one failure", () =>
    expectRuleTestsPass(config, [
      {
        // Fails every evaluation (2 a minute at 30s) from minute 10.
        interval: "1m",
        input_series: [failures("0x10 2+2x30")],
        alert_rule_test: [
          { eval_time: "24m", alertname: "RuleEvaluationFailures", exp_alerts: [] },
          {
            eval_time: "30m",
            alertname: "RuleEvaluationFailures",
            exp_alerts: [
              {
                exp_labels: { priority: "P1", team: owner, component: "prometheus", rule_group: group },
                exp_annotations: {
                  summary: `Rule group ${group} fails to evaluate`,
                  description: `Prometheus failed 10 evaluations of rule group ${group} in the last 5 minutes, for 15 minutes: its records and alerts are missing, and so is every alert that reads them. Priority P1: ${spec.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/rule-evaluation.md`,
                },
              },
            ],
          },
        ],
      },
      {
        // One failed evaluation (a timeout during a restart), and a group that never fails.
        interval: "1m",
        input_series: [failures("0x10 1x30")],
        alert_rule_test: [{ eval_time: "40m", alertname: "RuleEvaluationFailures", exp_alerts: [] }],
      },
    ]));
});
