import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MONITORING_ACCESS } from "../../infra/generators/logging";
import type { PromRule, RuleFile } from "../../infra/generators/metrics";
import { COMPONENT, EXPORTER_NAME, COMPONENT_ALERTS } from "../../infra/generators/platform";
import { freePort, Prometheus, type Sample, sleep } from "../../scripts/lib/bench-rules/prometheus";
import type { RenderResult } from "../../scripts/lib/render-files";
import { parsePromql } from "../grafana/promql";
import { one, rendered } from "../helpers/render";
import { requireTool, runTool, selfSignedCert } from "../helpers/tools";
import { type ClusterState, ElasticsearchStandIn, INCIDENT, backingIndex } from "./es-stand-in";

/**
 * The rendered exporter and rules against the real programs: Debian's prometheus-elasticsearch-
 * exporter (the deployed 1.x line, `npm run tools`) runs with the rendered Deployment's flags and
 * login against a loopback HTTPS stand-in of Elasticsearch (tests/platform/es-stand-in.ts), verifying
 * the stand-in's certificate against its CA as it verifies the cluster's; the real Prometheus
 * scrapes it every second and evaluates the rendered prometheus/rules.yaml as it is. The cluster
 * goes healthy, yellow, into an incident (red with unassigned shards, a node low on disk, another
 * short of heap, write rejections, a failed snapshot and a failed snapshot deletion, ILM failing
 * on an index and stopped, a collector failing), then down, then the exporter stops: each state
 * must raise exactly its alerts, with our labels. One exporter and one Prometheus serve every test.
 *
 * The rules' `for` is minutes long and the rendered file is not rewritten, so an alert with a
 * `for` is checked pending (its expression matched, with its labels) and one without firing;
 * tests/platform/elasticsearch-rules.test.ts proves under promtool when each fires.
 */

const STACK = "dev";
const LOGIN = { username: "elasticsearch-exporter", password: "stand-in-password-0123456789" };
/** The rules of the platform component under test, from the rendered file. */
const OURS = `component="${COMPONENT}"`;

let work: string;
let server: Server;
let standIn: ElasticsearchStandIn;
let exporter: ChildProcess | undefined;
let exporterLog = "";
let exporterUrl: string;
let prom: Prometheus | undefined;
let result: RenderResult;
let rules: PromRule[];

type Container = {
  args: string[];
  env: { name: string; valueFrom?: { secretKeyRef: { key: string } } }[];
};
const container = (): Container =>
  (
    one(result, "kubernetes:apps/v1:Deployment", EXPORTER_NAME).inputs.spec as {
      template: { spec: { containers: Container[] } };
    }
  ).template.spec.containers[0]!;

/** A flag's name: `--es.uri=...` is `--es.uri`. */
const flagName = (arg: string): string => arg.split("=")[0]!;

/**
 * The rendered arguments with what only exists in the pod swapped for its loopback equivalent:
 * the cluster's URL, the CA file and the listen address (loopback only). Every other flag is
 * passed exactly as rendered.
 */
function loopbackArgs(esUrl: string, caFile: string, listen: string): { args: string[]; swapped: string[] } {
  const swap: Record<string, string> = {
    "--es.uri": esUrl,
    "--es.ca": caFile,
    "--web.listen-address": listen,
  };
  const swapped: string[] = [];
  const args = container().args.map((a) => {
    const name = flagName(a);
    if (swap[name] === undefined) return a;
    swapped.push(name);
    return `${name}=${swap[name]}`;
  });
  return { args, swapped };
}

/** The exporter's login from the environment the Deployment gives it (keys of the user's Secret). */
function loopbackEnv(): Record<string, string> {
  const values: Record<string, string> = { username: LOGIN.username, password: LOGIN.password };
  return Object.fromEntries(
    container().env.map((e) => [e.name, values[e.valueFrom?.secretKeyRef.key ?? ""] ?? ""]),
  );
}

/** ALERTS of our component: name → state and the labels our rules put on it. */
async function ourAlerts(): Promise<Map<string, Sample["metric"]>> {
  const samples = await prom!.query(`ALERTS{${OURS}}`);
  return new Map(samples.map((s) => [s.metric.alertname!, s.metric]));
}

