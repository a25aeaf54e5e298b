import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type AlertmanagerConfig, alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { integrationKeyFile, pagerdutyTeams } from "../../infra/generators/alerting/pagerduty";
import { forAlertmanager025, requireTool } from "../helpers/tools";
import { stackConfig } from "../../scripts/lib/stack-config";

/**
 * End to end: a real Alertmanager 0.25 on 127.0.0.1 runs the rendered dev configuration and
 * delivers to a loopback HTTP server standing in for PagerDuty, email and Slack.
 *
 * What is rewritten, and why (nothing else is touched):
 * - the channel secret files live in a temp dir (the generator's `secretDir` option); the Slack
 *   webhook URL "secret" points at the loopback server, the PagerDuty receiver gets its `url`;
 * - email_configs become webhook_configs to /email/<receiver>: there is no SMTP server here;
 * - the dead man's switch URL points at /deadmansswitch;
 * - group_wait/group_interval shrink to 1s so the test takes seconds, not minutes.
 */

interface Delivery {
  path: string;
  body: Record<string, unknown>;
}

const deliveries: Delivery[] = [];
let sink: Server;
let sinkUrl: string;
let am: ChildProcess;
let amUrl: string;
let work: string;
let amLog = "";

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const { port } = s.address() as AddressInfo;
  await new Promise((res) => s.close(res));
  return port;
}

