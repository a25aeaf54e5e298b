import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { CALL_FAILED_STATUS_REGEX, METRIC_CONTRACT } from "../../infra/catalog/metric-contract";
import { DEPENDENCY_PROBE, RECORD } from "../../infra/catalog/recording-rules";
import type { StackConfig } from "../../infra/config";
import { ALERTS, EXTERNAL_MIN_RATE, ruleFile } from "../../infra/generators/metrics";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The outbound-call records and ExternalDependencyDegraded, DependencyDown and
 * DependencyProbesFailing, as rendered for the dev stack, under `promtool test rules`: the records
 * keep the busiest destinations and fold the rest into `other`; each alert fires where it should
 * and stays quiet for healthy traffic and for what only looks like its fault. Each promtool run is
 * its own process: they run side by side.
 */

const config = stackConfig("dev");
const api = config.services.find((s) => s.name === "api")!;
const client = METRIC_CONTRACT.httpClientDuration.name;
const N = config.metrics.externalCalls.topDestinations;
const probeNs = config.metrics.namespace;

async function expectRuleTestsPass(tests: unknown[], c: StackConfig = config) {
  const test = {
    rule_files: [join(tempFiles({ "rules.yaml": toYaml(ruleFile(c)) }), "rules.yaml")],
    evaluation_interval: "1m",
    // Records before the alerts that read them, as Prometheus's groups run in a steady state.
    group_eval_order: ruleFile(c).groups.map((g) => g.name),
    tests,
  };
  const dir = tempFiles({ "t.yaml": toYaml(test) });
  const r = await runToolAsync("promtool", ["test", "rules", join(dir, "t.yaml")]);
  expect(r.stdout + r.stderr).toContain("SUCCESS");
  expect(r.status, r.stdout + r.stderr).toBe(0);
}

/** A counter growing `perSecond` per second, sampled every minute for `minutes`. */
const counter = (perSecond: number, minutes = 40) => `0+${perSecond * 60}x${minutes}`;

/** One label set of the client histogram's `_count`, for api in its namespace. */
const calls = (labels: string, perSecond: number, minutes = 40) => ({
  series: `${client}_count{namespace="${api.namespace}",job="${api.name}"${labels ? `,${labels}` : ""}}`,
  values: counter(perSecond, minutes),
});

/** The buckets of a histogram whose calls all take `seconds` or less (bounds 0.1, 1, 2.5, 5, +Inf). */
const buckets = (labels: string, perSecond: number, seconds: number) =>
  ["0.1", "1", "2.5", "5", "+Inf"].map((le) => ({
    series: `${client}_bucket{namespace="${api.namespace}",job="${api.name}",${labels},le="${le}"}`,
    values: le === "+Inf" || Number(le) >= seconds ? counter(perSecond) : "0x40",
  }));

const sample = (labels: Record<string, string>, value: number) => ({
  labels: `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`,
  value,
});

/** Samples of a record as a selector of it returns them: with its name. */
const named = (record: string, samples: ReturnType<typeof sample>[]) =>
  samples.map((x) => ({ ...x, labels: x.labels.replace("{", `{__name__="${record}",`) }));

