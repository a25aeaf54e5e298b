import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createProvider,
  type MetricAlertState,
  SentryApiError,
} from "../../infra/components/sentry-api-provider.cjs";
import { one, rendered } from "../helpers/render";

/**
 * The metric-alert half of the Sentry REST provider against a loopback stand-in for Sentry's
 * alert-rule API. The rule sent is the one the dev stack renders, so the provider is tested with
 * exactly what `pulumi up` would send.
 */
interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
const requests: Recorded[] = [];
const script: Handler[] = [];
/** Rules the stand-in holds, by id. */
const rules = new Map<string, unknown>();
let nextId = 41;

const TOKEN = "sntrys_metric-alert-test-token";
const COLLECTION = "/api/0/organizations/acme/alert-rules/";

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = raw === "" ? undefined : JSON.parse(raw);
      requests.push({ method: req.method ?? "", path: req.url ?? "", auth: req.headers.authorization, body });
      const scripted = script.shift();
      if (scripted) return scripted(req, res);
      const reply = (status: number, payload?: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(payload === undefined ? "" : JSON.stringify(payload));
      };
      if (req.method === "POST" && req.url === COLLECTION) {
        const id = String(++nextId);
        rules.set(id, body);
        return reply(201, { id, ...(body as object) });
      }
      const id = /alert-rules\/(\d+)\/$/.exec(req.url ?? "")?.[1] ?? "";
      if (!rules.has(id)) return reply(404, { detail: "The requested resource does not exist" });
      if (req.method === "PUT") rules.set(id, body);
      if (req.method === "DELETE") {
        rules.delete(id);
        return reply(204);
      }
      reply(200, { id, ...(rules.get(id) as object) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  script.length = 0;
  rules.clear();
});

/** The dev stack's P3 slow-transaction rule (it has a Slack action), with this stand-in's URL. */
const state = (over: Partial<MetricAlertState> = {}): MetricAlertState => {
  const r = one(
    rendered("dev"),
    "pulumi-nodejs:dynamic/sentry:MetricAlertRule",
    "sentry-backend-slow-transactions",
  );
  const rule = JSON.parse(JSON.stringify(r.inputs.rule)) as MetricAlertState["rule"];
  return { kind: "metric-alert", baseUrl, organization: "acme", token: TOKEN, rule, ...over };
};

const quick = () => createProvider({ sleep: async () => {}, random: () => 0.5 });

const answer =
  (status: number, payload: unknown): Handler =>
  (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(payload));
  };

const failure = async (p: Promise<unknown>): Promise<InstanceType<typeof SentryApiError>> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SentryApiError);
  return err as InstanceType<typeof SentryApiError>;
};

