/**
 * Expositions the check meets beyond prom-client's and the OpenTelemetry JS exporter's defaults:
 * UTF-8 names (what Prometheus 3's `escaping=allow-utf-8` lets an exporter send), checked against
 * Prometheus' own OpenMetrics parser (promtool) before the check reads them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseExposition } from "../../scripts/lib/service-check/exposition";
import { serviceRequirements } from "../../scripts/lib/service-check/requirements";
import { checkServices, promtoolPath } from "../../scripts/lib/service-check/run";
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
