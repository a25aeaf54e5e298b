/**
 * Expositions the check meets beyond prom-client's and the OpenTelemetry JS exporter's defaults:
 * UTF-8 names (what Prometheus 3's `escaping=allow-utf-8` lets an exporter send), checked against
 * Prometheus' own OpenMetrics parser (promtool) before the check reads them, and a service that
 * answers Prometheus in OpenMetrics.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { AggregationType, MeterProvider } from "@opentelemetry/sdk-metrics";
import { Counter, Histogram, type OpenMetricsContentType, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseExposition } from "../../scripts/lib/service-check/exposition";
import { checkLogs } from "../../scripts/lib/service-check/logs";
import { checkMetrics } from "../../scripts/lib/service-check/metrics";
import { serviceRequirements } from "../../scripts/lib/service-check/requirements";
import { checkServices, lintText, promtoolPath, scrape } from "../../scripts/lib/service-check/run";
import { stackConfig } from "../../scripts/lib/stack-config";

const STACK = "dev";
const req = serviceRequirements(stackConfig(STACK), STACK, "api");
const THRESHOLD = req.latencyThresholdSeconds!;
const BUCKETS = [...new Set([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, THRESHOLD])].sort(
  (a, b) => a - b,
);

/**
 * The HTTP server histogram in OpenMetrics 1.0.0, its names written by `name` (a metric name) and
 * `label` (a label name): quoted where they are not legal unquoted, as the UTF-8 syntax has it.
 */
function histogram(opts: { utf8: boolean; buckets?: number[]; route?: (k: number) => string }): string {
  const metric = opts.utf8 ? "http.server.request.duration_seconds" : "http_server_request_duration_seconds";
  const label = (n: string) => (opts.utf8 ? `"${n.replaceAll("_", ".")}"` : n);
  const sample = (suffix: string, labels: string, value: number) =>
    opts.utf8 ? `{"${metric}${suffix}",${labels}} ${value}` : `${metric}${suffix}{${labels}} ${value}`;
  const name = opts.utf8 ? `"${metric}"` : metric;
  const lines = [`# TYPE ${name} histogram`, `# UNIT ${name} seconds`, `# HELP ${name} Duration.`];
  for (const [k, status] of [200, 500].entries()) {
    const route = opts.route?.(k) ?? "/users/:id";
    const sel = `${label("http_request_method")}="GET",${label("http_route")}="${route}",${label("http_response_status_code")}="${status}"`;
    lines.push(
      ...(opts.buckets ?? BUCKETS).map((b) => sample("_bucket", `${sel},le="${b}"`, b >= THRESHOLD ? 10 : 4)),
      sample("_bucket", `${sel},le="+Inf"`, 10),
      sample("_count", sel, 10),
      sample("_sum", sel, 3),
    );
  }
  return [...lines, "# EOF", ""].join("\n");
}

