import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { METRIC_CONTRACT } from "../../infra/catalog/metric-contract";
import { RESOURCE_RECORDS } from "../../infra/catalog/recording-rules";
import type { ServiceConfig } from "../../infra/config";
import { type RuleFile, servesHttp } from "../../infra/generators/metrics";
import { Prometheus, type Sample, sleep } from "../../scripts/lib/bench-rules/prometheus";
import type { RenderResult } from "../../scripts/lib/render-files";
import { stackValue } from "../../scripts/lib/stack-config";
import { rendered } from "../helpers/render";
import { render } from "../helpers/variant";

/**
 * The rendered recording rules on a real scrape: Prometheus 3.5 (`prometheus` from PATH, the
 * deployed generation) on 127.0.0.1 scrapes a loopback `/metrics` that prints the metric contract
 * the way client libraries print it, and evaluates the render's prometheus/rules.yaml as it is.
 * Prometheus 3 normalizes `le` on scrape (`le="1"` is stored as `le="1.0"`), so every record must
 * exist with the value the printed distributions imply, in particular the latency SLI, whose
 * threshold bucket is selected by a regex over `le`.
 *
 * Two renders: the dev stack as it is (every threshold 0.5 s, one bucket selector for all jobs) and
 * dev with api at 1 s and web at 0.25 s (a selector per threshold, one of them at an integer bound
 * that api prints as `1` and web as `1.0`). Scrapes and evaluations run every second.
 */

const http = METRIC_CONTRACT.httpServerDuration.name;
const client = METRIC_CONTRACT.httpClientDuration.name;
const db = METRIC_CONTRACT.dbClientDuration.name;
const jobs = METRIC_CONTRACT.backgroundJobDuration.name;
const cache = METRIC_CONTRACT.cacheRequests.name;
const memory = METRIC_CONTRACT.processMemory.name;

/** Cumulative share at or below each bound (OpenTelemetry's default bounds for HTTP and databases). */
type Cdf = readonly (readonly [number, number])[];
const HTTP_CDF: Cdf = [
  [0.005, 0.01],
  [0.01, 0.03],
  [0.025, 0.1],
  [0.05, 0.2],
  [0.075, 0.3],
  [0.1, 0.4],
  [0.25, 0.6],
  [0.5, 0.8],
  [0.75, 0.88],
  [1, 0.95],
  [2.5, 0.985],
  [5, 0.995],
  [7.5, 0.998],
  [10, 0.999],
];
const DB_CDF: Cdf = [
  [0.001, 0.05],
  [0.005, 0.3],
  [0.01, 0.45],
  [0.05, 0.7],
  [0.1, 0.85],
  [0.5, 0.97],
  [1, 0.985],
  [5, 0.997],
  [10, 0.999],
];
const JOB_CDF: Cdf = [
  [1, 0.1],
  [10, 0.5],
  [60, 0.8],
  [300, 0.95],
  [600, 0.985],
  [1800, 0.995],
  [3600, 0.999],
];

/** How client libraries print a bound: Go's client `1`, Python's and Java's `1.0`. */
const PRINT = {
  go: (b: number) => String(b),
  python: (b: number) => (Number.isInteger(b) ? `${b}.0` : String(b)),
} as const;

interface Shape {
  print: keyof typeof PRINT;
  /** Share of requests answered with 5xx. */
  errors: number;
  cacheHits: number;
  memoryBytes: number;
}
const SHAPES: Record<string, Shape> = {
  api: { print: "go", errors: 0.02, cacheHits: 0.9, memoryBytes: 300 * 2 ** 20 },
  web: { print: "python", errors: 0.05, cacheHits: 0.7, memoryBytes: 200 * 2 ** 20 },
  worker: { print: "go", errors: 0, cacheHits: 0.8, memoryBytes: 100 * 2 ** 20 },
};

/** Events per second per label set: large, so that rounding the counters to integers does not show. */
const RATE = 100_000;

