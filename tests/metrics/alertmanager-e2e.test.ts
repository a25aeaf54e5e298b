import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_POST_MESSAGE } from "../../infra/generators/alerting/channels";
import {
  type AlertmanagerConfig,
  alertmanagerConfig,
  DEAD_MANS_SWITCH,
} from "../../infra/generators/metrics/alertmanager";
import { integrationKeyFile, pagerdutyTeams } from "../../infra/generators/alerting/pagerduty";
import { notificationPolicy } from "../../infra/generators/grafana/alerting";
import { requireTool } from "../helpers/tools";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";
import { toYaml } from "../../infra/artifacts";

/**
 * End to end: real Alertmanager processes (the deployed generation, `npm run tools`) on 127.0.0.1 run
 * the rendered dev configuration and deliver to a loopback HTTP server standing in for PagerDuty,
 * email and Slack's Web API.
 *
 * What is rewritten, and why (nothing else is touched):
 * - the channel secret files live in a temp dir (the generator's `secretDir` option);
 * - the PagerDuty receiver gets its `url`, the Slack receivers' `api_url` (rendered as Slack's
 *   chat.postMessage) points at the stand-in, which checks the bearer token read from the file;
 * - email_configs become webhook_configs to /email/<receiver>: there is no SMTP server here;
 * - the dead man's switch URL points at /deadmansswitch;
 * - group_wait/group_interval shrink to 1s so the test takes seconds, not minutes, except on the
 *   Watchdog's route, whose heartbeat the test measures as rendered;
 * - the maintenance windows are set by the test: none for the first instance (dev's real window
 *   could fall on the run), one covering now for the second, which proves the muting.
 */

interface Delivery {
  path: string;
  /** The Authorization header as received. */
  authorization?: string;
  body: Record<string, unknown>;
  /** When the stand-in received it (ms since the epoch). */
  at: number;
}

/** The bot token the Slack stand-in accepts; Alertmanager reads it from the secret file. */
const SLACK_TOKEN = "xoxb-e2e-bot-token";

const deliveries: Delivery[] = [];
let sink: Server;
let sinkUrl: string;
let work: string;
let secretDir: string;

interface RunningAlertmanager {
  url: string;
  process: ChildProcess;
  log: () => string;
}
const running: RunningAlertmanager[] = [];
let am: RunningAlertmanager;
let amUrl: string;
let amLog = () => "";

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const { port } = s.address() as AddressInfo;
  await new Promise((res) => s.close(res));
  return port;
}