describe("outbound-call records (promtool)", () => {
  it.concurrent("keep the busiest destinations by name and fold the rest, unnamed calls and a host called 'other' into 'other'", async () => {
    // d01 … d12 at 12 … 1 calls per second: the dev stack keeps N of them.
    expect(N).toBe(10);
    const hosts = Array.from({ length: 12 }, (_, i) => `d${String(i + 1).padStart(2, "0")}.example.com`);
    const rate = (i: number) => 12 - i;
    const dest = (h: string, status?: string) =>
      `server_address="${h}",http_request_method="GET"${status ? `,http_response_status_code="${status}"` : ""}`;
    const input = [
      // d01: 10/s answered 200, 1/s 503, 1/s no answer (a timeout has no status code): 2 of 12 failed.
      calls(dest(hosts[0]!, "200"), 10),
      calls(dest(hosts[0]!, "503"), 1),
      calls(`${dest(hosts[0]!)},error_type="timeout"`, 1),
      // d02: 10/s 200 and 1/s 404: a refused request is not a failing dependency.
      calls(dest(hosts[1]!, "200"), 10),
      calls(dest(hosts[1]!, "404"), 1),
      ...hosts.slice(2, 11).map((h, k) => calls(dest(h, "200"), rate(k + 2))),
      // d12 fails every call; it is among the rest.
      calls(dest(hosts[11]!, "500"), 1),
      // Calls of an instrumentation without server_address, and to a host literally named "other".
      calls('http_request_method="GET",http_response_status_code="200"', 0.5),
      calls(`${dest("other", "502")}`, 0.25),
      // Buckets: d01's calls all within 2.5 s (p99 in the 1-2.5 s bucket), d12's within 0.1 s.
      ...buckets(dest(hosts[0]!, "200"), 12, 2.5),
      ...buckets(dest(hosts[11]!, "500"), 1, 0.1),
    ];
    const svc = { namespace: api.namespace, job: api.name };
    const other = 2 + 1 + 0.5 + 0.25;
    await expectRuleTestsPass([
      {
        interval: "1m",
        input_series: input,
        promql_expr_test: [
          {
            expr: `count by (namespace, job) (${RECORD.callRate})`,
            eval_time: "10m",
            exp_samples: [sample(svc, N + 1)],
          },
          {
            expr: RECORD.callRate,
            eval_time: "10m",
            exp_samples: named(RECORD.callRate, [
              sample({ ...svc, server_address: hosts[0]! }, 12),
              sample({ ...svc, server_address: hosts[1]! }, 11),
              ...hosts.slice(2, 10).map((h, k) => sample({ ...svc, server_address: h }, rate(k + 2))),
              sample({ ...svc, server_address: "other" }, other),
            ]),
          },
          {
            expr: RECORD.callFailedRatio,
            eval_time: "10m",
            exp_samples: named(RECORD.callFailedRatio, [
              sample({ ...svc, server_address: hosts[0]! }, 2 / 12),
              // No failed call is a ratio of 0, not a missing series.
              sample({ ...svc, server_address: hosts[1]! }, 0),
              ...hosts.slice(2, 10).map((h) => sample({ ...svc, server_address: h }, 0)),
              // d12's 1/s and the 0.25/s answered 502 by the host named "other".
              sample({ ...svc, server_address: "other" }, 1.25 / other),
            ]),
          },
          {
            expr: RECORD.callP99,
            eval_time: "10m",
            exp_samples: named(RECORD.callP99, [
              // Rank 0.99 of 12/s lies in (1, 2.5], which holds every call: linear within it.
              sample({ ...svc, server_address: hosts[0]! }, 1 + 1.5 * 0.99),
              sample({ ...svc, server_address: "other" }, 0.1 * 0.99),
            ]),
          },
        ],
      },
    ]);
  });

  it("treat 5xx and a missing status code as failed calls, nothing else", () => {
    const re = new RegExp(`^(?:${CALL_FAILED_STATUS_REGEX})$`);
    expect(["500", "503", "599", ""].every((s) => re.test(s))).toBe(true);
    expect(["200", "302", "404", "429", "5000", "50"].some((s) => re.test(s))).toBe(false);
  });
});

