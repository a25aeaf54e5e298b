import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { ReadResponse } from "@pulumi/pulumi/proto/provider_pb.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createProvider,
  type ProviderOptions,
  provider,
  redact,
  retryDelayMs,
  DEFAULT_POLICY,
  SENTRY_DEFAULT_SCRUBBING,
  SentryApiError,
  type ScrubbingSettings,
  type ScrubbingState,
} from "../../infra/components/sentry-api-provider.cjs";

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A stand-in for Sentry's project API on loopback: records requests, answers like Sentry. */
let server: Server;
let baseUrl: string;
const requests: Recorded[] = [];
/** Project documents by path; a path missing here answers 404. */
const projects = new Map<string, Record<string, unknown>>();
let failNext: { status: number; body: string } | undefined;
/** Answers for the next requests, one each, before the stand-in answers like Sentry. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const script: Handler[] = [];

const PATH = "/api/0/projects/acme/acme-dev-backend/";
const TOKEN = "sntrys_test-token-value";
const settings: ScrubbingSettings = {
  dataScrubber: true,
  dataScrubberDefaults: true,
  scrubIPAddresses: true,
  sensitiveFields: ["authorization", "email"],
  safeFields: ["order_id"],
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = raw === "" ? undefined : JSON.parse(raw);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const scripted = script.shift();
      if (scripted) return scripted(req, res);
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
      };
      if (failNext) {
        const f = failNext;
        failNext = undefined;
        return reply(f.status, f.body);
      }
      const project = projects.get(req.url ?? "");
      if (!project) return reply(404, { detail: "The requested resource does not exist" });
      if (req.method === "PUT") Object.assign(project, body);
      reply(200, project);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // Requests left hanging on purpose must not keep the server open.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  projects.clear();
  // Sentry returns the whole project, scrubbing options among many other fields.
  projects.set(PATH, {
    id: "42",
    slug: "acme-dev-backend",
    platform: "python-django",
    ...SENTRY_DEFAULT_SCRUBBING,
  });
  failNext = undefined;
  script.length = 0;
});

const state = (over: Partial<ScrubbingState> = {}): ScrubbingState => ({
  baseUrl,
  organization: "acme",
  project: "acme-dev-backend",
  token: TOKEN,
  settings,
  ...over,
});

/** One scripted answer: status, body (JSON unless a string) and extra headers. */
const answer =
  (status: number, payload: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
  };
/** The connection drops without an answer. */
const reset: Handler = (req) => req.socket.destroy();
/** No answer at all: only the client's timeout ends this. */
const hang: Handler = () => {};
/** Headers and half a body, then silence: the timeout must cover reading the body. */
const stallBody: Handler = (_req, res) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.write('{"id":"42","dataScrub');
};

/**
 * A provider whose waits are recorded instead of slept, so retry tests take milliseconds; the
 * policy is the real default unless a test says otherwise.
 */
const quick = (over: ProviderOptions = {}) => {
  const slept: number[] = [];
  const p = createProvider({
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.5,
    ...over,
  });
  return { provider: p, slept };
};

/** The rejection of a promise that must reject. */
const failure = async (p: Promise<unknown>): Promise<InstanceType<typeof SentryApiError>> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SentryApiError);
  return err as InstanceType<typeof SentryApiError>;
};

