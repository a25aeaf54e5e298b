import { UNDELIVERABLE_ALERT } from "../../infra/generators/metrics/alertmanager";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import type { AlertRelabelConfig } from "../../infra/generators/platform/chart-values";
import { enabledChartAlerts } from "../../infra/generators/platform/chart-values";
import { resolveMetrics } from "../../infra/generators/metrics/settings";
import { Prometheus, sleep } from "../../scripts/lib/bench-rules/prometheus";
import { stackConfig } from "../../scripts/lib/stack-config";
import { CHART, renderChartRules } from "../helpers/chart-rules";
import { ofType, rendered } from "../helpers/render";
import { runTool, tempFiles } from "../helpers/tools";

/**
 * The priority of each of the chart's alerts, from a real Prometheus (`npm run tools`) on 127.0.0.1
 * running the alert relabelling the dev stack deploys (the release's
 * `prometheusSpec.additionalAlertRelabelConfigs`, after the `prometheus_replica` labeldrop the
 * operator puts first), sending to a loopback stand-in for Alertmanager's `/api/v2/alerts`; then
 * `amtool config routes test` on the rendered Alertmanager configuration with the labels that
 * arrived.
 *
 * Alerts come from fixture rules: every alert the chart renders with our values, with its name and
 * the labels Helm rendered for it, and `vector(1)` as its expression so that all fire at once (the
 * expressions are what chart-scenarios.test.ts exercises); beside them alerts of ours that bring a
 * priority, and alerts the table does not know.
 */

const config = stackConfig("dev");
const { namespace, ownerTeam } = resolveMetrics(config);
const release = ofType(rendered("dev"), "kubernetes:helm.sh/v3:Release").find(
  (r) => r.inputs.chart === CHART,
)!;
const values = release.inputs.values as {
  prometheus: { prometheusSpec: { additionalAlertRelabelConfigs: AlertRelabelConfig[] } };
};
const chart = renderChartRules(values as unknown as Record<string, unknown>, {
  namespace,
  version: release.inputs.version as string,
});
const am = rendered("dev").artifacts.find((f) => f.path === "alertmanager/alertmanager.yaml")!;

/** Alerts Prometheus posted, by alertname and severity (the last copy of each). */
const received = new Map<string, Record<string, string>>();
const keyOf = (l: Record<string, string>) =>
  `${l.alertname}/${l.severity ?? ""}${l.namespace && l.namespace !== namespace ? `@${l.namespace}` : ""}`;
/** An application's namespace of the dev stack (not one of the platform's). */
const APP_NAMESPACE = config.services[0]!.namespace;
let sink: Server;
let prometheus: Prometheus | undefined;
let work: string;

const ours = [
  { alert: "ServiceDown", labels: { priority: "P1", team: "web", service: "web" } },
  {
    alert: "SomethingNewCritical",
    labels: { severity: "critical", team: ownerTeam, component: "prometheus" },
  },
  { alert: "SomethingNewWarning", labels: { severity: "warning", team: ownerTeam, component: "prometheus" } },
  { alert: "NoSeverityNoPriority", labels: { team: ownerTeam, component: "prometheus" } },
];

beforeAll(async () => {
  sink = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      if (req.url === "/api/v2/alerts" && req.method === "POST")
        for (const a of JSON.parse(body) as { labels: Record<string, string> }[])
          received.set(keyOf(a.labels), a.labels);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const port = (sink.address() as AddressInfo).port;
  work = mkdtempSync(join(tmpdir(), "obs-relabel-"));
  mkdirSync(join(work, "data"));
  const fixture = {
    groups: [
      {
        name: "fixtures",
        rules: [
          // The chart's alerts about the platform: the objects they name are in its namespace.
          ...chart.alerts.map((a) => ({ ...a, labels: { ...a.labels, namespace } })),
          // A volume of an application filling up: the table's P1 is for the platform's volumes.
          ...chart.alerts
            .filter((a) => a.alert === "KubePersistentVolumeFillingUp" && a.labels.severity === "critical")
            .map((a) => ({ ...a, labels: { ...a.labels, namespace: APP_NAMESPACE } })),
          ...ours,
        ].map((a) => ({
          alert: a.alert,
          expr: "vector(1)",
          labels: a.labels,
        })),
      },
    ],
  };
  writeFileSync(join(work, "rules.yaml"), toYaml(fixture));
  prometheus = await Prometheus.start(join(work, "data"), [join(work, "rules.yaml")], {
    evaluationInterval: "1s",
    externalLabels: { environment: config.environment },
    alerting: {
      alert_relabel_configs: [
        { action: "labeldrop", regex: "prometheus_replica" },
        ...values.prometheus.prometheusSpec.additionalAlertRelabelConfigs,
      ],
      alertmanagers: [{ api_version: "v2", static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
    },
    flags: ["--rules.alert.resend-delay=1s"],
  });
  const expected = chart.alerts.length + ours.length;
  const until = Date.now() + 60_000;
  while (received.size < expected && Date.now() < until) await sleep(250);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((r) => sink.close(r));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the chart's alerts on their way to Alertmanager (a real Prometheus)", () => {
  it("each get the table's priority by name and severity, and keep the chart's labels and ours", () => {
    expect(received.size, prometheus?.recentLog()).toBe(chart.alerts.length + 1 + ours.length);
    for (const a of enabledChartAlerts()) {
      const got = received.get(`${a.alert}/${a.severity}`);
      expect(got, `${a.alert} ${a.severity}`).toMatchObject({
        priority: a.priority,
        severity: a.severity,
        team: ownerTeam,
        component: a.component,
        environment: config.environment,
      });
    }
  });

  it("leave an alert's own priority alone, and give one the table does not know its severity's fallback", () => {
    expect(received.get("ServiceDown/")?.priority).toBe("P1");
    expect(received.get("SomethingNewCritical/critical")?.priority).toBe("P2");
    expect(received.get("SomethingNewWarning/warning")?.priority).toBe("P3");
    expect(received.get("NoSeverityNoPriority/")).not.toHaveProperty("priority");
  });

  it("page (P1) only for the platform's own volumes: an application's falls back to P2", () => {
    expect(received.get("KubePersistentVolumeFillingUp/critical")?.priority).toBe("P1");
    expect(received.get(`KubePersistentVolumeFillingUp/critical@${APP_NAMESPACE}`)?.priority).toBe("P2");
  });

  it("reach the owner team's receiver of their priority in the rendered Alertmanager configuration", () => {
    const dir = tempFiles({ "alertmanager.yaml": am.content });
    const receiver = {
      P1: `p1-pagerduty-${ownerTeam}`,
      P2: `p2-email-${ownerTeam}`,
      P3: `p3-slack-${ownerTeam}`,
    };
    // An undeliverable channel also goes by email before its page (alertmanager.ts).
    const expected = (alert: string, priority: keyof typeof receiver) =>
      alert === UNDELIVERABLE_ALERT ? `${receiver.P2},${receiver[priority]}` : receiver[priority];
    for (const a of enabledChartAlerts()) {
      const labels = received.get(`${a.alert}/${a.severity}`)!;
      const r = runTool("amtool", [
        "config",
        "routes",
        "test",
        `--config.file=${join(dir, "alertmanager.yaml")}`,
        `--verify.receivers=${expected(a.alert, a.priority)}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      ]);
      expect(r.stdout.trim(), `${a.alert} ${a.severity}: ${r.stderr}`).toBe(expected(a.alert, a.priority));
      expect(r.status).toBe(0);
    }
  });
});