/** The cumulative share at a bound of the table (1 above the last). */
const shareAt = (cdf: Cdf, bound: number): number => cdf.find(([b]) => b === bound)?.[1] ?? 1;

/** A classic histogram's quantile as Prometheus interpolates it: linearly within the bucket. */
function quantile(cdf: Cdf, q: number): number {
  let [lower, below] = [0, 0];
  for (const [bound, share] of cdf) {
    if (share >= q) return lower + ((bound - lower) * (q - below)) / (share - below);
    [lower, below] = [bound, share];
  }
  throw new Error(`quantile ${q} beyond the last finite bound`);
}

const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");

/** One histogram label set after `seconds` of traffic at `perSecond`, printed as a client library does. */
function histogram(
  name: string,
  labels: Record<string, string>,
  cdf: Cdf,
  perSecond: number,
  seconds: number,
  print: (b: number) => string,
): string[] {
  const count = (share: number) => Math.round(share * perSecond * seconds);
  const l = labelText(labels);
  return [
    ...cdf.map(([bound, share]) => `${name}_bucket{${l},le="${print(bound)}"} ${count(share)}`),
    `${name}_bucket{${l},le="+Inf"} ${count(1)}`,
    `${name}_sum{${l}} ${(0.2 * perSecond * seconds).toFixed(3)}`,
    `${name}_count{${l}} ${count(1)}`,
  ];
}

/** Outbound calls: destination, status, share of RATE. Fewer destinations than the top kept: no `other`. */
const CALLS = [
  ["payments.example.com", "201", 0.98],
  ["payments.example.com", "503", 0.02],
  ["geo.example.com", "200", 1],
] as const;

/** The exposition of one service after `seconds`: HTTP for HTTP services, the rest for all. */
function exposition(svc: ServiceConfig, seconds: number): string {
  const shape = SHAPES[svc.name]!;
  const print = PRINT[shape.print];
  const lines: string[] = [];
  if (servesHttp(svc)) {
    lines.push(`# TYPE ${http} histogram`);
    for (const route of ["/orders", "/orders/{id}"])
      for (const [status, share] of [
        ["200", 1 - shape.errors],
        ["500", shape.errors],
      ] as const)
        lines.push(
          ...histogram(
            http,
            { http_request_method: "GET", http_route: route, http_response_status_code: status },
            HTTP_CDF,
            RATE * share,
            seconds,
            print,
          ),
        );
  }
  // Outbound calls of every service: two destinations, one answering 2% of its calls with 503.
  lines.push(`# TYPE ${client} histogram`);
  for (const [server, status, share] of CALLS)
    lines.push(
      ...histogram(
        client,
        { server_address: server, http_request_method: "POST", http_response_status_code: status },
        HTTP_CDF,
        RATE * share,
        seconds,
        print,
      ),
    );
  lines.push(`# TYPE ${db} histogram`);
  for (const op of ["SELECT", "INSERT"])
    lines.push(
      ...histogram(db, { db_system_name: "postgresql", db_operation_name: op }, DB_CDF, RATE, seconds, print),
    );
  lines.push(`# TYPE ${jobs} histogram`);
  lines.push(...histogram(jobs, { job_name: "invoices", outcome: "success" }, JOB_CDF, RATE, seconds, print));
  lines.push(`# TYPE ${cache} counter`);
  for (const [result, share] of [
    ["hit", shape.cacheHits],
    ["miss", 1 - shape.cacheHits],
  ] as const)
    lines.push(`${cache}{result="${result}",cache_name="orders"} ${Math.round(RATE * share * seconds)}`);
  lines.push(`# TYPE ${memory} gauge`, `${memory} ${shape.memoryBytes}`);
  return `${lines.join("\n")}\n`;
}

type Expected = number | "positive" | "absent";

/** A bucket-rate record per stored `le`: the event rate times the share at each bound (absent without events). */
function bucketRates(record: string, cdf: Cdf, events: number | undefined): Record<string, Expected> {
  if (events === undefined) return { [record]: "absent" };
  return Object.fromEntries([
    ...cdf.map(([bound, share]) => [`${record}{le="${PRINT.python(bound)}"}`, events * share]),
    [`${record}{le="+Inf"}`, events],
  ]);
}