describe("Sentry data-scrubbing dynamic provider", () => {
  it("create PUTs the scrubbing options to the project with the bearer token", async () => {
    const result = await provider.create!(state());
    expect(requests).toHaveLength(1);
    const [r] = requests;
    expect(r!.method).toBe("PUT");
    expect(r!.path).toBe(PATH);
    expect(r!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r!.headers["content-type"]).toBe("application/json");
    // Only the scrubbing fields: the project's other settings are left alone.
    expect(r!.body).toEqual(settings);
    expect(result.id).toBe("acme/acme-dev-backend");
    expect(result.outs!.settings).toEqual(settings);
    expect(projects.get(PATH)).toMatchObject({ platform: "python-django", scrubIPAddresses: true });
  });

  it("diff sends no request and reports no change when nothing changed", async () => {
    const diff = await provider.diff!("acme/acme-dev-backend", state(), state());
    expect(diff.changes).toBe(false);
    expect(diff.replaces).toEqual([]);
    // Field lists are sets to Sentry: another order is not a change.
    const reordered = state({ settings: { ...settings, sensitiveFields: ["email", "authorization"] } });
    expect((await provider.diff!("acme/acme-dev-backend", state(), reordered)).changes).toBe(false);
    expect(requests).toHaveLength(0);
  });

  it("diff reports a changed option as an in-place update and a moved project as a replacement", async () => {
    const changed = state({ settings: { ...settings, scrubIPAddresses: false } });
    expect(await provider.diff!("id", state(), changed)).toMatchObject({ changes: true, replaces: [] });
    const moved = await provider.diff!("id", state(), state({ project: "acme-dev-frontend" }));
    expect(moved).toMatchObject({ changes: true, replaces: ["project"] });
    expect(requests).toHaveLength(0);
  });

  it("update PUTs only the new options, and sends nothing when only the token rotated", async () => {
    const next = state({ settings: { ...settings, safeFields: [] } });
    const out = await provider.update!("acme/acme-dev-backend", state(), next);
    expect(requests.map((r) => [r.method, r.path])).toEqual([["PUT", PATH]]);
    expect((requests[0]!.body as ScrubbingSettings).safeFields).toEqual([]);
    expect(out.outs!.settings.safeFields).toEqual([]);

    requests.length = 0;
    const rotated = await provider.update!("acme/acme-dev-backend", next, {
      ...next,
      token: "sntrys_rotated",
    });
    expect(requests).toHaveLength(0);
    expect(rotated.outs!.token).toBe("sntrys_rotated");
  });

  it("read GETs the project and reports what Sentry has now (drift)", async () => {
    projects.set(PATH, {
      ...projects.get(PATH),
      sensitiveFields: ["changed-in-ui"],
      scrubIPAddresses: false,
    });
    const read = await provider.read!("acme/acme-dev-backend", state());
    expect(requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ["GET", PATH, `Bearer ${TOKEN}`],
    ]);
    expect(read.props!.settings).toMatchObject({
      sensitiveFields: ["changed-in-ui"],
      scrubIPAddresses: false,
    });
  });

  it("delete puts Sentry's defaults back, and tolerates a project that is already gone", async () => {
    await provider.delete!("acme/acme-dev-backend", state());
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe("PUT");
    expect(requests[0]!.body).toEqual(SENTRY_DEFAULT_SCRUBBING);

    projects.clear();
    await expect(provider.delete!("acme/acme-dev-backend", state())).resolves.toBeUndefined();
  });

  it("an API error surfaces with its status and body", async () => {
    failNext = { status: 403, body: '{"detail":"You do not have permission to perform this action."}' };
    const err = await provider.create!(state()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SentryApiError);
    expect(err).toMatchObject({ status: 403, method: "PUT", path: PATH });
    expect((err as Error).message).toContain("HTTP 403");
    expect((err as Error).message).toContain("You do not have permission");
    // The token never appears in an error.
    expect((err as Error).message).not.toContain(TOKEN);
  });

  it("a 500 on delete is not mistaken for a missing project", async () => {
    script.push(...Array.from({ length: 5 }, () => answer(500, "upstream timeout")));
    await expect(quick().provider.delete!("id", state())).rejects.toMatchObject({
      status: 500,
      body: "upstream timeout",
    });
  });

  it("check rejects missing target fields and malformed field lists", async () => {
    const bad = {
      ...state(),
      project: "",
      settings: { ...settings, safeFields: "x" },
    } as unknown as ScrubbingState;
    const { failures } = await provider.check!(state(), bad);
    expect(failures?.map((f) => f.property).sort()).toEqual(["project", "settings.safeFields"]);
    expect((await provider.check!(state(), state())).failures).toEqual([]);
  });
});

