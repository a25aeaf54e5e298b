/**
 * The service check against real instrumented services on 127.0.0.1 (./services.ts: prom-client
 * and the OpenTelemetry JS SDK's Prometheus exporter), of every kind and with query overrides:
 * scraped with Prometheus' headers, linted by the real promtool, and every SLI proved by the real
 * `promtool test rules` on the stack's rendered rules, all services in as few runs as the batching
 * allows (two: the overriding service's two cases are one (namespace, job) its rules name).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET_RECORDS, RESOURCE_RECORD } from "../../infra/catalog/recording-rules";
import { normalizeLe, parseExposition } from "../../scripts/lib/service-check/exposition";
import { type Report, reportSchema } from "../../scripts/lib/service-check/findings";
import { checkMetrics } from "../../scripts/lib/service-check/metrics";
import { serviceRequirements } from "../../scripts/lib/service-check/requirements";
import {
  type CheckInput,
  checkServices,
  proofBatches,
  proofNamespaces,
  promtoolPath,
} from "../../scripts/lib/service-check/run";
import { stackConfig } from "../../scripts/lib/stack-config";
import {
  type App,
  app,
  destination,
  otelApp,
  overridingApp,
  promClientApp,
  twoScrapes,
  workerApp,
} from "./services";

const STACK = "dev";
/** A service whose request and error queries read a counter of its own (`services[].queries`). */
const OVERRIDING = "legacy";
const own = (extra = "") =>
  `sum(rate(myapp_requests_total{namespace="{{namespace}}",job="{{job}}"${extra}}[{{window}}]))`;
const base = stackConfig(STACK);
const config = stackConfig(STACK, {
  services: [
    ...base.services,
    {
      name: OVERRIDING,
      team: base.services[0]!.team,
      kind: "backend",
      namespace: base.services[0]!.namespace,
      queries: {
        requestRate: own(),
        errorRate: own(',code=~"5.."'),
        errorRatio: `${own(',code=~"5.."')} / ${own()}`,
      },
    },
  ],
});
const req = serviceRequirements(config, STACK, "api");
const worker = serviceRequirements(config, STACK, base.services.find((s) => s.kind === "worker")!.name);
const frontend = serviceRequirements(config, STACK, base.services.find((s) => s.kind === "frontend")!.name);
const legacy = serviceRequirements(config, STACK, OVERRIDING);
const THRESHOLD = req.latencyThresholdSeconds!;
/** Seconds buckets with the SLO threshold, and without it. */
const GOOD_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NO_THRESHOLD = GOOD_BUCKETS.filter((b) => b !== THRESHOLD);
const bucketsFor = (t: number) => [...new Set([...GOOD_BUCKETS, t])].sort((a, b) => a - b);

/**
 * One scrape of bounds printed in an exponent form the rules' le regex does not match ("0.5e0"):
 * Prometheus stores them normalized ("0.5"), so the threshold bucket is found.
 */