/**
 * What each record must hold for one service, from the printed distributions and the config;
 * rates depend on `rate()`'s extrapolation over the short history, so they are checked through
 * the ratios between them. A record without an entry here fails the test.
 */
function expectations(svc: ServiceConfig, values: Map<string, number>): Record<string, Expected> {
  const shape = SHAPES[svc.name]!;
  const web = servesHttp(svc);
  const requests = values.get("job:http_server_requests:rate5m") ?? Number.NaN;
  const slow = 1 - shareAt(HTTP_CDF, svc.slo.latencyThresholdSeconds);
  const onlyHttp = (x: Expected): Expected => (web ? x : "absent");
  const out: Record<string, Expected> = {
    // The per-(job, le) helpers, under the bounds as Prometheus 3 stores them ("1.0").
    ...bucketRates(
      "job_le:http_server_request_duration_seconds_bucket:rate5m",
      HTTP_CDF,
      web ? requests : undefined,
    ),
    ...bucketRates(
      "job_le:db_client_operation_duration_seconds_bucket:rate5m",
      DB_CDF,
      values.get("job:db_client_operations:rate5m") ?? Number.NaN,
    ),
    "job:service:info": 1,
    "job:slo_availability:target": onlyHttp(svc.slo.availability),
    "job:slo_latency:target": onlyHttp(svc.slo.latencyTarget),
    "job:slo_window:days": onlyHttp(svc.slo.windowDays),
    "job:slo_latency_threshold:seconds": onlyHttp(svc.slo.latencyThresholdSeconds),
    "job:http_server_requests:rate5m": onlyHttp("positive"),
    "job:http_server_request_errors:rate5m": onlyHttp(requests * shape.errors),
    "job:http_server_request_slow:rate5m": onlyHttp(requests * slow),
    "job:db_client_operations:rate5m": "positive",
    "job:db_client_operation_duration_seconds:p50_5m": quantile(DB_CDF, 0.5),
    "job:db_client_operation_duration_seconds:p99_5m": quantile(DB_CDF, 0.99),
    "job:cache_requests:hit_ratio_rate5m": shape.cacheHits,
    "job:cache_requests:hit_ratio_rate1h": shape.cacheHits,
    "job:background_job_duration_seconds:p99_30m": quantile(JOB_CDF, 0.99),
    "job:process_resident_memory_bytes:sum": shape.memoryBytes,
    "job:process_resident_memory_bytes:deriv1h": 0,
    // Outbound calls per destination (every service calls out): as many to each, 2% failing at one.
    'job_server:http_client_requests:rate5m{server_address="payments.example.com"}': "positive",
    'job_server:http_client_requests:rate5m{server_address="geo.example.com"}':
      values.get('job_server:http_client_requests:rate5m{server_address="payments.example.com"}') ??
      Number.NaN,
    'job_server:http_client_requests_failed:ratio_rate5m{server_address="payments.example.com"}': 0.02,
    'job_server:http_client_requests_failed:ratio_rate5m{server_address="geo.example.com"}': 0,
    'job_server:http_client_request_duration_seconds:p99_5m{server_address="payments.example.com"}': quantile(
      HTTP_CDF,
      0.99,
    ),
    'job_server:http_client_request_duration_seconds:p99_5m{server_address="geo.example.com"}': quantile(
      HTTP_CDF,
      0.99,
    ),
    // No probe of a dependency here (tests/dependencies/probe-e2e.test.ts has them).
    "job_instance:probe_success:avg5m": "absent",
    // This exposition prints no descriptor, pool, job-item or container series: every record of
    // issue 26 §2 must then be absent, not 0 (tests/resources/rules.test.ts has their values).
    ...Object.fromEntries(RESOURCE_RECORDS.map((r) => [r.record, "absent" as const])),
  };
  for (const q of [50, 90, 99])
    out[`job:http_server_request_duration_seconds:p${q}_5m`] = onlyHttp(quantile(HTTP_CDF, q / 100));
  for (const w of ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]) {
    out[`job:http_server_request_errors:ratio_rate${w}`] = onlyHttp(shape.errors);
    out[`job:http_server_request_slow:ratio_rate${w}`] = onlyHttp(slow);
  }
  return out;
}