describe("ExternalDependencyDegraded (promtool)", () => {
  const spec = ALERTS.find((a) => a.alert === "ExternalDependencyDegraded")!;
  const a = config.metrics.alerts;
  const labels = (server: string, signal: string) => ({
    priority: "P3",
    namespace: api.namespace,
    job: api.name,
    service: api.name,
    team: api.team,
    server_address: server,
    signal,
  });
  const dest = (h: string, status?: string) =>
    `server_address="${h}",http_request_method="POST"${status ? `,http_response_status_code="${status}"` : ""}`;

  it.concurrent("fires 15 minutes into failing or slow calls to one destination, and not for look-alikes", async () => {
    expect(spec.for).toBe("15m");
    // Thresholds of the dev stack: the test's traffic is well on either side of them.
    expect(a.externalErrorRatioMax).toBeLessThan(0.1);
    expect(a.externalP99Seconds).toBeLessThan(3);
    // rare.example.com's one call in 30 s is below the rate that may alert.
    expect(EXTERNAL_MIN_RATE).toBeGreaterThan(1 / 30);
    const input = [
      // Failing: 20% of 5/s get no answer, from the start.
      calls(dest("payments.example.com", "201"), 4),
      calls(`${dest("payments.example.com")},error_type="java.net.SocketTimeoutException"`, 1),
      // Slow: every call takes 3 to 5 s.
      ...buckets(dest("geo.example.com", "200"), 2, 5),
      calls(dest("geo.example.com", "200"), 2),
      // Look-alikes. Refused requests: half the calls answered 404 or 429.
      calls(dest("search.example.com", "200"), 2),
      calls(dest("search.example.com", "404"), 1),
      calls(dest("search.example.com", "429"), 1),
      // Too few calls to judge: one every 30 seconds, every one failing.
      calls(dest("rare.example.com", "500"), 1 / 30),
      // A blip: 5 minutes of 50% failures, which stay in the 5-minute rate shorter than `for`.
      calls(dest("blip.example.com", "200"), 2),
      {
        series: `${client}_count{namespace="${api.namespace}",job="${api.name}",${dest("blip.example.com", "500")}}`,
        values: "0x10 0+120x5 600x25",
      },
      // Healthy and fast.
      calls(dest("mail.example.com", "202"), 3),
      ...buckets(dest("mail.example.com", "202"), 3, 0.1),
      // The service's own 5xx: its SLO alerts' business, not an outbound call.
      {
        series: `http_server_request_duration_seconds_count{namespace="${api.namespace}",job="${api.name}",http_response_status_code="500"}`,
        values: counter(5),
      },
    ];
    await expectRuleTestsPass([
      {
        interval: "1m",
        input_series: input,
        alert_rule_test: [
          // Pending (above the threshold since minute 2), not yet 15 minutes.
          { eval_time: "12m", alertname: "ExternalDependencyDegraded", exp_alerts: [] },
          {
            eval_time: "30m",
            alertname: "ExternalDependencyDegraded",
            exp_alerts: [
              {
                exp_labels: labels("payments.example.com", "failed_calls"),
                exp_annotations: {
                  summary: `${api.name}'s calls to payments.example.com are degrading`,
                  description: `20% of ${api.name}'s calls to payments.example.com failed (5xx or no answer), above the threshold (metrics.alerts), for 15 minutes. \`other\` is every destination beyond the busiest metrics.externalCalls.topDestinations. Priority P3: ${spec.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/dependencies.md`,
                },
              },
              {
                exp_labels: labels("geo.example.com", "p99"),
                exp_annotations: {
                  summary: `${api.name}'s calls to geo.example.com are degrading`,
                  description: `The p99 of ${api.name}'s calls to geo.example.com is 4.975s, above the threshold (metrics.alerts), for 15 minutes. \`other\` is every destination beyond the busiest metrics.externalCalls.topDestinations. Priority P3: ${spec.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/dependencies.md`,
                },
              },
            ],
          },
        ],
      },
    ]);
  });
});

