/**
 * Instrumented services for the service check's tests, built on 127.0.0.1 with real client
 * libraries: prom-client 15 and the OpenTelemetry JS SDK's Prometheus exporter. Each answers its
 * traffic, records it as its kind's contract (or its query overrides) asks, and logs a JSON line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { AggregationType, MeterProvider, type ViewOptions } from "@opentelemetry/sdk-metrics";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { scrape } from "../../scripts/lib/service-check/run";

/** One request handled: its method, route template, path, status and duration. */
type Recorder = (method: string, route: string, path: string, status: number, seconds: number) => void;

export interface App {
  url: string;
  logs: string[];
  server: Server;
  provider?: MeterProvider;
}

export interface AppOptions {
  /** The configured service the log lines name. */
  service?: string;
  /** Record the request's path as its route (raw URLs in `http_route`). */
  rawRoutes?: boolean;
  /** Lines that say `warn` and carry no `request_id`. */
  badLogs?: boolean;
  /** Work of no request (a worker's job run): lines of scope `process`. */
  processScope?: boolean;
  /** Before answering, call this URL (an outbound HTTP call) and hand its outcome to `recordCall`. */
  outbound?: { url: string; recordCall: Recorder };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A service: each request but /metrics answers 200 (every fifth 500), is recorded with `record`
 * under its route template (or its path, with `rawRoutes`), and logs a JSON line.
 */
export async function app(
  record: Recorder,
  metrics: (req: IncomingMessage, res: ServerResponse) => void,
  opts: AppOptions = {},
): Promise<App> {
  const logs: string[] = [];
  let n = 0;
  const server = createServer(async (req, res) => {
    if (req.url === "/metrics") return metrics(req, res);
    const start = process.hrtime.bigint();
    const k = ++n;
    if (opts.outbound) {
      const t = process.hrtime.bigint();
      const r = await fetch(opts.outbound.url);
      await r.text();
      const u = new URL(opts.outbound.url);
      opts.outbound.recordCall(
        "GET",
        u.hostname,
        u.pathname,
        r.status,
        Number(process.hrtime.bigint() - t) / 1e9,
      );
    }
    const status = k % 5 === 0 ? 500 : 200;
    res.statusCode = status;
    res.end("ok");
    const seconds = Number(process.hrtime.bigint() - start) / 1e9 + (k % 3) * 0.2;
    const path = (req.url ?? "/").split("?")[0]!;
    record(req.method ?? "GET", opts.rawRoutes ? path : "/users/:id", path, status, seconds);
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level: opts.badLogs && k % 2 === 0 ? "warn" : status === 500 ? "ERROR" : "INFO",
      service: opts.service ?? "api",
      message: `GET ${status}`,
      duration_ms: Math.round(seconds * 1000),
    };
    if (opts.processScope) line.scope = "process";
    else if (!opts.badLogs) line.request_id = `req-${k}`;
    logs.push(JSON.stringify(line));
  });
  return { url: await listen(server), logs, server };
}

/** A destination for outbound calls: answers 200. */
export async function destination(): Promise<App> {
  const server = createServer((_req, res) => res.end("pong"));
  return { url: await listen(server), logs: [], server };
}

const serve = (registry: Registry) => async (_req: IncomingMessage, res: ServerResponse) => {
  res.setHeader("Content-Type", registry.contentType);
  res.end(await registry.metrics());
};

/** The contract's labels of `http.server.request.duration`, as prom-client label names. */
const SERVER_LABELS = ["http_request_method", "http_route", "http_response_status_code"] as const;

/**
 * prom-client, its default metrics (process_resident_memory_bytes, process_open_fds, …), the HTTP
 * server histogram with `buckets` and, with `outbound`, the HTTP client histogram of the calls.
 */
export async function promClientApp(
  buckets: number[],
  opts: Omit<AppOptions, "outbound"> & { outbound?: string } = {},
): Promise<App> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const h = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests.",
    labelNames: SERVER_LABELS,
    buckets,
    registers: [registry],
  });
  const calls = new Histogram({
    name: "http_client_request_duration_seconds",
    help: "Duration of outbound HTTP calls.",
    labelNames: ["http_request_method", "server_address", "http_response_status_code"],
    buckets,
    registers: opts.outbound ? [registry] : [],
  });
  const { outbound, ...rest } = opts;
  return app(
    (method, route, _path, status, s) =>
      h.observe({ http_request_method: method, http_route: route, http_response_status_code: status }, s),
    serve(registry),
    {
      ...rest,
      ...(outbound
        ? {
            outbound: {
              url: outbound,
              recordCall: (method, host, _p, status, s) =>
                calls.observe(
                  { http_request_method: method, server_address: host, http_response_status_code: status },
                  s,
                ),
            },
          }
        : {}),
    },
  );
}

/**
 * A worker (prom-client): each request is a run of the background job `import` that processes a
 * few items, recorded in `background_job_duration_seconds` (seconds buckets, with bounds above the
 * slow-job threshold) and `background_job_items_processed_total`; no HTTP server histogram.
 */
export async function workerApp(service: string): Promise<App> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runs = new Histogram({
    name: "background_job_duration_seconds",
    help: "Duration of finished background job runs.",
    labelNames: ["job_name", "outcome"],
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600],
    registers: [registry],
  });
  const items = new Counter({
    name: "background_job_items_processed_total",
    help: "Items background jobs processed.",
    labelNames: ["job_name"],
    registers: [registry],
  });
  return app(
    (_m, _r, _p, status, s) => {
      runs.observe({ job_name: "import", outcome: status === 500 ? "failure" : "success" }, s);
      items.inc({ job_name: "import" }, 3 + Math.round(s * 10));
    },
    serve(registry),
    { service, processScope: true },
  );
}

/**
 * A service whose stack config overrides its request and error queries to read its own counter
 * `myapp_requests_total{code}` (prom-client); its latency histogram has no status code label.
 * Without `counter` it exposes the histogram alone.
 */
export async function overridingApp(service: string, buckets: number[], counter: boolean): Promise<App> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const h = new Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of HTTP server requests.",
    labelNames: ["http_request_method", "http_route"],
    buckets,
    registers: [registry],
  });
  const requests = new Counter({
    name: "myapp_requests_total",
    help: "Requests answered, by status code.",
    labelNames: ["code"],
    registers: counter ? [registry] : [],
  });
  return app(
    (method, route, _p, status, s) => {
      h.observe({ http_request_method: method, http_route: route }, s);
      requests.inc({ code: String(status) });
    },
    serve(registry),
    { service },
  );
}

/**
 * OpenTelemetry: `http.server.request.duration` in seconds, its semantic conventions' attributes.
 * The JS exporter never appends unit suffixes; `rename` is the View that gives the contract's name.
 */
export async function otelApp(opts: { boundaries?: number[]; rename: boolean }): Promise<App> {
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
export async function twoScrapes(a: App): Promise<string[]> {
  const traffic = async () => {
    for (let i = 0; i < 20; i++) await (await fetch(`${a.url}/users/${1000 + i}?tab=${i}`)).text();
  };
  await traffic();
  const first = await scrape(`${a.url}/metrics`);
  await traffic();
  const second = await scrape(`${a.url}/metrics`);
  return [first.text, second.text];
}
