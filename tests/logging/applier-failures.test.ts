import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ApplyError,
  type ApplierOptions,
  applyPlan,
  backoffDelay,
  NUMERIC_SETTINGS,
  type PlanStep,
  redactor,
  retryAfterMs,
  settingsFromEnv,
} from "../../infra/components/logging-applier.mjs";
import { applierScript } from "../../infra/components/logging";
import { settingsJob, settingsPlan } from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";
import { tempFiles } from "../helpers/tools";
import { isCheck, runJob, testSecrets } from "./job";
import { AVAILABLE_KIBANA, HEALTHY_ES, type Recorded, RecordingServer } from "./recorder";

/**
 * The settings Job against servers that misbehave: wrong credentials, redirects, transient errors,
 * stalls and trickles, garbage health answers, echoed credentials, and bad settings of its own.
 */
const plan: PlanStep[] = settingsPlan(stackConfig("prod"));
const esStep = plan.find((s) => s.target === "elasticsearch") as PlanStep;
const kibanaStep = plan.find((s) => s.target === "kibana") as PlanStep;
/**
 * What a run writes before it first needs Kibana: the Elasticsearch steps before the first Kibana
 * step (Kibana is waited for only then), a data_stream step writing nothing while no stream exists.
 */
const writtenBeforeKibana = plan
  .slice(
    0,
    plan.findIndex((s) => s.target === "kibana"),
  )
  .filter((s) => !isCheck(s))
  .map((s) => s.path);
const labelOf = (s: PlanStep) => `${s.method} ${s.target} ${s.path} (${s.kind} ${s.name})`;

const PASSWORD = "s3cret-Pa55word!";
const BASIC = Buffer.from(`elastic:${PASSWORD}`).toString("base64");

const server = new RecordingServer();
let url = "";
let logs: string[] = [];

const options = (over: Partial<ApplierOptions> = {}): ApplierOptions => ({
  elasticsearchUrl: url,
  kibanaUrl: `${url}/kibana`,
  username: "elastic",
  password: PASSWORD,
  readyTimeoutMs: 5000,
  requestTimeoutMs: 5000,
  retryDelayMs: 10,
  retryMaxDelayMs: 40,
  log: (line) => logs.push(line),
  secrets: testSecrets(plan),
  ...over,
});

const failure = async (p: Promise<unknown>): Promise<ApplyError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplyError);
  return err as ApplyError;
};
const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = Date.now();
  const r = await f();
  return [r, Date.now() - t];
};
const isHealth = (r: Recorded) => r.path.startsWith("/_cluster/health");
const isKibanaStatus = (r: Recorded) => r.path === "/kibana/api/status";
const toStep = (s: PlanStep) => (r: Recorded) =>
  r.method === s.method && r.path === `${s.target === "kibana" ? "/kibana" : ""}${s.path}`;

beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  logs = [];
});