describe("retries: 429, 5xx and transport failures, bounded", () => {
  it("a 429 is retried after the Retry-After seconds Sentry asks for", async () => {
    script.push(answer(429, { detail: "Request was throttled." }, { "Retry-After": "7" }));
    const { provider: p, slept } = quick();
    const created = await p.create!(state());
    expect(requests.map((r) => r.method)).toEqual(["PUT", "PUT"]);
    expect(slept).toEqual([7000]);
    expect(created.outs!.settings).toEqual(settings);
  });

  it("a Retry-After given as an HTTP date waits until that time", async () => {
    const t0 = Date.parse("2026-12-06T19:00:00Z");
    script.push(answer(503, "maintenance", { "Retry-After": new Date(t0 + 12_000).toUTCString() }));
    const { provider: p, slept } = quick({ now: () => t0 });
    await p.create!(state());
    expect(slept).toEqual([12_000]);
    expect(requests).toHaveLength(2);
  });

  it("a Retry-After beyond 60 s is cut to 60 s", async () => {
    script.push(answer(429, "", { "Retry-After": "3600" }));
    const { provider: p, slept } = quick();
    await p.create!(state());
    expect(slept).toEqual([60_000]);
  });

  it("5xx without Retry-After: doubling jittered backoff, then a clear failure after 5 attempts", async () => {
    script.push(...Array.from({ length: 6 }, () => answer(503, "upstream connect error")));
    const { provider: p, slept } = quick();
    const err = await failure(p.create!(state()));
    expect(requests).toHaveLength(5);
    // random() = 0.5 sits halfway in each [ceiling/2, ceiling] window: 1 s, 2 s, 4 s, 8 s.
    expect(slept).toEqual([750, 1500, 3000, 6000]);
    expect(err).toMatchObject({ status: 503, attempts: 5, method: "PUT", path: PATH });
    expect(err.message).toMatch(/failed after 5 attempt\(s\).*HTTP 503: upstream connect error/);
  });

  it("backoff stays within its window and under its 30 s cap, whatever the jitter", () => {
    for (const r of [0, 0.25, 0.999]) {
      expect(retryDelayMs(1, null, DEFAULT_POLICY, 0, r)).toBeGreaterThanOrEqual(500);
      expect(retryDelayMs(1, null, DEFAULT_POLICY, 0, r)).toBeLessThanOrEqual(1000);
      expect(retryDelayMs(12, null, DEFAULT_POLICY, 0, r)).toBeGreaterThanOrEqual(15_000);
      expect(retryDelayMs(12, null, DEFAULT_POLICY, 0, r)).toBeLessThanOrEqual(30_000);
    }
    // An unreadable Retry-After falls back to backoff rather than to no wait.
    expect(retryDelayMs(1, "soon", DEFAULT_POLICY, 0, 0.5)).toBe(750);
    expect(retryDelayMs(1, "0", DEFAULT_POLICY, 0, 0.5)).toBe(0);
  });

  it("the whole call stops within its 120 s budget, waits included", async () => {
    script.push(...Array.from({ length: 5 }, () => answer(429, "throttled", { "Retry-After": "50" })));
    let clock = Date.parse("2026-12-06T19:00:00Z");
    const p = createProvider({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const err = await failure(p.create!(state()));
    // 50 s + 50 s fit; a third wait would end at 150 s.
    expect(requests).toHaveLength(3);
    expect(err).toMatchObject({ status: 429, attempts: 3 });
    expect(err.message).toContain("gave up after 3 attempt(s) in 100 s");
    expect(err.message).toContain("120 s budget");
  });

  it("the default sleep really waits between attempts", async () => {
    script.push(answer(502, "bad gateway"), answer(502, "bad gateway"));
    const p = createProvider({ policy: { baseDelayMs: 40 } });
    const t = performance.now();
    await p.create!(state());
    // At least half of 40 ms, then half of 80 ms.
    expect(performance.now() - t).toBeGreaterThanOrEqual(55);
    expect(requests).toHaveLength(3);
  });

  it("a dropped connection is retried", async () => {
    script.push(reset, reset);
    const { provider: p, slept } = quick();
    const created = await p.create!(state());
    expect(requests).toHaveLength(3);
    expect(slept).toHaveLength(2);
    expect(created.outs!.settings).toEqual(settings);
  });

  it("a refused connection is retried, then reported with its cause", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { provider: p, slept } = quick();
    const err = await failure(p.create!(state({ baseUrl: `http://127.0.0.1:${port}` })));
    expect(slept).toHaveLength(4);
    expect(err).toMatchObject({ status: undefined, attempts: 5 });
    expect(err.message).toMatch(/failed after 5 attempt\(s\).*ECONNREFUSED/);
  });

  it("each attempt times out, reading the body included, and is then retried", async () => {
    script.push(hang, stallBody);
    const { provider: p, slept } = quick({ policy: { attemptTimeoutMs: 150 } });
    const t = performance.now();
    const created = await p.create!(state());
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    expect(requests).toHaveLength(3);
    expect(slept).toHaveLength(2);
    expect(created.outs!.settings).toEqual(settings);

    requests.length = 0;
    script.push(hang, hang);
    const { provider: p2 } = quick({ policy: { attemptTimeoutMs: 100, maxAttempts: 2 } });
    const err = await failure(p2.read!("acme/acme-dev-backend", state()));
    expect(err.message).toMatch(/failed after 2 attempt\(s\).*no complete answer within 100 ms/);
  });
});

describe("other 4xx fail at once, saying what to fix", () => {
  it("400 quotes Sentry's reason", async () => {
    script.push(answer(400, { sensitiveFields: ["Ensure this field has no more than 200 characters."] }));
    const { provider: p, slept } = quick();
    const err = await failure(p.create!(state()));
    expect(requests).toHaveLength(1);
    expect(slept).toEqual([]);
    expect(err).toMatchObject({ status: 400, attempts: 1 });
    expect(err.message).toContain("HTTP 400: Sentry rejected the request. Sentry said: ");
    expect(err.message).toContain("no more than 200 characters");
  });

  it("401 points at the token, 403 at its scopes", async () => {
    const { provider: p } = quick();
    script.push(answer(401, { detail: "Invalid token" }));
    const unauthorised = await failure(p.create!(state()));
    expect(unauthorised.message).toContain("auth token was refused");
    expect(unauthorised.message).toContain("Invalid token");

    script.push(answer(403, { detail: "You do not have permission to perform this action." }));
    const forbidden = await failure(p.update!("id", state({ settings: SENTRY_DEFAULT_SCRUBBING }), state()));
    expect(forbidden.message).toContain("project:write scope");

    script.push(answer(403, { detail: "You do not have permission to perform this action." }));
    const cannotRead = await failure(p.read!("id", state()));
    expect(cannotRead.message).toContain("project:read scope");
    expect(requests).toHaveLength(3);
  });
});

describe("a project that does not exist", () => {
  it("read answers 'gone' on 404, so refresh drops the resource", async () => {
    projects.clear();
    const read = await provider.read!("acme/acme-dev-backend", state());
    expect(read.id).toBeUndefined();
    expect(read.props).toBeUndefined();
    // The dynamic-provider host copies the id into its ReadResponse: the engine gets an empty id,
    // which is what it takes as "deleted".
    const resp = new ReadResponse();
    resp.setId(read.id as string);
    expect(ReadResponse.deserializeBinary(resp.serializeBinary()).getId()).toBe("");
  });

  it("create and update fail on 404 with a message naming the project, without retrying", async () => {
    projects.clear();
    const err = await failure(provider.create!(state()));
    expect(err).toMatchObject({ status: 404, attempts: 1 });
    expect(err.message).toContain(`project acme/acme-dev-backend does not exist at ${baseUrl}`);
    expect(err.message).toContain("check the organization and project slugs");
    const upd = await failure(provider.update!("id", state({ settings: SENTRY_DEFAULT_SCRUBBING }), state()));
    expect(upd.status).toBe(404);
    expect(requests).toHaveLength(2);
  });
});

describe("only the project document counts as success", () => {
  const bad: Array<[string, string, string | RegExp]> = [
    ["an empty body", "", "an empty body"],
    ["null", "null", "null instead of the project object"],
    ["an array", "[]", "an array instead of the project object"],
    ["a JSON string", '"ok"', "a string instead of the project object"],
    ["an HTML page", "<html>Sign in</html>", "not JSON"],
    [
      "an object without the fields",
      '{"detail":"ok"}',
      /without valid scrubbing fields \(dataScrubber, .*safeFields\)/,
    ],
    [
      "ill-typed fields",
      JSON.stringify({ ...SENTRY_DEFAULT_SCRUBBING, scrubIPAddresses: "true", safeFields: [1] }),
      "(scrubIPAddresses, safeFields)",
    ],
  ];
  for (const [what, body, expected] of bad) {
    it(`a 200 with ${what} fails create and read`, async () => {
      script.push((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(body);
      });
      const err = await failure(provider.create!(state()));
      expect(err.status).toBe(200);
      expect(err.message).toMatch(expected);
      script.push((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(body);
      });
      await expect(provider.read!("acme/acme-dev-backend", state())).rejects.toThrow(expected);
      expect(requests).toHaveLength(2);
    });
  }

  it("outputs are what Sentry answered, not what was sent", async () => {
    // Sentry may normalise or keep an org-enforced value: the state must say what is live.
    const live = {
      ...settings,
      sensitiveFields: ["authorization", "email", "org-wide-secret"],
      dataScrubber: true,
    };
    script.push(answer(200, { id: "42", slug: "acme-dev-backend", ...live }));
    const created = await provider.create!(state({ settings: { ...settings, dataScrubber: false } }));
    expect(created.outs!.settings).toEqual(live);
  });
});

describe("redirects are refused, never followed", () => {
  let elsewhere: Server;
  let elsewhereUrl: string;
  const seenElsewhere: string[] = [];
  beforeAll(async () => {
    elsewhere = createServer((req, res) => {
      seenElsewhere.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ id: "1", ...settings }));
    });
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => elsewhere.close(() => r()));
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`a cross-origin ${status} fails, naming where it pointed, and nothing is re-sent`, async () => {
      seenElsewhere.length = 0;
      script.push(answer(status, "", { Location: `${elsewhereUrl}${PATH}?from=proxy` }));
      const err = await failure(provider.create!(state()));
      expect(err.status).toBe(status);
      expect(err.message).toContain(`HTTP ${status} redirecting to ${elsewhereUrl};`);
      expect(err.message).not.toContain("from=proxy");
      expect(seenElsewhere).toEqual([]);
      // One PUT: no retry, and a 303 did not turn into a GET.
      expect(requests.map((r) => r.method)).toEqual(["PUT"]);
    });
  }

  it("a same-origin redirect is refused too (a moved project slug is a config change)", async () => {
    script.push(answer(302, "", { Location: "/api/0/projects/acme/acme-renamed/" }));
    const err = await failure(provider.read!("acme/acme-dev-backend", state()));
    expect(err.message).toContain(`redirecting to ${baseUrl};`);
    expect(requests).toHaveLength(1);
  });
});

