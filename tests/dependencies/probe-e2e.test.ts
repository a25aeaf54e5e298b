import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttp, type Server } from "node:http";
import { createServer as createTcp, type Server as TcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPENDENCY_PROBE, RECORD } from "../../infra/catalog/recording-rules";
import { DEPENDENCY_BLACKBOX_ARTIFACT, DEPENDENCY_MODULES } from "../../infra/generators/dependencies";
import type { RuleFile } from "../../infra/generators/metrics/rules";
import { freePort, Prometheus, type Sample, sleep } from "../../scripts/lib/bench-rules/prometheus";
import { parsePromql } from "../grafana/promql";
import { rendered } from "../helpers/render";
import { requireTool } from "../helpers/tools";
import { operatorScrapeConfig, type ProbeObject } from "./operator";

/**
 * The declared dependencies end to end, on the real tools: the blackbox exporter (Debian's build
 * of the deployed release) loads the rendered module config and probes a loopback HTTP server and
 * a loopback TCP port; Prometheus 3 scrapes it the way prometheus-operator turns the rendered
 * Probes of `api` into scrape configs, and evaluates the rendered rules as they are. Both
 * dependencies up, then down (503, then the port closed): probe_success follows, and DependencyDown
 * fires for each with the dependency's priority and api's team. Scrapes and evaluations every
 * second, a test-only setting: the rule's 5-minute window holds only the few seconds of history
 * there are, so most probes failed a few seconds after the outage.
 */

const r = rendered("dev");
const artifact = (path: string) => r.artifacts.find((a) => a.path === path)!.content;
const api = r.config.services.find((s) => s.name === "api")!;
const probes = r.resources
  .filter((x) => x.type === "kubernetes:monitoring.coreos.com/v1:Probe")
  .map((x) => x.inputs as unknown as ProbeObject)
  .filter(
    (p) => p.spec.jobName === DEPENDENCY_PROBE.job && p.spec.targets.staticConfig.labels?.service === "api",
  );
const probeOf = (module: string) => probes.find((p) => p.spec.module === module)!;
const http = probeOf(DEPENDENCY_MODULES.http);
const tcp = probeOf(DEPENDENCY_MODULES.tcp);

let work: string;
let exporter: ChildProcess | undefined;
let prometheus: Prometheus | undefined;
let httpServer: Server;
let tcpServer: TcpServer;
const sockets = new Set<Socket>();
let status = 200;
let httpTarget = "";
let tcpTarget = "";

