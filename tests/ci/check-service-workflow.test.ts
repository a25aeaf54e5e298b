/**
 * The reusable service-check workflow's own scripts, run as a runner would run them: each `run:` of
 * the check job with its `env:` and `working-directory:` resolved from the inputs, in bash, against
 * a real prom-client service started by the workflow's start step, checked by the real promtool.
 * This proves the scripts, not only their YAML: the service starts, the check's exit code fails the
 * step by fail-on, and the comment carries the table.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

interface Step {
  name?: string;
  id?: string;
  run?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}
const workflow = parse(readFileSync(join(REPO_ROOT, ".github/workflows/check-service.yml"), "utf8"));
const steps = workflow.jobs.check.steps as Step[];
const step = (name: string): Step => {
  const s = steps.find((x) => x.name === name);
  if (!s?.run) throw new Error(`check-service.yml has no run step named ${name}`);
  return s;
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** A prom-client service with the contract's histogram; its JSON log lines go to standard output. */
const serverJs = (port: number, buckets: number[]) => `
const http = require("node:http");
const { Registry, Histogram, collectDefaultMetrics } = require(${JSON.stringify(require.resolve("prom-client"))});
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const h = new Histogram({ name: "http_server_request_duration_seconds", help: "Duration of HTTP server requests.",
  labelNames: ["http_request_method", "http_route", "http_response_status_code"], buckets: ${JSON.stringify(buckets)}, registers: [registry] });
let n = 0;
http.createServer(async (req, res) => {
  if (req.url === "/metrics") { res.setHeader("Content-Type", registry.contentType); return res.end(await registry.metrics()); }
  const status = ++n % 5 === 0 ? 500 : 200;
  res.statusCode = status; res.end("ok");
  const seconds = 0.001 + (n % 3) * 0.2;
  h.observe({ http_request_method: "GET", http_route: "/users/:id", http_response_status_code: status }, seconds);
  console.log(JSON.stringify({ timestamp: new Date().toISOString(), level: status === 500 ? "ERROR" : "INFO",
    service: "api", message: "GET " + status, request_id: "req-" + n, duration_ms: Math.round(seconds * 1000) }));
}).listen(${port}, "127.0.0.1");
`;
const trafficJs = (port: number) => `
(async () => { for (let i = 1; i <= 30; i++) await fetch("http://127.0.0.1:${port}/users/" + i); })();
`;

const dirs: string[] = [];
const pids: number[] = [];
afterAll(() => {
  for (const pid of pids)
    try {
      process.kill(pid);
    } catch {}
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the check job's start, wait, check and comment steps as the runner would. */
async function runJob(buckets: number[], failOn: string) {
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), "check-service-workflow-"));
  dirs.push(root);
  const workspace = join(root, "workspace");
  const temp = join(root, "temp");
  mkdirSync(join(workspace, "app", "svc"), { recursive: true });
  mkdirSync(temp);
  // The platform checkout: this repository (its .tools/bin holds promtool).
  symlinkSync(REPO_ROOT, join(workspace, "platform"));
  writeFileSync(join(workspace, "app", "svc", "server.cjs"), serverJs(port, buckets));
  writeFileSync(join(workspace, "app", "svc", "traffic.cjs"), trafficJs(port));
  const outcomes: Record<string, string> = {};
  const ctx: Record<string, string> = {
    "inputs.platform-repository": "example/observability",
    "inputs.platform-ref": "v1.0.0",
    "inputs.stack": "dev",
    "inputs.service": "api",
    // Hostile-looking but legal: the commands reach the shell only as variables.
    "inputs.start": "node server.cjs",
    "inputs.traffic": "node traffic.cjs",
    "inputs.metrics-url": `http://127.0.0.1:${port}/metrics`,
    "inputs.log-file": "",
    "inputs.fail-on": failOn,
    "inputs.interval": "3",
    "inputs.ready-timeout": "30",
    "inputs.working-directory": "svc",
    "github.workspace": workspace,
    "github.server_url": "https://github.com",
    "github.repository": "example/app",
    "github.run_id": "1",
  };
  const expand = (s: string) =>
    s.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, expr: string) => {
      const m = /^steps\.(\w+)\.outcome$/.exec(expr);
      const v = m ? (outcomes[m[1]!] ?? "skipped") : ctx[expr];
      if (v === undefined) throw new Error(`the test does not model \${{ ${expr} }}`);
      return v;
    });
  const summary = join(temp, "summary.md");
  const statuses: Record<string, number | null> = {};
  for (const name of [
    "Start the service",
    "Wait for its metrics",
    "Drive traffic and check the service",
    "Write the comment",
  ]) {
    const s = step(name);
    const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expand(String(v))]));
    const script = join(temp, `step-${Object.keys(statuses).length}.sh`);
    writeFileSync(script, s.run!);
    // GitHub's `shell: bash`.
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: join(workspace, expand(s["working-directory"] ?? ".")),
      env: { ...process.env, ...env, RUNNER_TEMP: temp, GITHUB_STEP_SUMMARY: summary },
      encoding: "utf8",
      timeout: 180_000,
    });
    statuses[name] = r.status;
    if (s.id) outcomes[s.id] = r.status === 0 ? "success" : "failure";
    if (name === "Start the service") pids.push(Number(readFileSync(join(temp, "service.pid"), "utf8")));
    if (name === "Wait for its metrics") expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }
  const report = JSON.parse(readFileSync(join(temp, "service-check.json"), "utf8"));
  const comment = readFileSync(join(temp, "service-check", "comment.md"), "utf8");
  return { statuses, report, comment, summary: readFileSync(summary, "utf8") };
}

describe("check-service.yml's scripts on a real service (prom-client, promtool)", () => {
  it("a service as the contract asks: the check passes, the comment carries the table", async () => {
    const { statuses, report, comment, summary } = await runJob(
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      "error",
    );
    expect(statuses["Drive traffic and check the service"], comment).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.service).toBe("api");
    // Logs came from the service's standard output (log-file empty): read (no log.empty) and clean.
    expect(
      report.findings.map((f: { id: string }) => f.id).filter((id: string) => id.startsWith("log.")),
    ).toEqual([]);
    expect(comment).toContain("### Service check: `api` against stack `dev`: passed");
    expect(comment).toContain("job:http_server_request_errors:ratio_rate5m");
    expect(comment).toContain("PASSED (fail on error)");
    expect(summary).toBe(comment);
  }, 240_000);

  it("a service in milliseconds: the check step fails by fail-on, the comment says why", async () => {
    const { statuses, report, comment } = await runJob([5, 10, 25, 50, 100, 250, 500, 1000], "error");
    expect(statuses["Drive traffic and check the service"]).toBe(1);
    expect(statuses["Write the comment"]).toBe(0);
    expect(report.passed).toBe(false);
    expect(comment).toContain("FAILED (fail on error)");
    expect(comment).toMatch(/ERROR +histogram\./);
  }, 240_000);
});