describe("Sentry metric alert rules through the REST provider", () => {
  it("the rendered rule gives every Slack action its channel id", () => {
    const slack = state()
      .rule.triggers.flatMap((t) => t.actions)
      .filter((a) => a.type === "slack");
    expect(slack.length).toBeGreaterThan(0);
    for (const a of slack) expect(a.inputChannelId).toMatch(/^[CG][A-Z0-9]+$/);
  });

  it("create POSTs the whole rule to the organization and keeps Sentry's id", async () => {
    const p = quick();
    const created = await p.create!(state());
    expect(requests).toEqual([
      { method: "POST", path: COLLECTION, auth: `Bearer ${TOKEN}`, body: state().rule },
    ]);
    expect(created.id).toBe(String(nextId));
    expect(created.outs).toEqual(state());
  });

  it("a 202 (Slack channel looked up later) fails create instead of recording a rule that may never exist", async () => {
    script.push(answer(202, { uuid: "2bbd0f5e-0d9e-4c4b-9d3b-1c1f0b9d2a11" }));
    const err = await failure(quick().create!(state()));
    expect(err.message).toContain("looks the Slack channel up asynchronously");
  });

  it("a POST is repeated after 429 but never after a 500 or a lost answer (it may have created the rule)", async () => {
    script.push(answer(429, { detail: "slow down" }));
    await quick().create!(state());
    expect(requests.map((r) => r.method)).toEqual(["POST", "POST"]);

    requests.length = 0;
    script.push(answer(500, { detail: "boom" }));
    const err = await failure(quick().create!(state()));
    expect(err).toMatchObject({ status: 500, attempts: 1 });
    expect(requests).toHaveLength(1);

    requests.length = 0;
    script.push((req) => req.socket.destroy());
    const lost = await failure(quick().create!(state()));
    expect(lost.message).toContain("look for a duplicate");
    expect(requests).toHaveLength(1);
  });

  it("diff is local: no request, no change for the same rule; a new threshold is an update, a new organization a replacement", async () => {
    const p = quick();
    expect(await p.diff!("42", state(), state())).toMatchObject({ changes: false, replaces: [] });
    const raised = state();
    raised.rule.triggers[0]!.alertThreshold += 1;
    expect(await p.diff!("42", state(), raised)).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff!("42", state(), state({ organization: "other" }))).toMatchObject({
      changes: true,
      replaces: ["organization"],
    });
    expect(requests).toEqual([]);
  });

  it("update PUTs the whole rule to its id, and sends nothing when only the token rotated", async () => {
    const p = quick();
    const { id } = await p.create!(state());
    requests.length = 0;
    await p.update!(id, state(), state({ token: `${TOKEN}-rotated` }));
    expect(requests).toEqual([]);
    const raised = state();
    raised.rule.triggers[0]!.alertThreshold += 1;
    await p.update!(id, state(), raised);
    expect(requests).toEqual([
      { method: "PUT", path: `${COLLECTION}${id}/`, auth: `Bearer ${TOKEN}`, body: raised.rule },
    ]);
  });

  it("read keeps the state while the rule exists, and reports it gone on 404 so refresh drops it", async () => {
    const p = quick();
    const { id } = await p.create!(state());
    expect(await p.read!(id, state())).toEqual({ id, props: state() });
    rules.clear();
    expect(await p.read!(id, state())).toEqual({ id: undefined });
  });

  it("delete removes the rule, and a rule already deleted in Sentry is not an error", async () => {
    const p = quick();
    const { id } = await p.create!(state());
    await p.delete!(id, state());
    expect(rules.has(id)).toBe(false);
    await p.delete!(id, state());
    expect(requests.slice(-2).map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE ${COLLECTION}${id}/`,
      `DELETE ${COLLECTION}${id}/`,
    ]);
  });

  it("a rule Sentry is still deleting (400 'already been deleted') does not fail a destroy", async () => {
    script.push(answer(400, { detail: "This rule has already been deleted" }));
    await quick().delete!("42", state());
    script.push(answer(400, { detail: "Invalid" }));
    await failure(quick().delete!("42", state()));
  });

  it("a 400 quotes Sentry's reason, e.g. a dataset the organisation no longer takes", async () => {
    const reason = "Creation of transaction-based alerts is disabled, as we migrate to the span dataset.";
    script.push(answer(400, { nonFieldErrors: [reason] }));
    const err = await failure(quick().create!(state()));
    expect(err.message).toContain("Sentry rejected the request");
    expect(err.message).toContain(reason);
  });

  it("the rendered rule asks the span dataset for transactions only (sentry.io refuses new transaction-based alerts)", () => {
    expect(state().rule).toMatchObject({
      dataset: "events_analytics_platform",
      eventTypes: ["trace_item_span"],
      query: "is_transaction:true",
      aggregate: "p95(span.duration)",
    });
  });

  it("403 names the alerts scope; errors never quote the token", async () => {
    script.push(answer(403, { detail: `You do not have permission (token ${TOKEN})` }));
    const err = await failure(quick().create!(state()));
    expect(err.message).toContain("alerts:write scope");
    expect(err.message).not.toContain(TOKEN);
  });

  it("check refuses a Slack action without its channel id and a rule without projects", async () => {
    const bad = state();
    const slack = bad.rule.triggers.flatMap((t) => t.actions).find((a) => a.type === "slack")!;
    delete slack.inputChannelId;
    bad.rule.projects = [];
    const { failures } = await quick().check!(state(), bad);
    expect(failures?.map((f) => f.property)).toEqual([
      "rule.projects",
      expect.stringMatching(/^rule\.triggers\[\d\]\.actions\[\d\]\.inputChannelId$/),
    ]);
    expect((await quick().check!(state(), state())).failures).toEqual([]);
  });
});