/** Polls until `check` reports no problem or `seconds` pass; returns the last problems. */
async function settle(check: () => Promise<string[]>, seconds = 45): Promise<string[]> {
  const deadline = Date.now() + seconds * 1000;
  let problems = ["not checked yet"];
  while (Date.now() < deadline) {
    problems = await check();
    if (problems.length === 0) return problems;
    await sleep(500);
  }
  return problems;
}

const ruleOf = (alert: string) => COMPONENT_ALERTS.find((a) => a.alert === alert)!;

/**
 * Exactly these alerts of ours are active, each firing (no `for`) or pending (a `for`), with the
 * priority, team and component of its rule.
 */
async function exactly(expected: string[]): Promise<string[]> {
  const active = await ourAlerts();
  const problems: string[] = [];
  for (const name of expected) {
    const a = active.get(name);
    if (!a) {
      problems.push(`${name} is not active`);
      continue;
    }
    const rule = ruleOf(name);
    const state = rule.for ? "pending" : "firing";
    if (a.alertstate !== state) problems.push(`${name} is ${a.alertstate}, expected ${state}`);
    const want = { priority: rule.priority, team: result.config.metrics.ownerTeam, component: COMPONENT };
    for (const [k, v] of Object.entries(want))
      if (a[k] !== v) problems.push(`${name}: ${k}="${a[k]}", expected "${v}"`);
  }
  for (const name of active.keys())
    if (!expected.includes(name)) problems.push(`${name} is active, unexpected`);
  return problems;
}

async function diagnostics(): Promise<string> {
  const targets = await prom!
    .api<{ activeTargets: { health: string; lastError: string }[] }>("/api/v1/targets")
    .then((t) => t.activeTargets.map((x) => `${x.health} ${x.lastError}`).join("\n"))
    .catch((e: Error) => e.message);
  return `targets: ${targets}\nexporter log:\n${exporterLog.slice(-3000)}\nprometheus log:\n${prom!.recentLog()}`;
}

/** Every metric name Prometheus holds from the exporter's scrapes so far (`up` included). */
async function scrapedNames(): Promise<Set<string>> {
  const query = new URLSearchParams({ "match[]": `{job="${EXPORTER_NAME}"}` });
  const r = (await (await fetch(`${prom!.url}/api/v1/label/__name__/values?${query}`)).json()) as {
    data: string[];
  };
  return new Set(r.data);
}

