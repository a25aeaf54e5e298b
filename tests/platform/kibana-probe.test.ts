import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttps, type Server } from "node:https";
import { createServer as createNet } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PLATFORM_JOBS } from "../../infra/generators/platform";
import type { RuleFile } from "../../infra/generators/metrics/rules";
import { toYaml } from "../../infra/artifacts";
import { parsePromql } from "../grafana/promql";
import { rendered } from "../helpers/render";
import { requireTool, runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The real blackbox exporter (Debian's build of the deployed release) with the rendered module
 * config, probing a loopback stand-in of Kibana's /api/status over TLS verified against a CA of
 * the test's own, and the real Prometheus scraping it the way prometheus-operator turns our Probe
 * into a scrape config, evaluating the rendered platform rules: Kibana answering 503 makes
 * KibanaUnavailable pending with our labels; promtool then plays the rest of its 5 minutes of `for`
 * on the series exactly as they were scraped, and the alert fires with them. Every metric the
 * Kibana rule reads must be one the exporter emits.
 */

const r = rendered("dev");
const artifact = (path: string) => r.artifacts.find((a) => a.path === path)!.content;
const probe = r.resources.find((x) => x.name === "platform-probe-kibana")!.inputs as {
  metadata: { namespace: string };
  spec: { jobName: string; module: string; prober: { path: string } };
};

const children: ChildProcess[] = [];
let standIn: Server;
let status = 200;
let prometheus = "";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNet().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function start(tool: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(requireTool(tool), args, { cwd, stdio: "ignore" });
  children.push(child);
  return child;
}

async function until<T>(what: string, probeOnce: () => Promise<T | undefined>, seconds = 40): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probeOnce().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

type Sample = { metric: Record<string, string>; value: [number, string] };
async function query(expr: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { data: { result: Sample[] } };
  return body.data.result;
}

beforeAll(async () => {
  // A CA of the test's own and Kibana's stand-in certificate for 127.0.0.1, like ECK's pair.
  const dir = tempFiles({
    "ext.cnf": "subjectAltName=IP:127.0.0.1\n",
    // The rendered module, as the exporter's ConfigMap holds it.
    "blackbox.yml": artifact("exporters/blackbox.yml"),
  });
  const ssl = (args: string[]) => {
    const x = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (x.status !== 0) throw new Error(`openssl ${args[0]}: ${x.stderr}`);
  };
  ssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"].concat([
      "-subj",
      "/CN=test-kibana-ca",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ]),
  );
  ssl(
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=kibana"].concat([
      "-keyout",
      "tls.key",
      "-out",
      "tls.csr",
    ]),
  );
  ssl(
    ["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
      "-out",
      "tls.crt",
    ]),
  );
  // Where the pod's projected volume puts ECK's ca.crt, beside the config (the working directory).
  spawnSync("cp", ["ca.crt", "kibana-ca.crt"], { cwd: dir });

  standIn = createHttps(
    { key: readFileSync(join(dir, "tls.key")), cert: readFileSync(join(dir, "tls.crt")) },
    (req, res) => {
      if (req.url !== "/api/status") return void res.writeHead(404).end();
      // Kibana's redacted answer to a request without credentials.
      const level = status === 200 ? "available" : "unavailable";
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: { overall: { level } } }));
    },
  );
  await new Promise<void>((res) => standIn.listen(0, "127.0.0.1", () => res()));
  const kibana = `https://127.0.0.1:${(standIn.address() as { port: number }).port}/api/status`;

  const bbPort = await freePort();
  start("blackbox_exporter", ["--config.file=blackbox.yml", `--web.listen-address=127.0.0.1:${bbPort}`], dir);

  // What prometheus-operator generates for the Probe: the target as a parameter, the prober as address.
  const promPort = await freePort();
  const promDir = tempFiles({
    "rules.yaml": artifact("prometheus/platform-rules.yaml"),
    "prometheus.yml": toYaml({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yaml"],
      scrape_configs: [
        {
          job_name: probe.spec.jobName,
          metrics_path: probe.spec.prober.path,
          params: { module: [probe.spec.module] },
          static_configs: [{ targets: [kibana] }],
          relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: `127.0.0.1:${bbPort}` },
            // The operator labels a Probe's series with the Probe's namespace.
            { target_label: "namespace", replacement: probe.metadata.namespace },
          ],
        },
      ],
    }),
  });
  start(
    "prometheus",
    [
      "--config.file=prometheus.yml",
      "--storage.tsdb.path=data",
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    promDir,
  );
  prometheus = `http://127.0.0.1:${promPort}`;
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.pid) process.kill(c.pid, "SIGTERM");
  await new Promise<void>((res) => (standIn ? standIn.close(() => res()) : res()));
});