function rewriteForLoopback(config: AlertmanagerConfig, base: string): AlertmanagerConfig {
  const fast = (r: {
    receiver?: string;
    group_wait?: string;
    group_interval?: string;
    routes?: unknown[];
  }) => {
    // The Watchdog keeps its rendered timing: the test measures the heartbeat it gives.
    if (r.receiver === DEAD_MANS_SWITCH) return;
    if (r.group_wait) r.group_wait = "1s";
    if (r.group_interval) r.group_interval = "1s";
    for (const child of (r.routes ?? []) as (typeof r)[]) fast(child);
  };
  fast(config.route);
  for (const rcv of config.receivers) {
    const pd = rcv.pagerduty_configs as Record<string, unknown>[] | undefined;
    for (const c of pd ?? []) c.url = `${base}/pagerduty`;
    const slack = rcv.slack_configs as Record<string, unknown>[] | undefined;
    for (const c of slack ?? []) {
      // Only the host changes: what is rendered is Slack's chat.postMessage.
      expect(c.api_url).toBe(SLACK_POST_MESSAGE);
      c.api_url = `${base}/slack`;
    }
    const email = rcv.email_configs as { send_resolved: boolean }[] | undefined;
    if (email) {
      delete rcv.email_configs;
      rcv.webhook_configs = email.map((e) => ({
        url: `${base}/email/${rcv.name}`,
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
    `timed out waiting for ${what}; deliveries: ${JSON.stringify(deliveries.map((d) => d.path))}\n${amLog()}`,
  );
}

interface PostAlert {
  labels: Record<string, string>;
  resolved?: boolean;
}

async function post(alerts: PostAlert[], url = amUrl): Promise<void> {
  const now = Date.now();
  const body = alerts.map((a) => ({
    labels: a.labels,
    annotations: { summary: `${a.labels.alertname} on ${a.labels.service ?? "platform"}` },
    startsAt: new Date(now - 60_000).toISOString(),
    // A resolved alert is one whose end lies in the past.
    endsAt: new Date(a.resolved ? now - 1000 : now + 3_600_000).toISOString(),
  }));
  const r = await fetch(`${url}/api/v2/alerts`, {
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
    if (path.endsWith("/pagerduty"))
      return d.body.event_action === (status === "firing" ? "trigger" : "resolve");
    if (path.endsWith("/slack"))
      return status === "resolved" ? text.includes("RESOLVED") : text.includes("FIRING");
    return d.body.status === status;
  });
}

/** Starts a real Alertmanager on a free loopback port with the given configuration. */
async function startAlertmanager(name: string, config: AlertmanagerConfig): Promise<RunningAlertmanager> {
  // The dead man's switch URL, like every credential, is read from its secret file (`url_file`).
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, toYaml(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    requireTool("alertmanager"),
    [
      `--config.file=${file}`,
      `--storage.path=${join(work, `${name}-data`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: a single node, nothing listens beyond loopback.
      "--cluster.listen-address=",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout?.on("data", (c) => {
    log += c;
  });
  child.stderr?.on("data", (c) => {
    log += c;
  });
  const instance = { url, process: child, log: () => log };
  running.push(instance);
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until || child.exitCode !== null) throw new Error(`alertmanager did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return instance;
}

/** The dev stack with the maintenance set by the test. */
const devWith = (maintenance: Record<string, unknown>) =>
  stackConfig("dev", { alerting: { ...stackValue<object>("dev", "alerting"), maintenance } });

beforeAll(async () => {
  sink = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      const path = req.url ?? "";
      const authorization = req.headers.authorization;
      deliveries.push({ path, authorization, body: JSON.parse(data || "{}"), at: Date.now() });
      res.writeHead(200, { "content-type": "application/json" });
      // Slack's Web API answers 200 either way and says in the body whether the token was good.
      if (path.endsWith("/slack"))
        res.end(
          JSON.stringify(
            authorization === `Bearer ${SLACK_TOKEN}` ? { ok: true } : { ok: false, error: "invalid_auth" },
          ),
        );
      else res.end("{}");
    });
  });
  await new Promise<void>((res) => sink.listen(0, "127.0.0.1", res));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  work = mkdtempSync(join(tmpdir(), "am-e2e-"));
  secretDir = join(work, "secrets");
  mkdirSync(secretDir);
  writeFileSync(join(secretDir, "pagerdutyRoutingKey"), "test-routing-key");
  // dev manages PagerDuty: each team's integration key, as the PagerDuty component's output fills it.
  for (const team of pagerdutyTeams(stackConfig("dev")))
    writeFileSync(join(secretDir, integrationKeyFile(team)), `${team}-integration-key`);
  writeFileSync(join(secretDir, "slackBotToken"), SLACK_TOKEN);
  writeFileSync(join(secretDir, "smtpPassword"), "unused");
  writeFileSync(join(secretDir, "deadMansSwitchUrl"), `${sinkUrl}/deadmansswitch`);
  const config = alertmanagerConfig(devWith({ windows: [] }), { secretDir });
  am = await startAlertmanager("main", rewriteForLoopback(config, sinkUrl));
  amUrl = am.url;
  amLog = am.log;
  // The heartbeat's spacing needs a minute of the rendered timing: start it now, measure it last.
  await post([{ labels: { alertname: "Watchdog", priority: "P3", team: "platform" } }]);
});

afterAll(async () => {
  for (const { process: p } of running) {
    if (p.exitCode !== null) continue;
    const exited = new Promise((res) => p.once("exit", res));
    p.kill("SIGTERM");
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

  it("pages a P1 without a known team through the owner team's service, as Grafana does", async () => {
    const orphan = alert("ServiceDown", "P1", "legacy", "nobody");
    await post([{ labels: orphan }]);
    const d = await waitFor("fallback P1 page", () => delivered("/pagerduty", orphan, "firing"));
    // dev manages PagerDuty and its owner team is platform; Grafana's P1 policy picks P1-platform.
    const owner = stackConfig("dev").metrics.ownerTeam;
    expect(notificationPolicy(stackConfig("dev")).routes[0]!.contactPoint).toBe(`P1-${owner}`);
    expect(d.body.routing_key).toBe(`${owner}-integration-key`);
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

  it("posts each team's P3 to that team's Slack channel with the bot token from the secret file", async () => {
    const teams = devWith({ windows: [] }).teams;
    expect(new Set(teams.map((t) => t.slackChannel)).size).toBe(teams.length);
    const byTeam = teams.map((t) => ({
      team: t,
      labels: alert("CacheHitRatioLow", "P3", `svc-${t.name}`, t.name),
    }));
    await post(byTeam.map(({ labels }) => ({ labels })));
    for (const { team, labels } of byTeam) {
      const d = await waitFor(`P3 Slack for ${team.name}`, () => delivered("/slack", labels, "firing"));
      expect(d.body.channel, team.name).toBe(team.slackChannel);
      expect(d.authorization, team.name).toBe(`Bearer ${SLACK_TOKEN}`);
    }
    // An alert of no known team goes to the default channel, through the same bot.
    const stray = alert("CacheHitRatioLow", "P3", "orphan", "nobody");
    await post([{ labels: stray }]);
    const d = await waitFor("P3 Slack for no team", () => delivered("/slack", stray, "firing"));
    expect(d.body.channel).toBe(devWith({ windows: [] }).alerting.slackChannel);
    expect(d.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    // The token travels only in the header, never in the message.
    expect(deliveries.some((x) => JSON.stringify(x.body).includes(SLACK_TOKEN))).toBe(false);
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

  it("lets a P1 of a platform component quiet the lower priorities of that object only", async () => {
    // kube-prometheus-stack's alerts as Prometheus sends them: the target's `service` (the kubelet's
    // for all), our team, component and priority, and the volume they are about.
    const chart = (alertname: string, severity: string, priority: string, component: string, pvc = "") => ({
      alertname,
      severity,
      priority,
      component,
      team: "platform",
      service: "kps-kubelet",
      namespace: "monitoring",
      ...(pvc ? { persistentvolumeclaim: pvc } : {}),
    });
    const page = chart("KubePersistentVolumeFillingUp", "critical", "P1", "volumes", "prometheus-db-0");
    const sameComponent = chart(
      "KubePersistentVolumeInodesFillingUp",
      "warning",
      "P3",
      "volumes",
      "prometheus-db-0",
    );
    const otherVolume = chart("KubePersistentVolumeErrors", "warning", "P3", "volumes", "alertmanager-db-0");
    const otherComponent = chart("KubeletPodStartUpLatencyHigh", "warning", "P3", "kubernetes");
    await post([{ labels: page }]);
    await waitFor("volume page", () => delivered("/pagerduty", page, "firing"));
    await post([{ labels: sameComponent }, { labels: otherComponent }, { labels: otherVolume }]);
    await waitFor("P3 of another component", () => delivered("/slack", otherComponent, "firing"));
    await waitFor("P3 of another volume", () => delivered("/slack", otherVolume, "firing"));
    await new Promise((r) => setTimeout(r, 4000));
    expect(delivered("/slack", sameComponent, "firing")).toBeUndefined();
    const status = (await (
      await fetch(`${amUrl}/api/v2/alerts?filter=service%3D%22kps-kubelet%22`)
    ).json()) as {
      labels: Record<string, string>;
      status: { inhibitedBy: string[] };
    }[];
    const inhibited = (name: string) => status.find((a) => a.labels.alertname === name)!.status.inhibitedBy;
    expect(inhibited("KubePersistentVolumeInodesFillingUp")).toHaveLength(1);
    expect(inhibited("KubeletPodStartUpLatencyHigh")).toEqual([]);
  });

  it("lets a platform P1 inhibit its own component's lesser alerts, not another component's or a service's", async () => {
    // Platform alerts carry `component` and no `service`: by `service` alone they would all be "equal".
    const platform = (alertname: string, priority: string, component: string) => ({
      alertname,
      priority,
      component,
      team: "platform",
    });
    const page = platform("ElasticsearchClusterRed", "P1", "elasticsearch");
    const sameP3 = platform("ElasticsearchUnassignedShards", "P3", "elasticsearch");
    const otherP2 = platform("KubePersistentVolumeFillingUp", "P2", "kubernetes");
    const serviceP2 = alert("MemoryGrowing", "P2", "ledger", "platform");
    const mentions = (path: string, name: string) =>
      deliveries.find((d) => d.path === path && JSON.stringify(d.body).includes(name));
    await post([{ labels: page }]);
    await waitFor("platform page", () => mentions("/pagerduty", page.alertname));
    await post([{ labels: sameP3 }, { labels: otherP2 }, { labels: serviceP2 }]);
    await waitFor("another component's P2", () => mentions("/email/p2-email-platform", otherP2.alertname));
    await waitFor("a service's P2", () => delivered("/email/p2-email-platform", serviceP2, "firing"));
    // Give the inhibited one the same chance to arrive: several group intervals.
    await new Promise((r) => setTimeout(r, 4000));
    expect(mentions("/slack", sameP3.alertname)).toBeUndefined();
    const status = (await (
      await fetch(`${amUrl}/api/v2/alerts?filter=component%3D%22elasticsearch%22`)
    ).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
    expect(status.find((a) => a.labels.alertname === sameP3.alertname)?.status.inhibitedBy.length).toBe(1);
  });

  it("lets a business metric's P1 quiet its own lesser thresholds only, not another metric's", async () => {
    // Business alerts have neither namespace nor service: without business_metric in `equal` one
    // metric's page would quiet every other metric's warnings.
    const business = (priority: string, metric: string, team: string) => ({
      alertname: "BusinessMetricLow",
      priority,
      team,
      business_metric: metric,
    });
    const page = business("P1", "checkout_conversion", "platform");
    const sameP3 = business("P3", "checkout_conversion", "platform");
    const otherP3 = business("P3", "signups", "web");
    await post([{ labels: page }]);
    await waitFor("business page", () =>
      deliveries.find(
        (d) => d.path === "/pagerduty" && JSON.stringify(d.body).includes("checkout_conversion"),
      ),
    );
    await post([{ labels: sameP3 }, { labels: otherP3 }]);
    const inhibitedBy = async () => {
      const status = (await (
        await fetch(`${amUrl}/api/v2/alerts?filter=alertname%3D%22BusinessMetricLow%22`)
      ).json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
      const of = (l: Record<string, string>) =>
        status.find((a) => a.labels.business_metric === l.business_metric && a.labels.priority === l.priority)
          ?.status.inhibitedBy;
      return { same: of(sameP3), other: of(otherP3), page: of(page) };
    };
    // Several group intervals, as for the other inhibitions; both warnings have arrived by then.
    await new Promise((r) => setTimeout(r, 4000));
    const r = await inhibitedBy();
    expect(r.same).toHaveLength(1);
    expect(r.other).toEqual([]);
    expect(r.page).toEqual([]);
  });

  it("lets DependencyDown quiet the symptoms it explains at its priority or lower, never a page or a cause", async () => {
    const dependency = (service: string) => ({
      ...alert("DependencyDown", "P2", service, "platform"),
      instance: "orders-db.data.svc:5432",
    });
    // inventory: its P2 dependency is down; its SLO burn and degraded calls are that, its memory is not.
    const down = dependency("inventory");
    const burn = alert("AvailabilitySLOBurn", "P2", "inventory", "platform");
    const calls = alert("ExternalDependencyDegraded", "P3", "inventory", "platform");
    const memory = alert("MemoryGrowing", "P2", "inventory", "platform");
    // Another service's burn, no dependency of its own down.
    const otherBurn = alert("AvailabilitySLOBurn", "P2", "ledger", "platform");
    // checkout: its P2 dependency is down and it burns fast: the page goes out, and so does the cause.
    const checkoutDown = dependency("checkout-api");
    const page = alert("AvailabilitySLOFastBurn", "P1", "checkout-api", "platform");
    await post([{ labels: down }, { labels: checkoutDown }, { labels: page }]);
    await waitFor("the dependency alert", () => delivered("/email/p2-email-platform", down, "firing"));
    await waitFor("the page beside a P2 dependency", () => delivered("/pagerduty", page, "firing"));
    await waitFor("the cause beside the page", () =>
      delivered("/email/p2-email-platform", checkoutDown, "firing"),
    );
    await post([{ labels: burn }, { labels: calls }, { labels: memory }, { labels: otherBurn }]);
    await waitFor("a symptom it does not explain", () =>
      delivered("/email/p2-email-platform", memory, "firing"),
    );
    await waitFor("another service's burn", () => delivered("/email/p2-email-platform", otherBurn, "firing"));
    // Several group intervals for the inhibited ones to have arrived, were they not inhibited.
    await new Promise((r) => setTimeout(r, 4000));
    expect(delivered("/email/p2-email-platform", burn, "firing")).toBeUndefined();
    expect(delivered("/slack", calls, "firing")).toBeUndefined();
    const status = (service: string) =>
      fetch(`${amUrl}/api/v2/alerts?filter=service%3D%22${service}%22`).then(
        (r) => r.json() as Promise<{ labels: Record<string, string>; status: { inhibitedBy: string[] } }[]>,
      );
    const inventory = await status("inventory");
    const by = (name: string) => inventory.find((a) => a.labels.alertname === name)!.status.inhibitedBy;
    expect(by("AvailabilitySLOBurn")).toHaveLength(1);
    expect(by("ExternalDependencyDegraded")).toHaveLength(1);
    expect(by("MemoryGrowing")).toEqual([]);
    expect(by("DependencyDown")).toEqual([]);
    const checkout = await status("checkout-api");
    for (const a of checkout) expect(a.status.inhibitedBy, a.labels.alertname).toEqual([]);
  });

  it("sends resolved notices on every channel", async () => {
    const p1 = alert("AvailabilitySLOFastBurn", "P1", "api", "platform");
    const p2 = alert("LatencyP99High", "P2", "web", "web");
    const p3 = alert("CacheHitRatioLow", "P3", "svc-platform", "platform");
    await post([p1, p2, p3].map((labels) => ({ labels, resolved: true })));
    await waitFor("P1 resolve", () => delivered("/pagerduty", p1, "resolved"));
    await waitFor("P2 resolved email", () => delivered("/email/p2-email-web", p2, "resolved"));
    await waitFor("P3 resolved Slack", () => delivered("/slack", p3, "resolved"));
  });

  it("sends the Watchdog to the dead man's switch only, once a minute", async () => {
    // Posted when the Alertmanager started; the first beat comes at once (group_wait 0s).
    const beats = () =>
      deliveries.filter((d) => d.path === "/deadmansswitch" && JSON.stringify(d.body).includes("Watchdog"));
    await waitFor("two Watchdog heartbeats", () => (beats().length >= 2 ? true : undefined), 150_000);
    const [first, second] = beats();
    const spacing = (second!.at - first!.at) / 1000;
    // Rendered at 1m: with repeat_interval equal to group_interval it would be 120 s.
    expect(spacing).toBeGreaterThan(55);
    expect(spacing).toBeLessThan(70);
    expect(
      deliveries.some((d) => d.path !== "/deadmansswitch" && JSON.stringify(d.body).includes("Watchdog")),
    ).toBe(false);
  }, 180_000);
});

/**
 * A maintenance window around the current time, in a zone where it is far from midnight (a window
 * cannot span it), with every field set to today so that each is parsed and matched.
 */
function windowAroundNow(): Record<string, unknown> {
  const now = new Date();
  const minutesUtc = now.getUTCHours() * 60 + now.getUTCMinutes();
  // Near midnight UTC it is mid-morning in Tokyo.
  const location = minutesUtc < 60 || minutesUtc > 23 * 60 ? "Asia/Tokyo" : "UTC";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: location,
      weekday: "long",
      day: "numeric",
      month: "long",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const clock = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return {
    weekdays: [parts.weekday!.toLowerCase()],
    daysOfMonth: [parts.day],
    months: [parts.month!.toLowerCase()],
    startTime: clock(minutes - 30),
    endTime: clock(minutes + 30),
    location,
  };
}

describe("a real Alertmanager during a maintenance window", () => {
  let muting: RunningAlertmanager;
  const base = () => `${sinkUrl}/maintenance`;

  beforeAll(async () => {
    const config = devWith({ windows: [windowAroundNow()], mutedPriorities: ["P2", "P3"] });
    const rendered = alertmanagerConfig(config, { secretDir });
    // The window is rendered as a top-level time interval muting the P2 and P3 routes.
    expect(rendered.time_intervals?.map((t) => t.name)).toEqual(["planned-maintenance"]);
    muting = await startAlertmanager("maintenance", rewriteForLoopback(rendered, base()));
  });

  it("mutes P2 and P3 and lets P1 through", async () => {
    const p1 = alert("ServiceDown", "P1", "payments", "platform");
    const p2 = alert("LatencyP99High", "P2", "payments-web", "web");
    const p3 = alert("CacheHitRatioLow", "P3", "payments-worker", "platform");
    // No priority label: the root route, which is never muted, so this instance does deliver.
    const unprioritised = { alertname: "Unlabelled", service: "payments-misc", team: "platform" };
    await post([{ labels: p1 }, { labels: p2 }, { labels: p3 }, { labels: unprioritised }], muting.url);
    const page = await waitFor("P1 page in maintenance", () =>
      delivered(`/maintenance/pagerduty`, p1, "firing"),
    );
    // dev manages PagerDuty: the platform team's own integration key pages it.
    expect(page.body.routing_key).toBe("platform-integration-key");
    await waitFor("unprioritised alert in maintenance", () =>
      deliveries.find(
        (d) => d.path === "/maintenance/slack" && JSON.stringify(d.body).includes("Unlabelled"),
      ),
    );
    // Several group intervals for the muted ones to have arrived, were they not muted.
    await new Promise((r) => setTimeout(r, 4000));
    expect(delivered("/maintenance/email/p2-email-web", p2, "firing")).toBeUndefined();
    expect(delivered("/maintenance/slack", p3, "firing")).toBeUndefined();
    expect(muting.log()).not.toMatch(/level=error/);
    // Alertmanager holds them, firing and not silenced or inhibited: only the window mutes them.
    const alerts = (await (await fetch(`${muting.url}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
      status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
    }[];
    for (const name of [p2.alertname, p3.alertname]) {
      const a = alerts.find((x) => x.labels.alertname === name)!;
      expect(a.status.silencedBy, name).toEqual([]);
      expect(a.status.inhibitedBy, name).toEqual([]);
    }
  });
});