/** The text as Prometheus' own OpenMetrics parser reads it: an error when it refuses it. */
function prometheusAccepts(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), "om-"));
  try {
    // OpenMetrics backfill needs timestamps; Prometheus' scrape parser is the same one.
    const stamped = text.replace(/^([^#\n].*) (\S+)$/gm, "$1 $2 1700000000");
    writeFileSync(join(dir, "in.om"), stamped);
    const r = spawnSync(promtoolPath(), ["tsdb", "create-blocks-from", "openmetrics", "in.om", "blocks"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("UTF-8 metric and label names", () => {
  it("reads them, names the escaped contract metric and label, and proves the SLIs empty", async () => {
    const utf8 = histogram({ utf8: true });
    const plain = histogram({ utf8: false });
    prometheusAccepts(utf8);
    prometheusAccepts(plain);
    const ex = parseExposition(utf8);
    expect(ex.unreadable).toEqual([]);
    expect([...ex.families.keys()]).toContain("http.server.request.duration_seconds");
    const [bad, good] = await checkServices([
      { req, scrapes: [utf8], failOn: "error" },
      { req, scrapes: [plain], failOn: "error" },
    ]);
    const errors = bad!.findings.filter((f) => f.level === "error");
    expect(errors.map((f) => f.id)).toContain("metric.utf8-name");
    expect(errors.map((f) => f.id)).not.toContain("exposition.unreadable");
    expect(errors.map((f) => f.id)).not.toContain("sli.proof-failed");
    const route = bad!.findings.find((f) => f.id === "label.missing" && f.subject.endsWith("{http_route}"));
    expect(route?.message).toContain("has `http.route` where the rules read `http_route`");
    expect(bad!.slis.filter((s) => s.required).every((s) => s.value === null)).toBe(true);
    // The same service with underscore names: every SLI the SLO alerts read has a value.
    expect(good!.findings.filter((f) => f.level === "error")).toEqual([]);
    expect(good!.slis.filter((s) => s.required).every((s) => s.value !== null)).toBe(true);
  });
});

/**
 * prom-client with exemplars, answering in OpenMetrics when asked for it and in the text format
 * otherwise, as Python's prometheus_client and Go's client with OpenMetrics enabled negotiate.
 */
async function negotiating(): Promise<{ url: string; close: () => Promise<void> }> {
  const om = new Registry<OpenMetricsContentType>();
  om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const text = new Registry();
  for (const r of [om, text]) {
    const h = new Histogram({
      name: "http_server_request_duration_seconds",
      help: "Duration of HTTP server requests.",
      labelNames: ["http_request_method", "http_route", "http_response_status_code", "trace_id"],
      buckets: BUCKETS,
      registers: [r],
      enableExemplars: r === om,
    });
    const c = new Counter({ name: "myapp_requests_total", help: "Requests.", registers: [r] });
    const labels = { http_request_method: "GET", http_route: "/users/:id", http_response_status_code: 200 };
    if (r === om) h.observe({ labels, value: 0.1, exemplarLabels: { trace_id: "abc" } });
    else h.observe(labels, 0.1);
    c.inc();
  }
  const server = createServer(async (req, res) => {
    const r = /application\/openmetrics-text/.test(req.headers.accept ?? "") ? om : text;
    res.setHeader("Content-Type", r.contentType);
    res.end(await r.metrics());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("a service that answers Prometheus in OpenMetrics", () => {
  it("is linted by promtool on its text-format answer, so OpenMetrics syntax is no lint warning", async () => {
    const svc = await negotiating();
    try {
      const answer = await scrape(svc.url);
      expect(answer.contentType).toMatch(/^application\/openmetrics-text/);
      expect(answer.text).toContain(" # {trace_id=");
      const text = await lintText(svc.url, answer);
      expect(text).toBeDefined();
      const [withText, withoutText] = await checkServices([
        { req, scrapes: [answer.text], lintText: text!, failOn: "warning" },
        { req, scrapes: [answer.text], failOn: "warning" },
      ]);
      // Fed the OpenMetrics answer, promtool's text parser stops at the first exemplar.
      const lintOf = (r: typeof withText) => r!.findings.filter((f) => f.id === "promtool.lint");
      expect(
        lintOf(withoutText)
          .map((f) => f.message)
          .join("\n"),
      ).toMatch(/parsing error/);
      expect(lintOf(withText)).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});

const findingsOf = (text: string) => checkMetrics(req, parseExposition(text));

describe("promtool's lint", () => {
  it("warns on a family the platform reads and only notes a client library's own", () => {
    // Lines as promtool 3.5 prints them for prom-client's default gauges and for a contract histogram.
    const lint = [
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      "http_server_request_duration_seconds_bucket no help text",
    ];
    const levels = checkMetrics(req, parseExposition(histogram({ utf8: false })), { lint })
      .filter((f) => f.id === "promtool.lint")
      .map((f) => [f.subject, f.level]);
    expect(levels).toEqual([
      ["nodejs_active_handles_total", "info"],
      ["http_server_request_duration_seconds_bucket", "warning"],
    ]);
  });
});

describe("bucket bounds and route values that are not what they look like", () => {
  it("a seconds histogram with buckets up to 120 s is no millisecond histogram; one from 1 to 500 is", () => {
    const slowUploads = findingsOf(histogram({ utf8: false, buckets: [...BUCKETS, 30, 60, 120] }));
    expect(slowUploads.map((f) => f.id)).not.toContain("histogram.milliseconds");
    expect(slowUploads.filter((f) => f.level === "error")).toEqual([]);
    const ms = findingsOf(histogram({ utf8: false, buckets: [1, 5, 10, 50, 100, 250, 500] }));
    expect(ms.find((f) => f.id === "histogram.milliseconds")?.level).toBe("error");
  });

  it("a long route word is a route; a long token with digits is an id", () => {
    const words = findingsOf(histogram({ utf8: false, route: () => "/account/password-reset-confirmation" }));
    expect(words.map((f) => f.id)).not.toContain("label.unbounded");
    const ids = findingsOf(histogram({ utf8: false, route: (k) => `/files/Zx8kQ2mP7rT9vW3yB6nD4fH${k}` }));
    expect(ids.find((f) => f.id === "label.unbounded")?.level).toBe("error");
  });
});

describe("an exponential histogram (OpenTelemetry JS SDK)", () => {
  it("is named as what the exporter cannot write in the text formats, with the aggregation to use", async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    const provider = new MeterProvider({
      readers: [exporter],
      views: [
        {
          instrumentName: "http.server.request.duration",
          name: "http.server.request.duration_seconds",
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
        },
      ],
    });
    try {
      const h = provider.getMeter("check").createHistogram("http.server.request.duration", { unit: "s" });
      h.record(0.1, { "http.request.method": "GET", "http.route": "/a", "http.response.status_code": 200 });
      const server = createServer((q, r) => exporter.getMetricsRequestHandler(q, r));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      try {
        const { text } = await scrape(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
        const f = findingsOf(text).find((x) => x.id === "metric.type");
        expect(f?.level).toBe("error");
        expect(f?.message).toMatch(/no samples: an exponential/);
        expect(f?.fix).toMatch(/explicit-bucket histogram/);
      } finally {
        await new Promise((r) => server.close(r));
      }
    } finally {
      await provider.shutdown();
    }
  });
});

describe("log fields the pipeline removes", () => {
  it("a dotted logging.redactFields entry is a path: a line carrying it is told so", () => {
    const base = stackConfig(STACK);
    const config = stackConfig(STACK, {
      logging: { ...base.logging, redactFields: ["payment.details"] },
    });
    const withPath = serviceRequirements(config, STACK, "api");
    const line = JSON.stringify({
      timestamp: "2026-01-01T00:00:00Z",
      level: "INFO",
      service: "api",
      request_id: "r1",
      message: "paid",
      payment: { details: "4111" },
    });
    const f = checkLogs(withPath, line).find((x) => x.id === "log.sensitive-field");
    expect(f?.subject).toBe("payment.details");
    expect(checkLogs(req, line).map((x) => x.id)).not.toContain("log.sensitive-field");
  });
});