describe("the Kibana probe with the real blackbox exporter and Prometheus", () => {
  it("succeeds on 200 and makes KibanaUnavailable pending with our labels on 503", async () => {
    expect(probe.spec.jobName).toBe(PLATFORM_JOBS.kibana);
    const up = await until("a successful probe", async () => {
      const s = await query(`probe_success{job="${PLATFORM_JOBS.kibana}"} == 1`);
      return s.length > 0 ? s : undefined;
    });
    expect(up[0]!.metric.instance).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/status$/);
    expect(await query('ALERTS{alertname="KibanaUnavailable"}')).toEqual([]);

    // Every metric the Kibana rule reads is one the real exporter emits for the probe's job.
    const rules = parse(artifact("prometheus/platform-rules.yaml")) as RuleFile;
    const rule = rules.groups.flatMap((g) => g.rules).find((x) => x.alert === "KibanaUnavailable")!;
    for (const name of new Set(parsePromql(rule.expr).metrics))
      expect(await query(`${name}{job="${PLATFORM_JOBS.kibana}"}`), name).not.toEqual([]);

    status = 503;
    const pending = await until("KibanaUnavailable pending", async () => {
      const s = await query('ALERTS{alertname="KibanaUnavailable",alertstate="pending"}');
      return s.length > 0 ? s : undefined;
    });
    expect(pending[0]!.metric).toMatchObject({
      priority: "P2",
      team: r.config.metrics.ownerTeam,
      component: "kibana",
    });
    expect(await query(`probe_http_status_code{job="${PLATFORM_JOBS.kibana}"} == 503`)).toHaveLength(1);
    const failing = await query(`probe_success{job="${PLATFORM_JOBS.kibana}"} == 0`);
    expect(failing).toHaveLength(1);

    // The rest of the 5 minutes in promtool's simulated time, on the series exactly as the real
    // exporter and Prometheus labelled them: 10 minutes healthy, then the 503's values.
    const down = failing[0];
    const scraped = await query(`up{job="${PLATFORM_JOBS.kibana}"}`);
    const labels = (m: Record<string, string>) =>
      `${m.__name__}{${Object.entries(m)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
    const test = {
      rule_files: [
        join(tempFiles({ "rules.yaml": artifact("prometheus/platform-rules.yaml") }), "rules.yaml"),
      ],
      evaluation_interval: "30s",
      tests: [
        {
          interval: "30s",
          input_series: [
            { series: labels(down!.metric), values: `1x20 ${down!.value[1]}x20` },
            ...scraped.map((u) => ({ series: labels(u.metric), values: `${u.value[1]}x40` })),
          ],
          alert_rule_test: [
            { eval_time: "14m", alertname: "KibanaUnavailable", exp_alerts: [] },
            {
              eval_time: "16m",
              alertname: "KibanaUnavailable",
              exp_alerts: [
                {
                  exp_labels: {
                    priority: "P2",
                    team: r.config.metrics.ownerTeam,
                    component: "kibana",
                    instance: down!.metric.instance!,
                  },
                  // Its annotations template no label: they are the rule's as written.
                  exp_annotations: rule.annotations,
                },
              ],
            },
          ],
        },
      ],
    };
    const result = await runToolAsync("promtool", [
      "test",
      "rules",
      join(tempFiles({ "t.yaml": toYaml(test) }), "t.yaml"),
    ]);
    expect(result.stdout + result.stderr).toContain("SUCCESS");
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