describe("credentials and redirects fail at once", () => {
  it("401 during the Elasticsearch health wait stops at once, saying authentication failed", async () => {
    server.handler = (r) =>
      isHealth(r) ? { status: 401, body: { error: "unable to authenticate user [elastic]" } } : undefined;
    const [err, ms] = await timed(() => failure(applyPlan(plan, options({ readyTimeoutMs: 60_000 }))));
    expect(ms).toBeLessThan(2000);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/^health check GET elasticsearch \/_cluster\/health/);
    expect(err.message).toContain("authentication failed");
    expect(err.message).toContain("ES_PASSWORD");
    expect(err.message).toContain("unable to authenticate user [elastic]");
    expect(server.requests).toHaveLength(1);
  });

  it("403 from Kibana's status stops at once, saying authorisation failed and to check the role", async () => {
    server.handler = (r) => (isKibanaStatus(r) ? { status: 403, body: { message: "forbidden" } } : undefined);
    const err = await failure(applyPlan(plan, options({ readyTimeoutMs: 60_000 })));
    expect(err.message).toMatch(/^health check GET kibana \/api\/status: authorisation failed \(HTTP 403\)/);
    expect(err.message).toContain("role");
    expect(server.requests.filter(isKibanaStatus)).toHaveLength(1);
    expect(server.writes().map((w) => w.path)).toEqual(writtenBeforeKibana);
  });

  it("403 on a step stops that step at once, naming it", async () => {
    server.handler = (r) =>
      toStep(esStep)(r)
        ? { status: 403, body: { error: "action [cluster:admin] is unauthorized" } }
        : undefined;
    const err = await failure(applyPlan(plan, options()));
    expect(err.message).toContain(labelOf(esStep));
    expect(err.message).toContain("authorisation failed");
    expect(server.writes()).toHaveLength(1);
  });

  it("a redirect during the health wait is not followed and fails naming the URL variable", async () => {
    server.handler = (r) =>
      isHealth(r) ? { status: 302, body: {}, headers: { location: `${url}/elsewhere` } } : undefined;
    const [err, ms] = await timed(() => failure(applyPlan(plan, options({ readyTimeoutMs: 60_000 }))));
    expect(ms).toBeLessThan(2000);
    expect(err.status).toBe(302);
    expect(err.message).toContain("redirect (HTTP 302 to ");
    expect(err.message).toContain("ES_URL");
    expect(server.requests.map((r) => r.path).filter((p) => p.startsWith("/elsewhere"))).toEqual([]);
  });

  it("a redirect on a Kibana step is not followed either", async () => {
    server.handler = (r) =>
      toStep(kibanaStep)(r) ? { status: 307, body: {}, headers: { location: "/login" } } : undefined;
    const err = await failure(applyPlan(plan, options()));
    expect(err.message).toContain(labelOf(kibanaStep));
    expect(err.message).toContain("KIBANA_URL");
    expect(server.requests.filter((r) => r.path === "/login")).toHaveLength(0);
    expect(server.requests.filter(toStep(kibanaStep))).toHaveLength(1);
  });
});

