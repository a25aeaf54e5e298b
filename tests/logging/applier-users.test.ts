import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type ApplierOptions,
  ApplyError,
  applyPlan,
  type PlanStep,
  settingsFromEnv,
} from "../../infra/components/logging-applier.mjs";
import { PROJECT } from "../../infra/config";
import { MANAGED_BY_META } from "../../infra/generators/labels";
import { settingsPlans } from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { tempFiles } from "../helpers/tools";
import { runJob, testSecrets } from "./job";
import { RecordingServer } from "./recorder";

/**
 * The users Job against a loopback server that keeps native users as Elasticsearch does: each
 * configured user is put with the password from the mounted Secret, a user this stack made and no
 * longer lists is disabled (never deleted), users made by hand are left alone, and no password
 * reaches a log line.
 */

const usersPlan = (users: { username: string; roles: string[] }[]): PlanStep[] => {
  const logging = JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}");
  return settingsPlans(stackConfig("prod", { logging: { ...logging, users } })).users;
};
const ALL = [
  { username: "jdoe", roles: ["log-reader"] },
  { username: "auditor1", roles: ["auditor"] },
];
const plan = usersPlan(ALL);
const secrets = testSecrets(plan);
const PASSWORD = "elastic-Pa55word";

const server = new RecordingServer();
let url = "";
let logs: string[] = [];
const options = (over: Partial<ApplierOptions> = {}): ApplierOptions => ({
  elasticsearchUrl: url,
  username: "elastic",
  password: PASSWORD,
  readyTimeoutMs: 5000,
  retryDelayMs: 10,
  retryMaxDelayMs: 40,
  secrets,
  log: (line) => logs.push(line),
  ...over,
});
/** The users the server holds, as `GET /_security/user` lists them. */
const users = async () =>
  (await (await fetch(`${url}/_security/user`)).json()) as Record<
    string,
    { roles: string[]; enabled: boolean; metadata: Record<string, unknown> }
  >;

beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  logs = [];
});