function exponentBounds(): string {
  const sel = (status: number) =>
    `http_request_method="GET",http_route="/a",http_response_status_code="${status}"`;
  return [
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
}

let inputs: CheckInput[] = [];
const reports = new Map<string, Report>();
let logsReports: Report[] = [];
const apps: App[] = [];

beforeAll(async () => {
  const dest = await destination();
  apps.push(dest);
  const built = {
    "prom-good": { req, app: await promClientApp(GOOD_BUCKETS, { outbound: `${dest.url}/ping` }) },
    "otel-good": { req, app: await otelApp({ boundaries: GOOD_BUCKETS, rename: true }) },
    "otel-default-buckets": { req, app: await otelApp({ rename: true }) },
    "prom-no-threshold": { req, app: await promClientApp(NO_THRESHOLD) },
    "otel-no-suffix": { req, app: await otelApp({ boundaries: GOOD_BUCKETS, rename: false }) },
    "prom-raw-routes": { req, app: await promClientApp(GOOD_BUCKETS, { rawRoutes: true }) },
    worker: { req: worker, app: await workerApp(worker.service.name) },
    frontend: {
      req: frontend,
      app: await promClientApp(bucketsFor(frontend.latencyThresholdSeconds!), {
        service: frontend.service.name,
      }),
    },
    "override-good": {
      req: legacy,
      app: await overridingApp(OVERRIDING, bucketsFor(legacy.latencyThresholdSeconds!), true),
    },
    "override-missing": {
      req: legacy,
      app: await overridingApp(OVERRIDING, bucketsFor(legacy.latencyThresholdSeconds!), false),
    },
  };
  const cases = Object.entries(built);
  apps.push(...cases.map(([, c]) => c.app));
  const scrapes = await Promise.all(cases.map(([, c]) => twoScrapes(c.app)));
  inputs = [
    ...cases.map(([, c], k) => ({
      req: c.req,
      scrapes: scrapes[k]!,
      failOn: "error" as const,
      logs: c.app.logs.join("\n"),
    })),
    // Bounds as a client may print them, one scrape: the same run as the others.
    { req, scrapes: [exponentBounds()], failOn: "error" as const },
  ];
  const results = await checkServices(inputs);
  for (const [k, [c]] of cases.entries()) reports.set(c, results[k]!);
  reports.set("exponent-bounds", results.at(-1)!);
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
  await Promise.all(apps.map((a) => a.provider?.shutdown()));
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

const sli = (r: Report, record: string) => r.slis.find((s) => s.record === record);

describe("every record family, every kind of service, and query overrides", () => {
  it("proves the outbound-call and descriptor records of a prom-client service that calls out", () => {
    const r = reports.get("prom-good")!;
    const external = FLEET_RECORDS.filter((f) => f.reads.includes("httpClientDuration")).map((f) => f.record);
    expect(external.length).toBe(3);
    for (const record of [...external, RESOURCE_RECORD.fdsFloor])
      expect(sli(r, record)?.value, record).not.toBeNull();
    expect(sli(r, external[0]!)!.value).toBeGreaterThan(0);
    // Status codes are numbers by design, not ids.
    expect(r.findings.filter((f) => f.id === "label.unbounded")).toEqual([]);
    expect(sli(r, external[0]!)!.dependents.map((d) => d.name)).toContain("ExternalDependencyDegraded");
    // Never asked of the service's scrape: named once, with what provides them in the cluster.
    const cluster = r.findings.find((f) => f.id === "sli.cluster-side")!;
    expect(cluster.level).toBe("info");
    for (const c of req.clusterRecords) {
      expect(cluster.subject).toContain(c.record);
      expect(sli(r, c.record)).toBeUndefined();
    }
    expect(cluster.message).toMatch(/container_cpu_usage_seconds_total \(cadvisor\)/);
    expect(cluster.message).toMatch(/kube-state-metrics/);
    expect(cluster.message).toMatch(/probe_success\{job="dependency-probe"/);
    // The labels the outbound-call records select and aggregate on are required of the histogram.
    expect([...req.labelsRead.get("httpClientDuration")!]).toEqual(
      expect.arrayContaining(["server_address", "http_response_status_code"]),
    );
  });

  it("proves all of them in two promtool runs: the overriding service's two cases cannot share one", () => {
    const namespaces = proofNamespaces(inputs);
    const runs = proofBatches(
      inputs.map((i, k) => ({ rules: "one", namespace: namespaces[k]!, job: i.req.service.name })),
    );
    expect(runs.length).toBe(2);
    expect(new Set(inputs.map((i) => JSON.stringify(i.req.ruleFile))).size).toBe(1);
    expect(namespaces[inputs.findIndex((i) => i.req === legacy)]).toBe(legacy.service.namespace);
    // A service proved under another namespace still gets the records that join job:service:info.
    const renamed = [...reports.keys()].indexOf("prom-raw-routes");
    expect(namespaces[renamed]).toMatch(/^check-/);
    expect(sli(reports.get("prom-raw-routes")!, RESOURCE_RECORD.fdsFloor)!.value).toBeGreaterThan(0);
  });

  it("a worker (prom-client): passes, its job records have values, nothing about HTTP serving", () => {
    const r = reports.get("worker")!;
    expect(r.kind).toBe("worker");
    expect(ids(r), JSON.stringify(r.findings, null, 1)).toEqual([]);
    const jobs = r.slis.filter((s) =>
      worker.records.some((x) => x.record === s.record && x.topic === "jobs"),
    );
    expect(jobs.length).toBe(3);
    for (const s of jobs) expect(s.value, s.record).not.toBeNull();
    expect(r.findings.filter((f) => /http_server|threshold/.test(`${f.subject} ${f.id}`))).toEqual([]);
    expect(r.slis.filter((s) => s.record.includes("http_server"))).toEqual([]);
  });

  it("a frontend (prom-client): its server side as the contract asks, passes with every SLI valued", () => {
    const r = reports.get("frontend")!;
    expect(r.kind).toBe("frontend");
    expect(ids(r), JSON.stringify(r.findings, null, 1)).toEqual([]);
    const required = r.slis.filter((s) => s.required);
    expect(required.length).toBeGreaterThan(5);
    for (const s of required) expect(s.value, s.record).not.toBeNull();
  });

  it("reads an overridden query's own series, not the contract metric, for its records", () => {
    const errorRatio = legacy.records.filter((r) =>
      r.record.startsWith("job:http_server_request_errors:ratio"),
    );
    expect(errorRatio.length).toBeGreaterThan(0);
    for (const r of errorRatio) {
      expect(r.override, r.record).toEqual({ query: "errorRatio", metrics: ["myapp_requests_total"] });
      expect(r.reads).toEqual([]);
    }
    expect(legacy.overrideMetrics.get("myapp_requests_total")!.required).toBe(true);
    // No record that selects on the histogram's status code is left for this service.
    expect(legacy.labelsRead.get("httpServerDuration")!.has("http_response_status_code")).toBe(false);
    expect(req.labelsRead.get("httpServerDuration")!.has("http_response_status_code")).toBe(true);
  });

  it("a service with query overrides exposing their counter passes, the overridden SLIs valued", () => {
    const r = reports.get("override-good")!;
    expect(ids(r), JSON.stringify(r.findings, null, 1)).toEqual([]);
    for (const s of r.slis.filter((x) => x.required)) expect(s.value, s.record).not.toBeNull();
    expect(sli(r, "job:http_server_request_errors:ratio_rate5m")!.value).toBeGreaterThan(0);
    expect(r.findings.find((f) => f.id === "override.present")!.subject).toBe("myapp_requests_total");
    // Its histogram has no status code: no record of this service needs one.
    const label = r.findings.find(
      (f) => f.subject === "http_server_request_duration_seconds{http_response_status_code}",
    );
    expect(label?.level).toBe("warning");
  });

  it("the same service exposing nothing for its overrides fails, naming the override's series", () => {
    const r = reports.get("override-missing")!;
    expect(r.passed).toBe(false);
    const f = r.findings.find((x) => x.id === "override.missing")!;
    expect(f.level).toBe("error");
    expect(f.subject).toBe("myapp_requests_total");
    expect(f.message).toContain(`services[${OVERRIDING}].queries.`);
    expect(f.dependents.map((d) => d.name)).toContain("AvailabilitySLOFastBurn");
    expect(new Set(ids(r))).toEqual(new Set(["override.missing", "sli.no-value"]));
    expect(sli(r, "job:http_server_request_errors:ratio_rate5m")!.value).toBeNull();
    // The latency SLI reads the contract histogram, which it exposes.
    expect(sli(r, "job:http_server_request_slow:ratio_rate5m")!.value).not.toBeNull();
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

  it("proves the SLIs on the bounds as Prometheus stores them, not as the client printed them", () => {
    // Printed "0.5e0", stored "0.5": the threshold bucket is found and the slow SLI has a value.
    const r = reports.get("exponent-bounds")!;
    expect(r.findings.find((f) => f.id === "histogram.threshold-bucket")!.level).toBe("info");
    const slow = r.slis.find((s) => s.record === "job:http_server_request_slow:ratio_rate5m")!;
    expect(slow.value).toBeGreaterThan(0);
    for (const s of r.slis.filter((x) => x.required)) expect(s.value, s.record).not.toBeNull();
  });

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
