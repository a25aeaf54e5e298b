import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApplyError, applyPlan, type PlanStep } from "../../infra/components/logging-applier.mjs";
import { applierScript } from "../../infra/components/logging";
import { isCheck, runJob as runJobWith, sentBody, testSecrets } from "./job";
import { settingsPlan } from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";
import { RecordingServer } from "./recorder";

const plan: PlanStep[] = settingsPlan(stackConfig("prod"));
/**
 * The steps that are one write each: a data_stream step only reads while no stream exists, a
 * retired_users step only reads while no user is to retire.
 */
const writes = plan.filter((s) => !isCheck(s));
const secrets = testSecrets(plan);
const server = new RecordingServer();
let url = "";

const options = () => ({
  elasticsearchUrl: url,
  kibanaUrl: `${url}/kibana`,
  username: "elastic",
  password: "test-password",
  readyTimeoutMs: 5000,
  retryDelayMs: 10,
  secrets,
});

beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

describe("settings applier against a loopback server", () => {
  it("applies every step once, in order, authenticated", async () => {
    await applyPlan(plan, options());
    const sent = server.writes();
    expect(sent.map((w) => `${w.method} ${w.path}`)).toEqual(
      writes.map((s) => `${s.method} ${s.target === "kibana" ? "/kibana" : ""}${s.path}`),
    );
    // People's users carry their password from the Secret; nothing else is added to a body.
    expect(sent.map((w) => w.body)).toEqual(writes.map((s) => sentBody(s, secrets)));
    // Each data stream is looked at (none exists yet, so none is rolled over).
    expect(server.requests.filter((r) => r.path.startsWith("/_data_stream/")).map((r) => r.path)).toEqual(
      plan.filter((s) => s.kind === "data_stream").map((s) => `/_data_stream/${s.name}`),
    );
    for (const w of server.requests)
      expect(w.headers.authorization).toBe(
        `Basic ${Buffer.from("elastic:test-password").toString("base64")}`,
      );
    for (const w of sent.filter((x) => x.path.startsWith("/kibana")))
      expect(w.headers["kbn-xsrf"]).toBeDefined();
  });

  it("is idempotent: a second run converges to the same state with no new objects", async () => {
    await applyPlan(plan, options());
    const first = new Map(server.store);
    const firstWrites = server.writes().length;
    await applyPlan(plan, options());
    expect(server.store).toEqual(first);
    expect(server.store.size).toBe(writes.length);
    expect(server.writes().length).toBe(2 * firstWrites);
  });

  it("waits until Elasticsearch is healthy before writing", async () => {
    let healthChecks = 0;
    server.handler = (r) => {
      if (r.path.startsWith("/_cluster/health")) {
        healthChecks += 1;
        if (healthChecks < 3) return { status: 503, body: { error: "master_not_discovered_exception" } };
      }
      return undefined;
    };
    await applyPlan(plan.slice(0, 2), options());
    expect(healthChecks).toBe(3);
    expect(server.writes()).toHaveLength(2);
  });

  it("stops at the first refused step and reports the response body", async () => {
    const bad = plan.find((s) => s.kind === "index_template");
    const reason = {
      error: { type: "illegal_argument_exception", reason: "composable template requires pipeline" },
      status: 400,
    };
    server.handler = (r) => (r.path === bad?.path ? { status: 400, body: reason } : undefined);
    const err = await applyPlan(plan, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).status).toBe(400);
    expect((err as Error).message).toContain("composable template requires pipeline");
    expect((err as Error).message).toContain(bad?.path);
    expect(server.writes().at(-1)?.path).toBe(bad?.path);
  });

  it("retries a step the server fails with 5xx", async () => {
    let failures = 0;
    server.handler = (r) =>
      r.method === "PUT" && failures++ < 2 ? { status: 503, body: { error: "busy" } } : undefined;
    await applyPlan(plan.slice(0, 1), options());
    expect(server.writes()).toHaveLength(3);
    expect(server.store.size).toBe(1);
  });

  it("fails when the cluster never becomes ready, saying why", async () => {
    server.handler = (r) => (r.method === "GET" ? { status: 503, body: { error: "red" } } : undefined);
    await expect(applyPlan(plan, { ...options(), readyTimeoutMs: 50 })).rejects.toThrow(
      /Elasticsearch did not become ready/,
    );
    expect(server.writes()).toHaveLength(0);
  });
});

const runJob = (env: Record<string, string>) => runJobWith(env, plan);

describe("the settings Job's script", () => {
  const env = () => ({
    ES_URL: url,
    KIBANA_URL: `${url}/kibana`,
    ES_USERNAME: "elastic",
    ES_PASSWORD: "test-password",
    READY_TIMEOUT_SECONDS: "5",
    RETRY_DELAY_MS: "10",
  });

  it("applies the plan and exits 0, twice with the same result", async () => {
    const first = await runJob(env());
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${plan.length} settings`);
    const state = new Map(server.store);
    const second = await runJob(env());
    expect(second.code).toBe(0);
    expect(server.store).toEqual(state);
  });

  it("exits 1 with the server's answer when a step is refused", async () => {
    server.handler = (r) =>
      r.path.startsWith("/_ilm/policy/")
        ? { status: 400, body: { error: { reason: "phase [delete] min_age invalid" } } }
        : undefined;
    const run = await runJob(env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("phase [delete] min_age invalid");
  });

  it("exits 1 naming a missing setting", async () => {
    const { ES_PASSWORD: _, ...rest } = env();
    const run = await runJob(rest);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ES_PASSWORD");
  });

  it("only reads: the container filesystem is read-only", () => {
    // The container's root filesystem is read-only; the script must only read its mounts.
    expect(applierScript()).not.toMatch(/writeFile|mkdir/);
  });
});