describe("DependencyDown and DependencyProbesFailing (promtool)", () => {
  const p = DEPENDENCY_PROBE.labels;
  /** A probe's series as Prometheus labels them from our Probe (tests/dependencies/probe-e2e.test.ts checks this on a real scrape). */
  const probeSeries = (
    metric: string,
    svc: { name: string; namespace: string },
    instance: string,
    priority: string,
    namespace = probeNs,
  ) =>
    `${metric}{job="${DEPENDENCY_PROBE.job}",namespace="${namespace}",instance="${instance}",${p.service}="${svc.name}",${p.namespace}="${svc.namespace}",${p.priority}="${priority}"}`;
  const worker = config.services.find((s) => s.name === "worker")!;
  const web = config.services.find((s) => s.name === "web")!;
  const down = (svc: typeof api, instance: string, priority: string) => ({
    priority,
    namespace: svc.namespace,
    job: svc.name,
    service: svc.name,
    team: svc.team,
    instance,
  });
  const spec = (priority: string) =>
    ALERTS.find((x) => x.alert === "DependencyDown" && x.priority === priority)!;

  it.concurrent("fires with the dependency's priority and the service's team once most probes of 5 minutes failed", async () => {
    const P1 = "https://api.payments.example.com/v1/health";
    const P2 = "orders-db.data.svc:5432";
    const P3 = "sessions-cache.data.svc:6379";
    // Probes every 30 s: P1 fails from minute 10 on; P2 is up; P3 blips for one minute at 10.
    const input = [
      { series: probeSeries("probe_success", api, P1, "P1"), values: "1x20 0x40" },
      { series: probeSeries("probe_success", api, P2, "P2"), values: "1x60" },
      { series: probeSeries("probe_success", api, P3, "P3"), values: "1x20 0x2 1x38" },
      // Another team's Probe with the same job, elsewhere: not our dependency, failing.
      {
        series: probeSeries("probe_success", web, "http://api.apps.svc:8080/healthz", "P1", "marketing"),
        values: "0x60",
      },
      ...[P1, P2, P3].map((i) => ({ series: probeSeries("up", api, i, "P2"), values: "1x60" })),
    ];
    const fill = (priority: string, value: string, instance: string) => ({
      summary: `${api.name} cannot reach its dependency ${instance}`,
      description: `Only ${value} of the blackbox exporter's probes of ${instance}, which ${api.name} declares as a ${priority} dependency, succeeded over the last 5 minutes. Priority ${priority}: ${spec(priority).reason}.`,
      runbook_url: `${config.metrics.runbookBaseUrl}/dependencies.md`,
    });
    await expectRuleTestsPass([
      {
        interval: "30s",
        input_series: input,
        alert_rule_test: [
          // 2 minutes after the last good probe: 6 of 10 probes still good.
          { eval_time: "12m", alertname: "DependencyDown", exp_alerts: [] },
          // 3 minutes after: 4 of 10 good; the P3 blip (2 of 10 failed) never fires.
          {
            eval_time: "13m",
            alertname: "DependencyDown",
            exp_alerts: [{ exp_labels: down(api, P1, "P1"), exp_annotations: fill("P1", "40%", P1) }],
          },
          {
            eval_time: "25m",
            alertname: "DependencyDown",
            exp_alerts: [{ exp_labels: down(api, P1, "P1"), exp_annotations: fill("P1", "0%", P1) }],
          },
          { eval_time: "25m", alertname: "DependencyProbesFailing", exp_alerts: [] },
        ],
      },
    ]);
  });

  it.concurrent("leaves a prober that cannot be scraped to DependencyProbesFailing, after 10 minutes", async () => {
    const target = "rabbitmq.messaging.svc:5672";
    const failing = ALERTS.find((x) => x.alert === "DependencyProbesFailing")!;
    await expectRuleTestsPass([
      {
        interval: "30s",
        input_series: [
          // The exporter goes away at minute 10: no more probe results, every target's `up` is 0.
          { series: probeSeries("probe_success", worker, target, "P2"), values: "1x20" },
          { series: probeSeries("up", worker, target, "P2"), values: "1x20 0x40" },
        ],
        alert_rule_test: [
          { eval_time: "25m", alertname: "DependencyDown", exp_alerts: [] },
          { eval_time: "19m", alertname: "DependencyProbesFailing", exp_alerts: [] },
          {
            eval_time: "25m",
            alertname: "DependencyProbesFailing",
            exp_alerts: [
              {
                exp_labels: {
                  priority: "P2",
                  team: config.metrics.ownerTeam,
                  component: DEPENDENCY_PROBE.job,
                  namespace: probeNs,
                },
                exp_annotations: {
                  summary: failing.summary,
                  description: `${failing.description} Priority P2: ${failing.reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/dependencies.md`,
                },
              },
            ],
          },
        ],
      },
    ]);
  });
});