describe("the users Job", () => {
  it("puts each user with its password from the Secret, and disables nobody while every user is listed", async () => {
    await applyPlan(plan, options());
    const puts = server.writes();
    // In user-name order, whatever the config's.
    expect(puts.map((w) => `${w.method} ${w.path}`)).toEqual([
      "PUT /_security/user/auditor1",
      "PUT /_security/user/jdoe",
    ]);
    const jdoe = plan.find((s) => s.name === "jdoe");
    expect(puts[1]?.body).toEqual({ ...(jdoe?.body as object), password: secrets.jdoe });
    expect(puts[0]?.body).toMatchObject({ roles: ["auditor"], password: secrets.auditor1, enabled: true });
    expect(server.requests.filter((r) => r.method === "GET" && r.path === "/_security/user")).toHaveLength(1);
    expect(logs.join("\n")).toContain("no user to disable");
    expect(Object.keys(await users()).sort()).toEqual(["auditor1", "jdoe"]);
  });

  it("disables a user removed from the config, keeps it, and enables it again once it is listed again", async () => {
    // A user made by hand (no managed_by) and one of ours already disabled are left alone.
    server.store.set("/_security/user/break-glass", { roles: ["superuser"], password: "x".repeat(12) });
    await applyPlan(plan, options());
    await applyPlan(usersPlan([ALL[0]!]), options({ secrets: { jdoe: secrets.jdoe! } }));
    let now = await users();
    expect(now.auditor1).toMatchObject({
      enabled: false,
      roles: ["auditor"],
      metadata: { managed_by: MANAGED_BY_META },
    });
    expect(now.jdoe?.enabled).toBe(true);
    expect(now["break-glass"]?.enabled).toBe(true);
    expect(server.requests.some((r) => r.method === "DELETE")).toBe(false);
    expect(logs.join("\n")).toContain("disabled user auditor1: no longer in logging.users");
    // Again: nothing left to disable, no second _disable.
    const before = server.requests.length;
    await applyPlan(usersPlan([ALL[0]!]), options({ secrets: { jdoe: secrets.jdoe! } }));
    expect(server.requests.slice(before).filter((r) => r.path.endsWith("/_disable"))).toEqual([]);
    // Listed again: enabled, with what it had.
    await applyPlan(plan, options());
    now = await users();
    expect(now.auditor1).toMatchObject({ enabled: true, roles: ["auditor"] });
  });

  it("takes over a hand-made user whose name gets listed: its password, roles and metadata become the stack's", async () => {
    // Made by hand before it was listed: its own password and roles, no managed_by.
    const handMade = { roles: ["superuser"], password: "a-hand-made-password", metadata: { team: "x" } };
    server.store.set("/_security/user/jdoe", handMade);
    await applyPlan(plan, options());
    expect(server.store.get("/_security/user/jdoe")).toMatchObject({
      roles: ["log-reader"],
      password: secrets.jdoe,
      metadata: { managed_by: MANAGED_BY_META },
    });
    expect((await users()).jdoe?.metadata).not.toHaveProperty("team");
    // It is the stack's now: taken out of the list, it is disabled like any user the stack made.
    await applyPlan(usersPlan([ALL[1]!]), options({ secrets: { auditor1: secrets.auditor1! } }));
    expect((await users()).jdoe?.enabled).toBe(false);
  });

  it("disables as the Elasticsearch client does (PUT /_security/user/<name>/_disable)", async () => {
    const client = new Client({ node: url });
    try {
      server.store.set("/_security/user/old", { roles: [], metadata: { managed_by: MANAGED_BY_META } });
      await client.security.disableUser({ username: "old" });
      const fromClient = server.requests.at(-1);
      server.reset();
      server.store.set("/_security/user/old", { roles: [], metadata: { managed_by: MANAGED_BY_META } });
      await applyPlan(plan, options());
      const fromJob = server.requests.find((r) => r.path.endsWith("/_disable"));
      expect({ method: fromJob?.method, path: fromJob?.path }).toEqual({
        method: fromClient?.method,
        path: fromClient?.path,
      });
    } finally {
      await client.close();
    }
  });

  it("refuses to start without a user's password, naming the key and never a value", async () => {
    await expect(applyPlan(plan, options({ secrets: { jdoe: secrets.jdoe! } }))).rejects.toThrow(
      /no secret for user auditor1 \(key auditor1\); check SECRETS_DIR/,
    );
    expect(server.requests).toEqual([]);
    const dir = tempFiles({ "plan.json": JSON.stringify(plan) });
    const env = {
      ES_URL: url,
      ES_USERNAME: "elastic",
      ES_PASSWORD: PASSWORD,
      PLAN_FILE: join(dir, "plan.json"),
    };
    expect(() => settingsFromEnv(env)).toThrow(
      /SECRETS_DIR is not set, and the plan needs secrets auditor1, jdoe/,
    );
    const partial = tempFiles({ jdoe: secrets.jdoe!, auditor1: "short" });
    let message = "";
    try {
      settingsFromEnv({ ...env, SECRETS_DIR: tempFiles({ jdoe: secrets.jdoe! }) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cannot read auditor1 \(ENOENT\)/);
    expect(message).not.toContain(secrets.jdoe);
    expect(() => settingsFromEnv({ ...env, SECRETS_DIR: partial })).toThrow(
      /auditor1 is shorter than the 6 characters Elasticsearch requires/,
    );
  });

  it("never prints a user's password, even when the server echoes the request", async () => {
    server.handler = (r) =>
      r.path === "/_security/user/auditor1"
        ? { status: 400, body: { error: { reason: `bad request ${JSON.stringify(r.body)}` } } }
        : undefined;
    const err = await applyPlan(plan, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    const text = `${(err as Error).message}\n${logs.join("\n")}`;
    expect(text).toContain("bad request");
    expect(text).toContain("[redacted]");
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
  });

  it("runs as the Job's script with the Secret mounted, twice to the same users", async () => {
    const env = {
      ES_URL: url,
      ES_USERNAME: "elastic",
      ES_PASSWORD: PASSWORD,
      READY_TIMEOUT_SECONDS: "5",
      RETRY_DELAY_MS: "10",
    };
    const first = await runJob(env, plan);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    for (const value of Object.values(secrets)) expect(first.stdout).not.toContain(value);
    const state = new Map(server.store);
    const second = await runJob(env, plan);
    expect(second.code).toBe(0);
    expect(server.store).toEqual(state);
  });
});
