/**
 * The service check against real instrumented services on 127.0.0.1, built here with prom-client
 * and the OpenTelemetry JS SDK's Prometheus exporter: scraped with Prometheus' headers, linted by
 * the real promtool, and every SLI proved by the real `promtool test rules` on this stack's
 * rendered rules, all services in one promtool run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { AggregationType, MeterProvider, type ViewOptions } from "@opentelemetry/sdk-metrics";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeLe, parseExposition } from "../../scripts/lib/service-check/exposition";
import { reportSchema, type Report } from "../../scripts/lib/service-check/findings";
import { checkMetrics } from "../../scripts/lib/service-check/metrics";
import { checkServices, promtoolPath, scrape } from "../../scripts/lib/service-check/run";
import { serviceRequirements } from "../../scripts/lib/service-check/requirements";
import { stackConfig } from "../../scripts/lib/stack-config";

const STACK = "dev";
const config = stackConfig(STACK);
const req = serviceRequirements(config, STACK, "api");
const THRESHOLD = req.latencyThresholdSeconds!;
/** Seconds buckets with the SLO threshold, and without it. */
const GOOD_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NO_THRESHOLD = GOOD_BUCKETS.filter((b) => b !== THRESHOLD);

type Recorder = (method: string, route: string, path: string, status: number, seconds: number) => void;

interface App {
  url: string;
  logs: string[];
  server: Server;
}

/**
 * A service: GET /users/<id> answers 200 (every fifth 500), records each request with `record`
 * under its route template or, with `rawRoutes`, its path; logs a JSON line per request.
 */
async function app(
  record: Recorder,
  metrics: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { rawRoutes?: boolean; badLogs?: boolean } = {},
): Promise<App> {
  const logs: string[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    if (req.url === "/metrics") return metrics(req, res);
    const start = process.hrtime.bigint();
    const status = ++n % 5 === 0 ? 500 : 200;
    res.statusCode = status;
    res.end("ok");
    const seconds = Number(process.hrtime.bigint() - start) / 1e9 + (n % 3) * 0.2;
    const path = (req.url ?? "/").split("?")[0]!;
    record(req.method ?? "GET", opts.rawRoutes ? path : "/users/:id", path, status, seconds);
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level: opts.badLogs && n % 2 === 0 ? "warn" : status === 500 ? "ERROR" : "INFO",
      service: "api",
      message: `GET ${status}`,
      duration_ms: Math.round(seconds * 1000),
    };
    if (!opts.badLogs) line.request_id = `req-${n}`;
    logs.push(JSON.stringify(line));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, logs, server };
}

async function promClientApp(buckets: number[], opts: { rawRoutes?: boolean } = {}): Promise<App> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const h = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests.",
    labelNames: ["http_request_method", "http_route", "http_response_status_code"],
    buckets,
    registers: [registry],
  });
  return app(
    (method, route, _path, status, s) =>
      h.observe({ http_request_method: method, http_route: route, http_response_status_code: status }, s),
    async (_req, res) => {
      res.setHeader("Content-Type", registry.contentType);
      res.end(await registry.metrics());
    },
    opts,
  );
}

/**
 * OpenTelemetry: `http.server.request.duration` in seconds, its semantic conventions' attributes.
 * The JS exporter never appends unit suffixes; `rename` is the View that gives the contract's name.
 */
async function otelApp(opts: {
  boundaries?: number[];
  rename: boolean;
}): Promise<App & { provider: MeterProvider }> {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const view: ViewOptions = {
    instrumentName: "http.server.request.duration",
    ...(opts.rename ? { name: "http.server.request.duration_seconds" } : {}),
    ...(opts.boundaries
      ? {
          aggregation: {
            type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
            options: { boundaries: opts.boundaries },
          },
        }
      : {}),
  };
  const provider = new MeterProvider({ readers: [exporter], views: [view] });
  const meter = provider.getMeter("service-check-test");
  const h = meter.createHistogram("http.server.request.duration", { unit: "s" });
  meter
    .createObservableGauge("process_resident_memory_bytes", { description: "Resident memory." })
    .addCallback((r) => r.observe(process.memoryUsage().rss));
  const a = await app(
    (method, route, _path, status, s) =>
      h.record(s, {
        "http.request.method": method,
        "http.route": route,
        "http.response.status_code": status,
      }),
    (req, res) => exporter.getMetricsRequestHandler(req, res),
  );
  return { ...a, provider };
}

/** Traffic, a scrape, more traffic, a second scrape: the two scrapes the check proves SLIs with. */
async function twoScrapes(a: App): Promise<string[]> {
  const traffic = async () => {
    for (let i = 0; i < 20; i++) await (await fetch(`${a.url}/users/${1000 + i}?tab=${i}`)).text();
  };
  await traffic();
  const first = await scrape(`${a.url}/metrics`);
  await traffic();
  const second = await scrape(`${a.url}/metrics`);
  return [first.text, second.text];
}