function rewriteForLoopback(config: AlertmanagerConfig): AlertmanagerConfig {
  const fast = (r: { group_wait?: string; group_interval?: string; routes?: unknown[] }) => {
    if (r.group_wait) r.group_wait = "1s";
    if (r.group_interval) r.group_interval = "1s";
    for (const child of (r.routes ?? []) as (typeof r)[]) fast(child);
  };
  fast(config.route);
  for (const rcv of config.receivers) {
    const pd = rcv.pagerduty_configs as Record<string, unknown>[] | undefined;
    for (const c of pd ?? []) c.url = `${sinkUrl}/pagerduty`;
    const email = rcv.email_configs as { send_resolved: boolean }[] | undefined;
    if (email) {
      delete rcv.email_configs;
      rcv.webhook_configs = email.map((e) => ({
        url: `${sinkUrl}/email/${rcv.name}`,
        send_resolved: e.send_resolved,
      }));
    }
  }
  return config;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out waiting for ${what}; deliveries: ${JSON.stringify(deliveries.map((d) => d.path))}\n${amLog}`,
  );
}

interface PostAlert {
  labels: Record<string, string>;
  resolved?: boolean;
}

async function post(alerts: PostAlert[]): Promise<void> {
  const now = Date.now();
  const body = alerts.map((a) => ({
    labels: a.labels,
    annotations: { summary: `${a.labels.alertname} on ${a.labels.service ?? "platform"}` },
    startsAt: new Date(now - 60_000).toISOString(),
    // A resolved alert is one whose end lies in the past.
    endsAt: new Date(a.resolved ? now - 1000 : now + 3_600_000).toISOString(),
  }));
  const r = await fetch(`${amUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
}

const alert = (
  alertname: string,
  priority: string,
  service: string,
  team: string,
): Record<string, string> => ({ alertname, priority, service, team });

/** Deliveries to a path that mention an alert (by alertname and service) in the given status. */
function delivered(
  path: string,
  labels: Record<string, string>,
  status: "firing" | "resolved",
): Delivery | undefined {
  return deliveries.find((d) => {
    if (d.path !== path) return false;
    const text = JSON.stringify(d.body);
    if (!text.includes(labels.alertname!) || !text.includes(labels.service!)) return false;
    if (path === "/pagerduty") return d.body.event_action === (status === "firing" ? "trigger" : "resolve");
    if (path === "/slack") return status === "resolved" ? text.includes("RESOLVED") : text.includes("FIRING");
    return d.body.status === status;
  });
}

beforeAll(async () => {
  const binary = ["prometheus-alertmanager", "alertmanager"].find((b) => {
    try {
      requireTool(b);
      return true;
    } catch {
      return false;
    }
  });
  if (!binary) requireTool("alertmanager");

  sink = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      deliveries.push({ path: req.url ?? "", body: JSON.parse(data || "{}") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((res) => sink.listen(0, "127.0.0.1", res));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  work = mkdtempSync(join(tmpdir(), "am-e2e-"));
  const secretDir = join(work, "secrets");
  mkdirSync(secretDir);
  writeFileSync(join(secretDir, "pagerdutyRoutingKey"), "test-routing-key");
  // dev manages PagerDuty: each team's integration key, as the Paging component's output fills it.
  for (const team of pagerdutyTeams(stackConfig("dev")))
    writeFileSync(join(secretDir, integrationKeyFile(team)), `${team}-integration-key`);
  writeFileSync(join(secretDir, "slackWebhookUrl"), `${sinkUrl}/slack`);
  writeFileSync(join(secretDir, "smtpPassword"), "unused");
  writeFileSync(join(secretDir, "deadMansSwitchUrl"), `${sinkUrl}/deadmansswitch`);
  // The dead man's switch URL is read from its secret file, as Alertmanager 0.28 would.
  const config = forAlertmanager025(
    rewriteForLoopback(alertmanagerConfig(stackConfig("dev"), { secretDir })),
    (file) => readFileSync(file, "utf8"),
  );
  writeFileSync(join(work, "alertmanager.yaml"), stringify(config));

  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    requireTool(binary!),
    [
      `--config.file=${join(work, "alertmanager.yaml")}`,
      `--storage.path=${join(work, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a single node, nothing listens beyond loopback.
      "--cluster.listen-address=",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  am.stdout?.on("data", (c) => {
    amLog += c;
  });
  am.stderr?.on("data", (c) => {
    amLog += c;
  });
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${amUrl}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until || am.exitCode !== null) throw new Error(`alertmanager did not start:\n${amLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  if (am && am.exitCode === null) {
    const exited = new Promise((res) => am.once("exit", res));
    am.kill("SIGTERM");
    await exited;
  }
  await new Promise((res) => (sink ? sink.close(res) : res(undefined)));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a real Alertmanager with the rendered config", () => {
  it("pages each team's P1 with its own integration key read from the secret file", async () => {
    const platform = alert("AvailabilitySLOFastBurn", "P1", "api", "platform");
    // Not service "web": a firing P1 there would inhibit the P2 the next test expects.
    const web = alert("ServiceDown", "P1", "storefront", "web");
    await post([{ labels: platform }, { labels: web }]);
    const d = await waitFor("platform P1 page", () => delivered("/pagerduty", platform, "firing"));
    expect(d.body.routing_key).toBe("platform-integration-key");
    const w = await waitFor("web P1 page", () => delivered("/pagerduty", web, "firing"));
    expect(w.body.routing_key).toBe("web-integration-key");
  });

  it("pages a P1 without a known team with the fallback routing key", async () => {
    const orphan = alert("ServiceDown", "P1", "legacy", "nobody");
    await post([{ labels: orphan }]);
    const d = await waitFor("fallback P1 page", () => delivered("/pagerduty", orphan, "firing"));
    expect(d.body.routing_key).toBe("test-routing-key");
  });

  it("emails P2 to the owning team", async () => {
    const p2 = alert("LatencyP99High", "P2", "web", "web");
    await post([{ labels: p2 }]);
    await waitFor("P2 email", () => delivered("/email/p2-email-web", p2, "firing"));
    expect(
      deliveries.some(
        (d) => d.path === "/email/p2-email-platform" && JSON.stringify(d.body).includes("LatencyP99High"),
      ),
    ).toBe(false);
  });

  it("posts P3 to the owning team's Slack channel", async () => {
    const p3 = alert("CacheHitRatioLow", "P3", "worker", "platform");
    await post([{ labels: p3 }]);
    const d = await waitFor("P3 Slack", () => delivered("/slack", p3, "firing"));
    expect(d.body.channel).toBe("#platform-alerts");
  });

  it("sends the Watchdog to the dead man's switch only", async () => {
    const wd = { alertname: "Watchdog", priority: "P3", team: "platform" };
    await post([{ labels: wd }]);
    await waitFor("Watchdog heartbeat", () =>
      deliveries.find((d) => d.path === "/deadmansswitch" && JSON.stringify(d.body).includes("Watchdog")),
    );
    expect(
      deliveries.some((d) => d.path !== "/deadmansswitch" && JSON.stringify(d.body).includes("Watchdog")),
    ).toBe(false);
  });

  it("lets a P1 inhibit the P2 and P3 of the same service, not of others", async () => {
    const page = alert("ServiceDown", "P1", "billing", "platform");
    const sameP2 = alert("MemoryGrowing", "P2", "billing", "platform");
    const sameP3 = alert("DatabaseQueriesSlow", "P3", "billing", "platform");
    const otherP2 = alert("MemoryGrowing", "P2", "checkout", "platform");
    await post([{ labels: page }]);
    await waitFor("inhibiting page", () => delivered("/pagerduty", page, "firing"));
    await post([{ labels: sameP2 }, { labels: sameP3 }, { labels: otherP2 }]);
    await waitFor("P2 of another service", () => delivered("/email/p2-email-platform", otherP2, "firing"));
    // Give the inhibited ones the same chance to arrive: several group intervals.
    await new Promise((r) => setTimeout(r, 4000));
    expect(delivered("/email/p2-email-platform", sameP2, "firing")).toBeUndefined();
    expect(delivered("/slack", sameP3, "firing")).toBeUndefined();
    const status = (await (await fetch(`${amUrl}/api/v2/alerts?filter=service%3D%22billing%22`)).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    const p2 = status.find((a) => a.labels.alertname === "MemoryGrowing")!;
    expect(p2.status.inhibitedBy.length).toBe(1);
  });

  it("sends resolved notices on every channel", async () => {
    const p1 = alert("AvailabilitySLOFastBurn", "P1", "api", "platform");
    const p2 = alert("LatencyP99High", "P2", "web", "web");
    const p3 = alert("CacheHitRatioLow", "P3", "worker", "platform");
    await post([p1, p2, p3].map((labels) => ({ labels, resolved: true })));
    await waitFor("P1 resolve", () => delivered("/pagerduty", p1, "resolved"));
    await waitFor("P2 resolved email", () => delivered("/email/p2-email-web", p2, "resolved"));
    await waitFor("P3 resolved Slack", () => delivered("/slack", p3, "resolved"));
  });
});