const rulesYaml = (result: RenderResult): string =>
  result.artifacts.find((a) => a.path === "prometheus/rules.yaml")!.content;

const close = (got: number, want: number): boolean => Math.abs(got - want) <= 1e-9 + 0.005 * Math.abs(want);

/** Every disagreement between what Prometheus recorded and what the rules should record. */
async function mismatches(prom: Prometheus, rules: RuleFile, services: ServiceConfig[]): Promise<string[]> {
  // Per-service records only: the business records (businessMetrics) belong to no service and
  // read the stack's own counters (tests/business/).
  const records = [
    ...new Set(
      rules.groups
        .filter((g) => !g.name.startsWith("business."))
        .flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
    ),
  ];
  const samples: Sample[] = await prom.query(`{__name__=~"job(_[a-z]+)?:.+"}`);
  const problems: string[] = [];
  const base = (key: string) => key.replace(/\{.*/, "");
  for (const svc of services) {
    const values = new Map(
      samples
        // A record of this service carries its namespace, or the alerts' joins would not find it.
        .filter((s) => s.metric.job === svc.name && s.metric.namespace === svc.namespace)
        .map((s) => [
          // One key per series of the service: the bucket bound, or the destination of a call.
          `${s.metric.__name__}${s.metric.le ? `{le="${s.metric.le}"}` : s.metric.server_address ? `{server_address="${s.metric.server_address}"}` : ""}`,
          Number(s.value[1]),
        ]),
    );
    const want = expectations(svc, values);
    const at = (key: string) =>
      `${key.replace(/\{/, `{job="${svc.name}",`).replace(/^([^{]+)$/, `$1{job="${svc.name}"}`)}`;
    for (const record of records) {
      const entries = Object.entries(want).filter(([k]) => base(k) === record);
      if (entries.length === 0) problems.push(`${record}: the test has no expectation for this record`);
      const got = [...values].filter(([k]) => base(k) === record);
      for (const [key, expected] of entries) {
        const value = values.get(key);
        if (expected === "absent") {
          for (const [k, v] of got) problems.push(`${at(k)} = ${v}, expected no series`);
        } else if (value === undefined) problems.push(`${at(key)} is missing`);
        else if (expected === "positive" ? !(value > 0) : !close(value, expected))
          problems.push(`${at(key)} = ${value}, expected ${expected}`);
      }
      for (const [k, v] of got)
        if (!(k in want) && want[record] !== "absent") problems.push(`${at(k)} = ${v} is not expected`);
    }
  }
  return problems;
}

/** What Prometheus says about its targets and rules, and its log: for failure messages. */
async function diagnostics(prom: Prometheus): Promise<string> {
  const targets = await prom
    .api<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>(
      "/api/v1/targets",
    )
    .then((t) => t.activeTargets.map((x) => `${x.labels.job}: ${x.health} ${x.lastError}`).join("\n"))
    .catch((e: Error) => `targets unavailable: ${e.message}`);
  return `targets:\n${targets}\nprometheus log:\n${prom.recentLog()}`;
}

interface Run {
  result: RenderResult;
  prom?: Prometheus;
}

const RUNS = ["dev as rendered", "dev with api at 1 s and web at 0.25 s"] as const;

let server: Server;
let work: string;
const runs = new Map<(typeof RUNS)[number], Run>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "prom-scrape-"));
  const started = Date.now();
  const services = rendered("dev").config.services;
  server = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://127.0.0.1").searchParams.get("service");
    const svc = services.find((s) => s.name === name);
    if (!svc) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    res.end(exposition(svc, (Date.now() - started) / 1000));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const thresholds: Record<string, number> = { api: 1, web: 0.25 };
  const variant = await render("dev", {
    services: stackValue<Record<string, unknown>[]>("dev", "services").map((s) =>
      thresholds[s.name as string] === undefined
        ? s
        : { ...s, slo: { ...(s.slo as object), latencyThresholdSeconds: thresholds[s.name as string] } },
    ),
  });
  runs.set(RUNS[0], { result: rendered("dev") });
  runs.set(RUNS[1], { result: variant });
  for (const [i, run] of [...runs.values()].entries()) {
    const dir = join(work, String(i));
    mkdirSync(join(dir, "data"), { recursive: true });
    // The rendered file as it is.
    writeFileSync(join(dir, "rules.yaml"), rulesYaml(run.result));
    run.prom = await Prometheus.start(join(dir, "data"), [join(dir, "rules.yaml")], {
      evaluationInterval: "1s",
      scrapeInterval: "1s",
      scrapeConfigs: run.result.config.services.map((s) => ({
        job_name: s.name,
        params: { service: [s.name] },
        // prometheus-operator labels each target with its Service's namespace, as here.
        static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { namespace: s.namespace } }],
      })),
    });
  }
  // Two Prometheus starts, each allowed two minutes to become ready (Prometheus.start), plus a render.
}, 300_000);