/** Polls until `probe` returns a value, or fails with what Prometheus saw. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 40): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\nprometheus log:\n${prometheus?.recentLog() ?? ""}`);
    await sleep(250);
  }
}
const nonEmpty = async (expr: string, n = 1): Promise<Sample[] | undefined> => {
  const s = await prometheus!.query(expr);
  return s.length >= n ? s : undefined;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "dependency-e2e-"));
  // The dependencies' stand-ins, on loopback only.
  httpServer = createHttp((req, res) => {
    res.writeHead(req.url === "/healthz" ? status : 404, { "content-type": "text/plain" }).end("ok\n");
  });
  await new Promise<void>((res) => httpServer.listen(0, "127.0.0.1", res));
  httpTarget = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}/healthz`;
  tcpServer = createTcp((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.end();
  });
  await new Promise<void>((res) => tcpServer.listen(0, "127.0.0.1", res));
  tcpTarget = `127.0.0.1:${(tcpServer.address() as { port: number }).port}`;

  // The rendered modules, as the exporter's ConfigMap holds them.
  writeFileSync(join(work, "blackbox.yml"), artifact(DEPENDENCY_BLACKBOX_ARTIFACT));
  const bbPort = await freePort();
  exporter = spawn(
    requireTool("blackbox_exporter"),
    ["--config.file=blackbox.yml", `--web.listen-address=127.0.0.1:${bbPort}`],
    { cwd: work, stdio: "ignore" },
  );

  // The rendered rules as they are.
  writeFileSync(join(work, "rules.yaml"), artifact("prometheus/rules.yaml"));
  mkdirSync(join(work, "data"));
  const prober = `127.0.0.1:${bbPort}`;
  prometheus = await Prometheus.start(join(work, "data"), [join(work, "rules.yaml")], {
    evaluationInterval: "1s",
    scrapeInterval: "1s",
    scrapeConfigs: [
      operatorScrapeConfig(http, { prober, targets: [httpTarget], interval: "1s" }),
      operatorScrapeConfig(tcp, { prober, targets: [tcpTarget], interval: "1s" }),
    ],
  });
}, 150_000);

afterAll(async () => {
  // Everything this file started, by the PID it was started with.
  await prometheus?.stop();
  if (exporter?.pid && exporter.exitCode === null) exporter.kill("SIGTERM");
  for (const s of sockets) s.destroy();
  await new Promise<void>((res) => (httpServer ? httpServer.close(() => res()) : res()));
  await new Promise<void>((res) => (tcpServer?.listening ? tcpServer.close(() => res()) : res()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("declared dependencies on the real blackbox exporter and Prometheus", () => {
  it("renders api's HTTP and TCP dependencies as Probes of the dependency prober", () => {
    expect(http.spec.targets.staticConfig.labels).toMatchObject({
      priority: "P1",
      service_namespace: "apps",
    });
    expect(tcp.spec.targets.staticConfig.labels).toMatchObject({ priority: "P2", service_namespace: "apps" });
    expect(api.dependencies.map((d) => d.priority)).toEqual(["P1", "P2", "P3"]);
  });

  it("probes a loopback HTTP server and TCP port: up, then down, and DependencyDown fires for each", async () => {
    const job = `job="${DEPENDENCY_PROBE.job}"`;
    const up = await until("both probes succeeding", () => nonEmpty(`probe_success{${job}} == 1`, 2));
    // Labelled as the rules expect: the Probe's namespace and job, the target, the service, its priority.
    const byInstance = new Map(up.map((s) => [s.metric.instance!, s.metric]));
    for (const [target, priority] of [
      [httpTarget, "P1"],
      [tcpTarget, "P2"],
    ] as const)
      expect(byInstance.get(target), target).toMatchObject({
        job: DEPENDENCY_PROBE.job,
        namespace: r.config.metrics.namespace,
        service: api.name,
        service_namespace: api.namespace,
        priority,
      });
    // The record puts each probe on its service, in the service's namespace.
    const record = await until("the dependency record", () =>
      nonEmpty(`${RECORD.dependencyUp}{namespace="${api.namespace}",job="${api.name}"}`, 2),
    );
    expect(record.map((s) => s.value[1])).toEqual(["1", "1"]);
    expect(await prometheus!.query('ALERTS{alertname="DependencyDown"}')).toEqual([]);
    // Every series the dependency rules read is one the real exporter and scrape produce.
    const rules = parse(artifact("prometheus/rules.yaml")) as RuleFile;
    const reads = rules.groups
      .flatMap((g) => g.rules)
      .filter((x) => x.record === RECORD.dependencyUp || x.alert === "DependencyProbesFailing")
      .flatMap((x) => parsePromql(x.expr).metrics);
    expect(new Set(reads)).toEqual(new Set(["probe_success", "up"]));
    for (const name of new Set(reads))
      expect(await prometheus!.query(`${name}{${job}}`), name).toHaveLength(2);

    // Both dependencies fail: HTTP answers 503, the TCP port stops listening.
    status = 503;
    await new Promise<void>((res) => tcpServer.close(() => res()));
    for (const s of sockets) s.destroy();
    const failing = await until("both probes failing", () => nonEmpty(`probe_success{${job}} == 0`, 2));
    expect(failing.map((s) => s.metric.instance).sort()).toEqual([httpTarget, tcpTarget].sort());
    expect(await prometheus!.query(`probe_http_status_code{${job},instance="${httpTarget}"}`)).toMatchObject([
      { value: [expect.any(Number), "503"] },
    ]);
    // The exporter itself still answers: DependencyDown, not DependencyProbesFailing.
    expect(await prometheus!.query(`up{${job}} == 1`)).toHaveLength(2);

    const fired = await until("DependencyDown firing for both", () =>
      nonEmpty('ALERTS{alertname="DependencyDown",alertstate="firing"}', 2),
    );
    const alerts = new Map(fired.map((s) => [s.metric.instance!, s.metric]));
    for (const [target, priority] of [
      [httpTarget, "P1"],
      [tcpTarget, "P2"],
    ] as const)
      expect(alerts.get(target), target).toMatchObject({
        priority,
        team: api.team,
        service: api.name,
        namespace: api.namespace,
        job: api.name,
      });
    expect(await prometheus!.query('ALERTS{alertname="DependencyProbesFailing"}')).toEqual([]);
  }, 90_000);
});