const CASES = [
  "prom-good",
  "otel-good",
  "otel-default-buckets",
  "prom-no-threshold",
  "otel-no-suffix",
  "prom-raw-routes",
] as const;
const reports = new Map<string, Report>();
let logsReports: Report[] = [];
const apps: App[] = [];
const providers: MeterProvider[] = [];

beforeAll(async () => {
  const built = {
    "prom-good": await promClientApp(GOOD_BUCKETS),
    "otel-good": await otelApp({ boundaries: GOOD_BUCKETS, rename: true }),
    "otel-default-buckets": await otelApp({ rename: true }),
    "prom-no-threshold": await promClientApp(NO_THRESHOLD),
    "otel-no-suffix": await otelApp({ boundaries: GOOD_BUCKETS, rename: false }),
    "prom-raw-routes": await promClientApp(GOOD_BUCKETS, { rawRoutes: true }),
  };
  for (const a of Object.values(built)) {
    apps.push(a);
    if ("provider" in a) providers.push(a.provider);
  }
  const scrapes = await Promise.all(CASES.map((c) => twoScrapes(built[c])));
  const results = await checkServices(
    CASES.map((c, k) => ({
      req,
      scrapes: scrapes[k]!,
      failOn: "error" as const,
      logs: built[c].logs.join("\n"),
    })),
  );
  for (const [k, c] of CASES.entries()) reports.set(c, results[k]!);
  // Logs alone: a service whose lines say `warn` and carry no request_id.
  const badLogs = await app(
    () => {},
    (_q, r) => r.end(""),
    { badLogs: true },
  );
  apps.push(badLogs);
  for (let i = 0; i < 6; i++) await (await fetch(`${badLogs.url}/users/${i}`)).text();
  logsReports = await checkServices([{ req, scrapes: [], failOn: "error", logs: badLogs.logs.join("\n") }]);
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => new Promise((r) => a.server.close(r))));
  await Promise.all(providers.map((p) => p.shutdown()));
});

const ids = (r: Report, level = "error") => r.findings.filter((f) => f.level === level).map((f) => f.id);

describe("service check on real instrumented services", () => {
  it.each(["prom-good", "otel-good"])(
    "%s: configured as the contract asks, passes and every SLI has a value",
    (c) => {
      const r = reports.get(c)!;
      expect(reportSchema.parse(r)).toEqual(r);
      expect(ids(r), JSON.stringify(r.findings, null, 1)).toEqual([]);
      expect(r.passed).toBe(true);
      const required = r.slis.filter((s) => s.required);
      expect(required.length).toBeGreaterThan(5);
      for (const s of required) expect(s.value, s.record).not.toBeNull();
      // Traffic had 5xx and slow requests: the SLIs are real ratios, not zeros.
      const errors = r.slis.find((s) => s.record === "job:http_server_request_errors:ratio_rate5m")!;
      expect(errors.value).toBeGreaterThan(0);
      expect(r.findings.map((f) => f.id)).toContain("sli.all-values");
      // Panels and the SLO alerts are named as what reads the SLIs.
      expect(required.flatMap((s) => s.dependents.map((d) => d.name))).toEqual(
        expect.arrayContaining(["AvailabilitySLOFastBurn", "LatencySLOFastBurn"]),
      );
    },
  );

  it("with the SDK's default (millisecond) boundaries, fails on ms-sized buckets and the threshold bucket", () => {
    const r = reports.get("otel-default-buckets")!;
    expect(r.passed).toBe(false);
    expect(ids(r)).toEqual(
      expect.arrayContaining(["histogram.milliseconds", "histogram.threshold-bucket", "sli.no-value"]),
    );
    const fix = r.findings.find((f) => f.id === "histogram.threshold-bucket")!;
    expect(fix.fix).toContain(`include ${THRESHOLD}`);
    expect(fix.dependents.map((d) => d.name)).toContain("LatencySLOFastBurn");
    // Availability does not depend on the buckets: its SLI still has a value.
    expect(
      r.slis.find((s) => s.record === "job:http_server_request_errors:ratio_rate5m")!.value,
    ).not.toBeNull();
    expect(r.slis.find((s) => s.record === "job:http_server_request_slow:ratio_rate5m")!.value).toBeNull();
  });

  it("without the threshold bucket, fails on it alone", () => {
    const r = reports.get("prom-no-threshold")!;
    expect(new Set(ids(r))).toEqual(new Set(["histogram.threshold-bucket", "sli.no-value"]));
    expect(r.findings.find((f) => f.id === "histogram.threshold-bucket")!.message).toMatch(
      /nearest: 0\.25 and 1/,
    );
  });

  it("with a translation that drops unit suffixes, names the near miss and every SLI is empty", () => {
    const r = reports.get("otel-no-suffix")!;
    const f = r.findings.find((x) => x.id === "metric.unit-suffix")!;
    expect(f.level).toBe("error");
    expect(f.subject).toBe("http_server_request_duration");
    expect(r.slis.filter((s) => s.required).every((s) => s.value === null)).toBe(true);
  });

  it("with raw URLs in http_route, reports unbounded values", () => {
    const r = reports.get("prom-raw-routes")!;
    const f = r.findings.find((x) => x.id === "label.unbounded" && x.level === "error")!;
    expect(f.subject).toBe("http_server_request_duration_seconds{http_route}");
    expect(f.message).toContain("/users/10");
  });

  it("with log lines without request_id or with unknown levels, fails with each", () => {
    const [r] = logsReports;
    expect(new Set(ids(r!))).toEqual(new Set(["log.request-id-missing", "log.level-unknown"]));
    expect(r!.findings.find((f) => f.id === "log.level-unknown")!.subject).toBe('level="warn"');
    expect(r!.slis).toEqual([]);
  });
});