afterAll(async () => {
  // Each Prometheus is stopped by the PID it was started with, also when a test failed.
  for (const run of runs.values()) await run.prom?.stop();
  await new Promise((resolve) => server?.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Polls `probe` until it reports no problem or `seconds` pass; returns the last problems. */
async function settle(probe: () => Promise<string[]>, seconds = 40): Promise<string[]> {
  const deadline = Date.now() + seconds * 1000;
  let problems = ["not checked yet"];
  while (Date.now() < deadline) {
    problems = await probe();
    if (problems.length === 0) break;
    await sleep(500);
  }
  return problems;
}

describe.each(RUNS)("the rendered recording rules on Prometheus 3.5 scraping the contract (%s)", (name) => {
  const run = () => runs.get(name)!;

  it("stores every bound as Prometheus 3 normalizes it, however the client printed it", async () => {
    const prom = run().prom!;
    const leOf = async (job: string) =>
      (await prom.query(`count by (le) (${http}_bucket{job="${job}"})`)).map((s) => s.metric.le!).sort();
    const problems = await settle(async () => {
      const [api, web] = [await leOf("api"), await leOf("web")];
      // api prints Go's `1`, web Python's `1.0`: both are stored as "1.0".
      const want = [...HTTP_CDF.map(([b]) => PRINT.python(b)), "+Inf"].sort();
      return [
        ...(JSON.stringify(api) === JSON.stringify(want) ? [] : [`api's le: ${api.join(" ")}`]),
        ...(JSON.stringify(web) === JSON.stringify(want) ? [] : [`web's le: ${web.join(" ")}`]),
      ];
    });
    expect(problems, `${problems.join("\n")}\n${await diagnostics(prom)}`).toEqual([]);
  });

  it("records every series with the value the scraped distributions imply", async () => {
    const prom = run().prom!;
    const rules = parse(rulesYaml(run().result)) as RuleFile;
    const problems = await settle(() => mismatches(prom, rules, run().result.config.services));
    expect(problems, `${problems.join("\n")}\n${await diagnostics(prom)}`).toEqual([]);
  });

  it("evaluates every rule without error, and finds the latency threshold bucket of every service", async () => {
    const prom = run().prom!;
    const { groups } = await prom.api<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>("/api/v1/rules");
    const unhealthy = groups.flatMap((g) => g.rules).filter((r) => r.health !== "ok");
    expect(unhealthy.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ""}`)).toEqual([]);
    expect(groups.flatMap((g) => g.rules).length).toBeGreaterThan(0);
    // Pending (its `for` is 30m) as soon as a service with traffic has no slow ratio.
    expect(await prom.query('ALERTS{alertname="LatencySLIBucketMissing"}')).toEqual([]);
  });
});