describe("transient failures are retried within bounds; other refusals are final", () => {
  it("backoff doubles from the first delay, stays under the cap, and is jittered between half and all", () => {
    const base = 1000;
    const cap = 30_000;
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, base, cap, () => 0.999999))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect([1, 2, 3, 6].map((a) => backoffDelay(a, base, cap, () => 0))).toEqual([500, 1000, 2000, 15000]);
    for (let a = 1; a < 100; a++) {
      const d = backoffDelay(a, base, cap);
      expect(d).toBeGreaterThanOrEqual(Math.min(cap, base * 2 ** (a - 1)) / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it("429 with Retry-After in seconds waits that long, then succeeds", async () => {
    let n = 0;
    server.handler = (r) =>
      toStep(esStep)(r) && n++ === 0
        ? { status: 429, body: { error: "too many requests" }, headers: { "retry-after": "1" } }
        : undefined;
    await applyPlan([esStep], options());
    const tries = server.requests.filter(toStep(esStep));
    expect(tries).toHaveLength(2);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(logs.join("\n")).toMatch(/retrying .* in 1000ms .*HTTP 429/);
  });

  it("503 with Retry-After as an HTTP date waits until then", async () => {
    let n = 0;
    server.handler = (r) => {
      if (!toStep(esStep)(r) || n++ > 0) return undefined;
      // HTTP dates have whole seconds: two seconds ahead is at least one second of wait.
      return { status: 503, body: {}, headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() } };
    };
    await applyPlan([esStep], options());
    const tries = server.requests.filter(toStep(esStep));
    expect(tries).toHaveLength(2);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("a Retry-After beyond the step's retry time fails at once instead of waiting", async () => {
    server.handler = (r) =>
      toStep(esStep)(r) ? { status: 503, body: {}, headers: { "retry-after": "3600" } } : undefined;
    const [err, ms] = await timed(() => failure(applyPlan([esStep], options({ stepRetryMs: 5000 }))));
    expect(ms).toBeLessThan(2000);
    expect(err.message).toContain(labelOf(esStep));
    expect(err.message).toContain(
      "Retry-After of 3600s would pass the step's 5s retry time (STEP_RETRY_SECONDS)",
    );
  });

  it("5xx and 408 are retried up to STEP_MAX_ATTEMPTS, then the step fails naming itself", async () => {
    let n = 0;
    server.handler = (r) =>
      toStep(esStep)(r) ? { status: n++ % 2 ? 408 : 502, body: { error: "bad gateway" } } : undefined;
    const err = await failure(applyPlan(plan, options({ stepMaxAttempts: 4 })));
    expect(server.requests.filter(toStep(esStep))).toHaveLength(4);
    expect(server.writes()).toHaveLength(4);
    expect(err.status).toBe(408);
    expect(err.message).toMatch(
      new RegExp(`^${labelOf(esStep).replace(/[()[\]?.*]/g, "\\$&")}: gave up after 4`),
    );
    expect(err.message).toContain("STEP_MAX_ATTEMPTS 4");
  });

  it("a step's retrying is bounded in time, whatever the attempts allow", async () => {
    server.handler = (r) => (toStep(esStep)(r) ? { status: 500, body: {} } : undefined);
    const [err, ms] = await timed(() =>
      failure(
        applyPlan(
          [esStep],
          options({ stepMaxAttempts: 20, stepRetryMs: 400, retryDelayMs: 50, retryMaxDelayMs: 100 }),
        ),
      ),
    );
    expect(ms).toBeLessThan(1500);
    expect(err.message).toContain("retry time (STEP_RETRY_SECONDS)");
    expect(server.requests.filter(toStep(esStep)).length).toBeLessThan(20);
  });

  it("a 4xx other than 401/403/408/429 fails the step at once with the body, capped", async () => {
    const long = `unknown setting [index.foo] ${"x".repeat(10_000)}`;
    server.handler = (r) => (toStep(esStep)(r) ? { status: 404, body: { error: long } } : undefined);
    const err = await failure(applyPlan(plan, options()));
    expect(err.status).toBe(404);
    expect(server.writes()).toHaveLength(1);
    expect(err.message).toContain("unknown setting [index.foo]");
    expect(err.message).toContain("more characters]");
    expect(err.responseBody.length).toBeLessThan(2100);
    expect(err.message.length).toBeLessThan(2400);
  });

  it("a connection reset in the middle of a step is retried", async () => {
    let n = 0;
    server.responder = (r, res) => {
      if (!toStep(esStep)(r) || n++ > 0) return false;
      res.socket?.destroy();
      return true;
    };
    await applyPlan([esStep], options());
    expect(server.requests.filter(toStep(esStep))).toHaveLength(2);
    expect(server.store.size).toBe(1);
    expect(logs.join("\n")).toMatch(/retrying .*ECONNRESET|retrying .*socket hang up/);
  });

  it("a refused connection during the health wait is waited out until the server listens", async () => {
    // A port that was free a moment ago: nothing listens there until the second server starts.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const late = new RecordingServer();
    const starting = new Promise<void>((resolve) =>
      setTimeout(() => void late.start(port).then(() => resolve()), 400),
    );
    try {
      const lateUrl = `http://127.0.0.1:${port}`;
      await applyPlan(
        [esStep],
        options({ elasticsearchUrl: lateUrl, kibanaUrl: lateUrl, retryMaxDelayMs: 100 }),
      );
      expect(late.writes()).toHaveLength(1);
      expect(logs.join("\n")).toContain("ECONNREFUSED");
    } finally {
      await starting;
      await late.stop();
    }
  });
});

// A regression here would hang: fail in seconds instead of at the default test timeout.
describe("a deadline covers the whole request, body included", { timeout: 10_000 }, () => {
  /** Answers headers at once, then one byte at a time, never finishing. */
  const trickle = (match: (r: Recorded) => boolean, times = Number.POSITIVE_INFINITY) => {
    let n = 0;
    server.responder = (r, res) => {
      if (!match(r) || n++ >= times) return false;
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      const timer = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(timer));
      return true;
    };
  };

  it("a step whose answer trickles is cut off at the request timeout and retried", async () => {
    trickle(toStep(esStep), 1);
    const [, ms] = await timed(() => applyPlan([esStep], options({ requestTimeoutMs: 500 })));
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(3000);
    expect(server.requests.filter(toStep(esStep))).toHaveLength(2);
    expect(logs.join("\n")).toContain("no complete answer within 0.5s (request timeout)");
  });

  it("a trickling health answer counts as not ready, and the wait ends at the ready timeout", async () => {
    trickle(isHealth);
    const [err, ms] = await timed(() =>
      failure(
        applyPlan(plan, options({ requestTimeoutMs: 300, readyTimeoutMs: 1000, retryMaxDelayMs: 100 })),
      ),
    );
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(3000);
    expect(err.message).toContain("Elasticsearch did not become ready within 1s");
    expect(err.message).toContain("request timeout");
    expect(server.writes()).toHaveLength(0);
  });

  it("a server that never answers does not hold a step beyond its attempts", async () => {
    server.responder = (r) => toStep(esStep)(r);
    const [err, ms] = await timed(() =>
      failure(applyPlan([esStep], options({ requestTimeoutMs: 300, stepMaxAttempts: 2 }))),
    );
    expect(ms).toBeLessThan(2000);
    expect(err.message).toContain(labelOf(esStep));
    expect(err.message).toContain("gave up after 2 attempt(s)");
    expect(err.status).toBe(0);
  });
});

describe("health answers are read, not just their status", () => {
  it.each([
    [
      "Elasticsearch",
      "a 200 with an HTML page",
      isHealth,
      { status: 200, raw: "<html>proxy ok</html>" },
      "not a JSON object: <html>proxy ok</html>",
    ],
    ["Elasticsearch", "an empty 200", isHealth, { status: 200, raw: "" }, "not a JSON object: (empty body)"],
    [
      "Elasticsearch",
      "status red",
      isHealth,
      { status: 200, body: { ...HEALTHY_ES, status: "red" } },
      'cluster status is "red"',
    ],
    [
      "Elasticsearch",
      "a timed-out wait",
      isHealth,
      { status: 200, body: { ...HEALTHY_ES, timed_out: true } },
      "timed_out true",
    ],
    [
      "Elasticsearch",
      "no timed_out field",
      isHealth,
      { status: 200, body: { status: "green" } },
      "timed_out undefined",
    ],
    [
      "Kibana",
      "level degraded",
      isKibanaStatus,
      { status: 200, body: { status: { overall: { level: "degraded", summary: "1 service is degraded" } } } },
      '"degraded", not "available" (1 service is degraded)',
    ],
    [
      "Kibana",
      "a 200 with a legacy shape",
      isKibanaStatus,
      { status: 200, body: { status: "green" } },
      "level is undefined",
    ],
  ] as const)(
    "%s: %s is not healthy; the wait fails at the ready timeout naming it",
    async (who, _, match, answer, seen) => {
      server.handler = (r) => (match(r) ? answer : undefined);
      const err = await failure(applyPlan(plan, options({ readyTimeoutMs: 300, retryMaxDelayMs: 50 })));
      expect(err.message).toContain(`${who} did not become ready within 0.3s (READY_TIMEOUT_SECONDS)`);
      expect(err.message).toContain(seen);
      // Nothing is written before Elasticsearch is ready; with Kibana unready, nothing for Kibana.
      expect(server.writes().map((w) => w.path)).toEqual(who === "Kibana" ? writtenBeforeKibana : []);
    },
  );

  it("a garbage answer is waited out, not fatal: the run goes on once the answer is healthy", async () => {
    let n = 0;
    server.handler = (r) => (isKibanaStatus(r) && n++ < 2 ? { status: 200, raw: "OK" } : undefined);
    await applyPlan([kibanaStep], options());
    expect(server.requests.filter(isKibanaStatus)).toHaveLength(3);
    expect(server.writes()).toHaveLength(1);
    expect(AVAILABLE_KIBANA.status.overall.level).toBe("available");
  });
});

describe("credentials never reach the log", () => {
  /** What a debugging proxy might send back: the request's headers, in several notations. */
  const echo = (r: Recorded) =>
    [
      JSON.stringify(r.headers),
      `Authorization: ${r.headers.authorization}\r\nHost: ${r.headers.host}`,
      `["authorization", "${r.headers.authorization}"]`,
      "proxy-authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbGFzdGljIn0.c2lnbmF0dXJl",
      "x: ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==",
      `password was ${PASSWORD}`,
    ].join("\n");

  const leaks = (text: string) =>
    [PASSWORD, BASIC, BASIC.replace(/=+$/, ""), "eyJhbGciOiJIUzI1NiJ9", "VnVhQ2ZHY0JDZGJrUW0"].filter((s) =>
      text.includes(s),
    );

  it("echoed headers in waiting, retrying and failing messages are redacted", async () => {
    let health = 0;
    let puts = 0;
    server.handler = (r) => {
      if (isHealth(r) && health++ === 0) return { status: 503, raw: echo(r) };
      if (toStep(esStep)(r)) return { status: puts++ === 0 ? 500 : 400, raw: echo(r) };
      return undefined;
    };
    const err = await failure(applyPlan(plan, options()));
    const printed = [...logs, err.message, err.responseBody].join("\n");
    // The echoes did reach the log, so redaction (not silence) is what is being tested.
    expect(logs.some((l) => l.startsWith("waiting for Elasticsearch (HTTP 503"))).toBe(true);
    expect(logs.some((l) => l.startsWith(`retrying ${labelOf(esStep)}`))).toBe(true);
    expect(err.message).toContain("Host: 127.0.0.1");
    expect(printed).toContain("[redacted]");
    expect(leaks(printed)).toEqual([]);
  });

  it("the redactor keeps ordinary words after an auth scheme and caps its output", () => {
    const redact = redactor("elastic", PASSWORD);
    expect(redact("license type [basic]: Basic license is active")).toBe(
      "license type [basic]: Basic license is active",
    );
    expect(redact(`authorization=Basic ${BASIC}; next`)).toBe("authorization=[redacted]; next");
    expect(redact(`{"Authorization":"ApiKey abc"}`)).toBe(`{"Authorization":"[redacted]"}`);
    expect(redact("y".repeat(5000))).toHaveLength(2000 + "… [3000 more characters]".length);
  });
});

describe("the Job's script checks its own settings before contacting anything", () => {
  const env = (over: Record<string, string | undefined> = {}) => {
    const base: Record<string, string | undefined> = {
      ES_URL: url,
      KIBANA_URL: `${url}/kibana`,
      ES_USERNAME: "elastic",
      ES_PASSWORD: PASSWORD,
      READY_TIMEOUT_SECONDS: "5",
      RETRY_DELAY_MS: "10",
      ...over,
    };
    return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
  };

  const bad: [string, Record<string, string | undefined>, string][] = [
    ["READY_TIMEOUT_SECONDS", { READY_TIMEOUT_SECONDS: "abc" }, 'got "abc"'],
    ["READY_TIMEOUT_SECONDS", { READY_TIMEOUT_SECONDS: "-5" }, 'got "-5"'],
    ["READY_TIMEOUT_SECONDS", { READY_TIMEOUT_SECONDS: "0" }, "from 1 to 3600"],
    ["READY_TIMEOUT_SECONDS", { READY_TIMEOUT_SECONDS: "1e9" }, 'got "1e9"'],
    ["READY_TIMEOUT_SECONDS", { READY_TIMEOUT_SECONDS: "99999999" }, "from 1 to 3600"],
    ["REQUEST_TIMEOUT_SECONDS", { REQUEST_TIMEOUT_SECONDS: "0" }, "from 1 to 300"],
    ["REQUEST_TIMEOUT_SECONDS", { REQUEST_TIMEOUT_SECONDS: "" }, 'got ""'],
    ["STEP_MAX_ATTEMPTS", { STEP_MAX_ATTEMPTS: "2.5" }, 'got "2.5"'],
    ["STEP_RETRY_SECONDS", { STEP_RETRY_SECONDS: "NaN" }, 'got "NaN"'],
    ["RETRY_DELAY_MS", { RETRY_DELAY_MS: "0" }, "from 1 to 60000"],
    [
      "RETRY_MAX_DELAY_MS",
      { RETRY_DELAY_MS: "5000", RETRY_MAX_DELAY_MS: "100" },
      "must not be less than RETRY_DELAY_MS",
    ],
    ["ES_URL", { ES_URL: "elasticsearch:9200" }, "must be http:// or https://"],
    ["ES_URL", { ES_URL: "not a url" }, "is not a URL"],
    ["KIBANA_URL", { KIBANA_URL: undefined }, "KIBANA_URL is not set"],
    ["ES_URL", { ES_URL: `http://elastic:${PASSWORD}@127.0.0.1:9` }, "must not carry credentials"],
    ["ES_CA_FILE", { ES_CA_FILE: "/nonexistent/ca.crt" }, "cannot read /nonexistent/ca.crt"],
  ];

  it("exits 1 at once naming each malformed setting, without a single request", async () => {
    const runs = await Promise.all(bad.map(([, over]) => runJob(env(over), plan)));
    runs.forEach((run, i) => {
      const [name, , says] = bad[i] as (typeof bad)[number];
      expect(run.code, name).toBe(1);
      expect(run.stderr).toContain(name);
      expect(run.stderr).toContain(says);
      expect(run.stderr).not.toContain(PASSWORD);
      expect(run.ms).toBeLessThan(10_000);
    });
    expect(server.requests).toHaveLength(0);
  });

  it("reports every problem at once", () => {
    expect(() =>
      settingsFromEnv({
        ...env({ STEP_MAX_ATTEMPTS: "x", RETRY_DELAY_MS: "-1", ES_USERNAME: undefined }),
        PLAN_FILE: "/nope",
      }),
    ).toThrow(/STEP_MAX_ATTEMPTS.*RETRY_DELAY_MS.*ES_USERNAME is not set.*PLAN_FILE \/nope/);
  });

  it("refuses a plan file that is not a list of steps", async () => {
    const dir = tempFiles({ "plan.json": JSON.stringify({ steps: [] }), "bad.json": "[{" });
    expect(() => settingsFromEnv({ ...env(), PLAN_FILE: join(dir, "plan.json") })).toThrow(
      /PLAN_FILE does not hold a JSON array/,
    );
    expect(() => settingsFromEnv({ ...env(), PLAN_FILE: join(dir, "bad.json") })).toThrow(
      /PLAN_FILE .*bad\.json/,
    );
  });

  it("a wrong password fails the Job at once, and an echoing server's answer is redacted in its output", async () => {
    server.handler = (r) =>
      isHealth(r)
        ? { status: 401, raw: `unauthorized; you sent authorization: ${r.headers.authorization}` }
        : undefined;
    const run = await runJob(env({ READY_TIMEOUT_SECONDS: "600" }), plan);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(10_000);
    expect(run.stderr).toContain("authentication failed (HTTP 401)");
    expect(run.stderr).toContain("authorization: [redacted]");
    for (const secret of [PASSWORD, BASIC]) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it("a trickling server cannot hang the Job: it exits 1 after its ready timeout", async () => {
    server.responder = (r, res) => {
      if (!isHealth(r)) return false;
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 200);
      res.on("close", () => clearInterval(timer));
      return true;
    };
    const run = await runJob(env({ READY_TIMEOUT_SECONDS: "2", REQUEST_TIMEOUT_SECONDS: "1" }), plan);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(8000);
    expect(run.stderr).toContain("Elasticsearch did not become ready within 2s");
    expect(run.stderr).toContain("request timeout");
  });

  it("the values the generator gives the Job pass the Job's own checks and are its defaults", () => {
    const job = settingsJob(stackConfig("prod"), "extras", applierScript()).job;
    const container = job.spec.template.spec.containers[0];
    const given = Object.fromEntries(
      (container?.env ?? []).flatMap((e) =>
        "value" in e && e.value !== undefined ? [[e.name, e.value]] : [],
      ),
    );
    const dir = tempFiles({ "plan.json": JSON.stringify(plan) });
    const { options: parsed } = settingsFromEnv({
      ...given,
      ES_PASSWORD: PASSWORD,
      PLAN_FILE: join(dir, "plan.json"),
      SECRETS_DIR: tempFiles(testSecrets(plan)),
      ES_CA_FILE: undefined,
      KIBANA_CA_FILE: undefined,
    });
    for (const s of NUMERIC_SETTINGS) {
      expect(given[s.env], s.env).toBeDefined();
      expect(parsed[s.option], s.env).toBe(s.default * s.scale);
    }
  });
});