/** Names our rules read that are not in `scraped`, per alert: what the real exporter does not emit. */
function unknownNames(ours: PromRule[], scraped: Set<string>): string[] {
  return ours.flatMap((r) => {
    const { errors, metrics } = parsePromql(r.expr);
    return [
      ...(errors > 0 ? [`${r.alert}: ${errors} syntax errors`] : []),
      ...metrics.filter((m) => !scraped.has(m)).map((m) => `${r.alert}: ${m}`),
    ];
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "es-exporter-"));
  result = rendered(STACK);
  const file = parse(result.artifacts.find((a) => a.path === "prometheus/rules.yaml")!.content) as RuleFile;
  rules = file.groups.flatMap((g) => g.rules).filter((r) => r.alert && r.labels?.component === COMPONENT);

  // The stand-in's certificate, for 127.0.0.1, self-signed: it is its own CA.
  const tls = selfSignedCert(work, "elasticsearch stand-in", "IP:127.0.0.1");
  standIn = new ElasticsearchStandIn(result.config, LOGIN);
  server = createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, standIn.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const esPort = (server.address() as AddressInfo).port;

  const port = await freePort();
  exporterUrl = `http://127.0.0.1:${port}`;
  const { args } = loopbackArgs(`https://127.0.0.1:${esPort}`, tls.cert, `127.0.0.1:${port}`);
  exporter = spawn(requireTool("elasticsearch_exporter"), args, {
    env: { PATH: process.env.PATH ?? "", ...loopbackEnv() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = (d: Buffer) => {
    exporterLog += d.toString();
  };
  exporter.stdout?.on("data", log);
  exporter.stderr?.on("data", log);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exporter.exitCode !== null)
      throw new Error(`exporter exited (${exporter.exitCode}):\n${exporterLog}`);
    const ok = await fetch(`${exporterUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`exporter did not start:\n${exporterLog}`);
    await sleep(200);
  }

  const dir = join(work, "prom");
  mkdirSync(join(dir, "data"), { recursive: true });
  // The rendered file as it is.
  writeFileSync(
    join(dir, "rules.yaml"),
    result.artifacts.find((a) => a.path === "prometheus/rules.yaml")!.content,
  );
  prom = await Prometheus.start(join(dir, "data"), [join(dir, "rules.yaml")], {
    evaluationInterval: "1s",
    scrapeInterval: "1s",
    scrapeConfigs: [
      {
        // prometheus-operator names the job after the Service and labels the target's namespace.
        job_name: EXPORTER_NAME,
        static_configs: [
          { targets: [`127.0.0.1:${port}`], labels: { namespace: result.config.logging.namespace } },
        ],
      },
    ],
  });
}, 180_000);

afterAll(async () => {
  // Each process is stopped by the PID it was started with, also when a test failed.
  if (exporter && exporter.exitCode === null && exporter.signalCode === null) {
    const exited = new Promise((r) => exporter!.once("exit", r));
    exporter.kill("SIGTERM");
    await exited;
  }
  await prom?.stop();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Each test moves the stand-in to its state and waits for Prometheus to follow. */
async function enter(state: ClusterState): Promise<void> {
  standIn.set(state);
}

describe("the rendered exporter against the real elasticsearch_exporter", () => {
  it("passes only flags the real binary knows, and the rendered ones unchanged but the pod's paths", () => {
    const help = runTool("elasticsearch_exporter", ["--help"]);
    const known = new Set(
      [...(help.stdout + help.stderr).matchAll(/^\s+(?:-\w, )?(--[\w.-]+)/gm)].map((m) => m[1]!),
    );
    expect(known.size).toBeGreaterThan(20);
    // The flags 1.10 renamed are gone, the new names are there: this is the deployed generation.
    expect(known.has("--collector.ilm") && !known.has("--es.ilm")).toBe(true);
    const args = container().args;
    expect(args.map(flagName).filter((f) => !known.has(f))).toEqual([]);
    // Boolean flags are given bare (kingpin also knows `--no-<flag>`): nothing is turned off.
    expect(args.filter((a) => a.startsWith("--no-"))).toEqual([]);
    expect(loopbackArgs("u", "c", "l").swapped.sort()).toEqual([
      "--es.ca",
      "--es.uri",
      "--web.listen-address",
    ]);
  });

  it("logs in with the user's Secret and verifies the cluster's certificate: every request authenticated", async () => {
    const problems = await settle(async () => {
      const up = await prom!.query(`up{job="${EXPORTER_NAME}"}`);
      const health = await prom!.query(`elasticsearch_cluster_health_status{job="${EXPORTER_NAME}"}`);
      return up[0]?.value[1] === "1" && health.length === 3 ? [] : ["no cluster health scraped yet"];
    });
    expect(problems, await diagnostics()).toEqual([]);
    expect(exporterLog).not.toMatch(/x509|certificate|tls:/i);
    // A whole 401, not the milliseconds of a log line's timestamp (`…:01.401Z`).
    expect(exporterLog).not.toMatch(/\b401\b|unauthorized/i);
    expect(standIn.requested.length).toBeGreaterThan(0);
  });

  it("raises nothing while the cluster is healthy", async () => {
    await enter("healthy");
    // Until the first scrape, ElasticsearchExporterDown's `absent(up)` may be pending: wait it out,
    // then hold the quiet for several evaluations.
    expect(await settle(() => exactly([])), await diagnostics()).toEqual([]);
    for (let i = 0; i < 4; i++) {
      await sleep(1000);
      expect(await exactly([]), await diagnostics()).toEqual([]);
    }
    // Every answer of the stand-in decoded: the exporter warns of nothing it could not read.
    expect(exporterLog).not.toMatch(/level=(WARN|ERROR)/);
    expect(exporterLog).toMatch(/level=INFO/);
  });

  it("raises ElasticsearchClusterYellow and ElasticsearchUnassignedShards when replicas are unassigned", async () => {
    await enter("yellow");
    const problems = await settle(() =>
      exactly(["ElasticsearchClusterYellow", "ElasticsearchUnassignedShards"]),
    );
    expect(problems, await diagnostics()).toEqual([]);
  });

  it("raises the incident's alerts, each with its priority, team and component", async () => {
    await enter("incident");
    const expected = [
      "ElasticsearchClusterRed",
      "ElasticsearchUnassignedShards",
      "ElasticsearchDiskFloodStage",
      "ElasticsearchDiskNearFloodStage",
      "ElasticsearchHeapPressure",
      "ElasticsearchWriteRejections",
      "ElasticsearchSnapshotFailed",
      "ElasticsearchSnapshotDeletionFailed",
      "ElasticsearchIlmStepFailed",
      "ElasticsearchIlmNotRunning",
      "ElasticsearchExporterCollectorFailing",
    ];
    const problems = await settle(() => exactly(expected));
    expect(problems, await diagnostics()).toEqual([]);
    // And about the right things: the nodes, the policy, the index and the collector.
    const a = await ourAlerts();
    expect(a.get("ElasticsearchDiskFloodStage")?.name).toBe(INCIDENT.lowDiskNode);
    expect(a.get("ElasticsearchHeapPressure")?.name).toBe(INCIDENT.heapNode);
    expect(a.get("ElasticsearchSnapshotFailed")?.policy).toBe(INCIDENT.failedPolicy);
    expect(a.get("ElasticsearchSnapshotDeletionFailed")?.policy).toBe(INCIDENT.deletionFailedPolicy);
    expect(a.get("ElasticsearchIlmStepFailed")?.index).toBe(
      backingIndex(result.config, INCIDENT.ilmErrorType),
    );
    expect(a.get("ElasticsearchExporterCollectorFailing")?.collector).toBe("data-stream");
    expect(a.get("ElasticsearchClusterRed")?.cluster).toBe(result.config.logging.clusterName);
  });

  it("raises ElasticsearchUnreachable when the cluster stops answering, not ElasticsearchExporterDown", async () => {
    await enter("down");
    const problems = await settle(async () => {
      const a = await ourAlerts();
      return [
        ...(a.get("ElasticsearchUnreachable")?.alertstate === "pending"
          ? []
          : ["ElasticsearchUnreachable not pending"]),
        ...(a.has("ElasticsearchExporterDown") ? ["ElasticsearchExporterDown is active"] : []),
      ];
    });
    expect(problems, await diagnostics()).toEqual([]);
    expect((await ourAlerts()).get("ElasticsearchUnreachable")?.priority).toBe("P1");
  });

  it("reads only metric names the real exporter emits (a name it does not emit fails)", async () => {
    const scraped = await scrapedNames();
    expect(rules.length).toBe(COMPONENT_ALERTS.filter((a) => a.component === COMPONENT).length);
    expect(unknownNames(rules, scraped)).toEqual([]);
    // Not vacuous: a misspelled or renamed metric is reported.
    const renamed = rules.map((r) => ({
      ...r,
      expr: r.expr.replace("elasticsearch_cluster_health_status", "elasticsearch_cluster_health_state"),
    }));
    expect(unknownNames(renamed, scraped)).toEqual([
      "ElasticsearchClusterRed: elasticsearch_cluster_health_state",
      "ElasticsearchUnreachable: elasticsearch_cluster_health_state",
      "ElasticsearchClusterYellow: elasticsearch_cluster_health_state",
    ]);
  });

  it("asks Elasticsearch only for what the monitoring role grants, and the role grants nothing unused", () => {
    const template = (path: string) =>
      path.replace(/^\/_snapshot\/[^/]+\/_all$/, "/_snapshot/{repository}/_all");
    const asked = new Set(standIn.requested.map(template));
    const granted = new Set(MONITORING_ACCESS.map((a) => a.path));
    expect(
      [...asked].filter((p) => !granted.has(p)),
      "requests no privilege of the role covers",
    ).toEqual([]);
    expect(
      [...granted].filter((p) => !asked.has(p)),
      "privileges no request needed",
    ).toEqual([]);
  });

  it("raises ElasticsearchExporterDown when the exporter is gone", async () => {
    const exited = new Promise((r) => exporter!.once("exit", r));
    exporter!.kill("SIGTERM");
    await exited;
    const problems = await settle(async () => {
      const a = await ourAlerts();
      return [
        ...(a.get("ElasticsearchExporterDown")?.alertstate === "pending"
          ? []
          : ["ElasticsearchExporterDown not pending"]),
        ...(a.has("ElasticsearchUnreachable") ? ["ElasticsearchUnreachable is still active"] : []),
      ];
    });
    expect(problems, await diagnostics()).toEqual([]);
  });
});