describe("bucket bounds as Prometheus 3 stores them", () => {
  it("normalizes le exactly as promtool 3.5.3's own parser stores it", () => {
    // The OpenMetrics parser behind `promtool tsdb create-blocks-from openmetrics` is Prometheus'
    // scrape parser (textparse normalizeFloatsInLabelValues); `tsdb dump` prints what it stored.
    const written = [
      "0.250",
      "0.25",
      "1",
      "1.0",
      "10",
      "1e-05",
      "0.00001",
      "0.0001",
      "1000000",
      "100000",
      "2.5E-1",
      "1_000",
      "0x1p-2",
      "0x_1.8p1",
      "-0",
      "-1",
      "1e-400",
      "1e400",
      "0x10",
      "0b1",
      " 1",
      "1__0",
      "foo",
      "inf",
      "Infinity",
      "NaN",
      "nan",
      "-nan",
      "123456789012345678",
      "+Inf",
    ];
    const dir = mkdtempSync(join(tmpdir(), "le-"));
    try {
      const lines = written.map((le, i) => `h_bucket{i="${i}",le="${le}"} 1 1000`);
      const om = ["# TYPE h histogram", ...lines, "# EOF", ""].join("\n");
      writeFileSync(join(dir, "in.om"), om);
      const run = (args: string[]) => {
        const r = spawnSync(promtoolPath(), args, { encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout;
      };
      run(["tsdb", "create-blocks-from", "openmetrics", join(dir, "in.om"), join(dir, "data")]);
      mkdirSync(join(dir, "data", "wal"));
      const stored = new Map<number, string>();
      for (const m of run(["tsdb", "dump", join(dir, "data")]).matchAll(/i="(\d+)", le="([^"]*)"/g))
        stored.set(Number(m[1]), m[2]!);
      expect(stored.size).toBe(written.length);
      expect(written.map(normalizeLe)).toEqual(written.map((_, i) => stored.get(i)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("proves the SLIs on the bounds as Prometheus stores them, not as the client printed them", async () => {
    // Bounds printed in an exponent form the rules' le regex does not match ("0.5e0"): Prometheus
    // stores them normalized ("0.5"), so the threshold bucket is found and the slow SLI has a value.
    const sel = (status: number) =>
      `http_request_method="GET",http_route="/a",http_response_status_code="${status}"`;
    const text = [
      "# HELP http_server_request_duration_seconds Duration.",
      "# TYPE http_server_request_duration_seconds histogram",
      ...[200, 500].flatMap((status) => [
        ...GOOD_BUCKETS.map(
          (b) => `http_server_request_duration_seconds_bucket{${sel(status)},le="${b}e0"} ${b >= 1 ? 10 : 5}`,
        ),
        `http_server_request_duration_seconds_bucket{${sel(status)},le="+Inf"} 10`,
        `http_server_request_duration_seconds_sum{${sel(status)}} 9`,
        `http_server_request_duration_seconds_count{${sel(status)}} 10`,
      ]),
      "",
    ].join("\n");
    const [r] = await checkServices([{ req, scrapes: [text], failOn: "error" }]);
    expect(r!.findings.find((f) => f.id === "histogram.threshold-bucket")!.level).toBe("info");
    const slow = r!.slis.find((s) => s.record === "job:http_server_request_slow:ratio_rate5m")!;
    expect(slow.value).toBeGreaterThan(0);
    for (const s of r!.slis.filter((x) => x.required)) expect(s.value, s.record).not.toBeNull();
  }, 60_000);

  it("finds the threshold bucket however the client prints it", () => {
    const printed = THRESHOLD.toFixed(3); // e.g. "0.500"
    const text = [
      "# HELP http_server_request_duration_seconds Duration.",
      "# TYPE http_server_request_duration_seconds histogram",
      `http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/a",http_response_status_code="200",le="${printed}"} 1`,
      `http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/a",http_response_status_code="200",le="+Inf"} 1`,
      `http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/a",http_response_status_code="200"} 0.1`,
      `http_server_request_duration_seconds_count{http_request_method="GET",http_route="/a",http_response_status_code="200"} 1`,
    ].join("\n");
    const f = checkMetrics(req, parseExposition(text)).find((x) => x.id === "histogram.threshold-bucket")!;
    expect(f.level).toBe("info");
    expect(f.subject).toContain(`le="${normalizeLe(String(THRESHOLD))}"`);
  });
});