describe("the token never reaches an error message", () => {
  it("an echoed token or Authorization header in a body is redacted", async () => {
    const echo = `{"detail":"bad request","headers":{"Authorization":"Bearer ${TOKEN}"},"token":"${TOKEN}"}`;
    script.push(answer(400, echo));
    const err = await failure(provider.create!(state()));
    expect(err.message).not.toContain(TOKEN);
    expect(err.body).not.toContain(TOKEN);
    expect(err.message).toContain("Bearer [REDACTED]");
    expect(err.stack).not.toContain(TOKEN);

    script.push(...Array.from({ length: 5 }, () => answer(500, `upstream said: ${TOKEN}`)));
    const gaveUp = await failure(quick().provider.create!(state()));
    expect(gaveUp.message).toContain("upstream said: [REDACTED]");
    expect(gaveUp.message).not.toContain(TOKEN);
  });

  it("a token with a trailing newline fails before sending, without quoting it", async () => {
    const err = await failure(provider.create!(state({ token: `${TOKEN}\n` })));
    expect(err.message).toContain("the auth token contains whitespace");
    expect(err.message).not.toContain(TOKEN);
    expect(requests).toHaveLength(0);
  });

  it("redact removes the token, bearer values and Sentry-token lookalikes", () => {
    expect(redact(`a ${TOKEN} b`, TOKEN)).toBe("a [REDACTED] b");
    expect(redact("Authorization: Bearer abc.def-123")).toBe("Authorization: Bearer [REDACTED]");
    expect(redact("other sntryu_0123abcdEF token")).toBe("other [REDACTED] token");
  });
});
