// @ts-check
/**
 * The settings Job: applies the Elasticsearch and Kibana settings plan over their REST APIs. This
 * file is mounted into the Job's container as it is and run with `node apply.mjs`, so it depends on
 * nothing but Node's built-ins; `tsc` checks it through the JSDoc types (checkJs). Every step is a
 * create-or-replace by name: running the plan twice leaves the same state, which is also why a
 * step may safely be sent again after a transient failure.
 *
 * Failure policy, so that a Job never hangs and never hides the cause:
 * - every request has one deadline covering connect, headers and the whole body;
 * - 401/403 stop at once (a wrong password must not look like a down cluster), redirects are never
 *   followed (they could carry the credentials elsewhere) and stop at once;
 * - 408, 429, 5xx, connection resets/refusals and timeouts are retried with capped, jittered
 *   exponential backoff (Retry-After honoured), bounded in attempts and in time per step;
 * - any other 4xx stops the run with the server's answer;
 * - everything logged is redacted (password, its base64 forms, Authorization values) and capped.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { pathToFileURL } from "node:url";

/**
 * One request of the plan (the generators' ApplyStep, restated so this file stands alone). A step
 * of kind `data_stream` is a check rather than one request: see adoptStream in applyPlan.
 * @typedef {object} PlanStep
 * @property {"elasticsearch" | "kibana"} target
 * @property {string} kind
 * @property {string} name
 * @property {"PUT" | "POST"} method
 * @property {string} path
 * @property {unknown} body
 * @property {{ field: "password", key: string }} [secret] A body field filled in from `secrets[key]`
 *   when the step is sent (a user's password): the plan never holds it.
 */

/**
 * The body of a `retired_users` step: the users this stack made (metadata.managed_by) and still lists.
 * @typedef {object} RetiredUsers
 * @property {string} managed_by
 * @property {string[]} keep
 */

/**
 * The body of a `data_stream` step: the ILM policy and index template the stream should be under.
 * @typedef {object} Adoption
 * @property {string} ilm_policy
 * @property {string} index_template
 */

/**
 * One backing index as `GET _data_stream/<name>` lists it (Elasticsearch 8.11 and later give each
 * its own `ilm_policy`; the stream-level `ilm_policy` and `template` are those of the template
 * that matches now, not of the indices).
 * @typedef {object} BackingIndex
 * @property {string} index_name
 * @property {string} [ilm_policy]
 */

/**
 * @typedef {object} ApplierOptions
 * @property {string} elasticsearchUrl
 * @property {string} [kibanaUrl] Needed only by a plan with Kibana steps.
 * @property {string} username
 * @property {string} password
 * @property {Record<string, string>} [secrets] Values of the steps' `secret` keys (SECRETS_DIR).
 * @property {string[]} [ca] PEM CA bundles the servers' certificates chain to.
 * @property {number} [readyTimeoutMs] How long to wait for each server to become healthy.
 * @property {number} [requestTimeoutMs] Deadline of one request, body included.
 * @property {number} [stepMaxAttempts] Attempts per step, the first included.
 * @property {number} [stepRetryMs] Time a step may spend waiting to retry.
 * @property {number} [retryDelayMs] First backoff; it doubles per attempt.
 * @property {number} [retryMaxDelayMs] Cap of one backoff.
 * @property {(line: string) => void} [log]
 * @property {() => number} [random] Jitter source in [0, 1); Math.random unless a test fixes it.
 */

/**
 * @typedef {object} HttpResult
 * @property {number} status
 * @property {import("node:http").IncomingHttpHeaders} headers
 * @property {string} body
 */

/**
 * The numeric settings: the Job's environment variable, the option it sets, the factor from the
 * variable's unit to the option's, the default and the accepted range (in the variable's unit).
 * The ranges keep every wait finite and every loop paced (no zero delay, no zero timeout).
 */
export const NUMERIC_SETTINGS = /** @type {const} */ ([
  { env: "READY_TIMEOUT_SECONDS", option: "readyTimeoutMs", scale: 1000, default: 900, min: 1, max: 3600 },
  { env: "REQUEST_TIMEOUT_SECONDS", option: "requestTimeoutMs", scale: 1000, default: 30, min: 1, max: 300 },
  { env: "STEP_MAX_ATTEMPTS", option: "stepMaxAttempts", scale: 1, default: 5, min: 1, max: 20 },
  { env: "STEP_RETRY_SECONDS", option: "stepRetryMs", scale: 1000, default: 120, min: 1, max: 1800 },
  { env: "RETRY_DELAY_MS", option: "retryDelayMs", scale: 1, default: 1000, min: 1, max: 60_000 },
  { env: "RETRY_MAX_DELAY_MS", option: "retryMaxDelayMs", scale: 1, default: 30_000, min: 1, max: 300_000 },
]);

/** Longest server answer put into a log line or an error message. */
export const MAX_LOGGED_CHARS = 2000;
/** Longest answer kept in memory (the container has 128 MiB); the rest is read and dropped. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A step that failed; the message names the step and says why, with the server's (redacted) answer. */
export class ApplyError extends Error {
  /**
   * @param {string} step
   * @param {number} status HTTP status of the last answer, 0 when there was none.
   * @param {string} detail
   * @param {string} [responseBody] Redacted and capped.
   */
  constructor(step, status, detail, responseBody = "") {
    super(`${step}: ${detail}`);
    this.name = "ApplyError";
    this.step = step;
    this.status = status;
    this.responseBody = responseBody;
  }
}

/** Connection-level failures worth another try: the server may be restarting or not yet routed. */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** A request that got no complete answer. `transient` says whether trying again can help. */
export class RequestError extends Error {
  /**
   * @param {string} message
   * @param {string} code
   */
  constructor(message, code) {
    super(message);
    this.name = "RequestError";
    this.code = code;
    this.transient = code === "TIMEOUT" || TRANSIENT_CODES.has(code);
  }
}

/** @param {unknown} err */
function asRequestError(err) {
  const e = /** @type {NodeJS.ErrnoException} */ (err);
  const code = typeof e?.code === "string" ? e.code : "UNKNOWN";
  const message = err instanceof Error ? err.message : String(err);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))
    return new RequestError(
      `TLS failed (${code}): ${message}; check the CA file (ES_CA_FILE / KIBANA_CA_FILE)`,
      code,
    );
  return new RequestError(`${code === "UNKNOWN" ? "" : `${code}: `}${message}`, code);
}

/**
 * Sends one request and reads the whole answer under one deadline: a server that stalls before
 * answering, or trickles its body, is cut off when `timeoutMs` runs out. Redirects are returned,
 * never followed.
 * @param {string} method
 * @param {string} url
 * @param {{ username: string, password: string, ca?: string[], body?: unknown, headers?: Record<string, string>, timeoutMs?: number }} opts
 * @returns {Promise<HttpResult>}
 */
export function request(method, url, opts) {
  const target = new URL(url);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  /** @type {Record<string, string>} */
  const headers = {
    authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`,
    accept: "application/json",
    ...opts.headers,
  };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const client = target.protocol === "https:" ? https : http;
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @param {RequestError | undefined} err @param {HttpResult} [result] */
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        // Tear the connection down so a trickling server cannot keep the process alive.
        controller.abort();
        reject(err);
      } else resolve(/** @type {HttpResult} */ (result));
    };
    const timer = setTimeout(
      () =>
        finish(
          new RequestError(`no complete answer within ${timeoutMs / 1000}s (request timeout)`, "TIMEOUT"),
        ),
      timeoutMs,
    );
    const req = client.request(
      target,
      {
        method,
        headers,
        // A fresh connection per request: no stale pooled socket, nothing left open at exit.
        agent: false,
        signal: controller.signal,
        // An empty list would trust no one: without CA files, Node's own roots apply.
        ...(target.protocol === "https:" && opts.ca?.length ? { ca: opts.ca } : {}),
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        let kept = 0;
        res.on("data", (/** @type {Buffer} */ c) => {
          if (kept < MAX_BODY_BYTES) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on("end", () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", (e) => finish(asRequestError(e)));
        // After "end" this is a no-op; before it, the server hung up in the middle of the body.
        res.on("close", () =>
          finish(new RequestError("connection closed before the answer was complete", "ECONNRESET")),
        );
      },
    );
    req.on("error", (e) => finish(asRequestError(e)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Backoff before retry number `attempt` (1-based): doubling from `baseMs`, capped at `capMs`, with
 * "equal jitter" (between half and all of it) so that restarted Jobs do not retry in lockstep.
 * @param {number} attempt
 * @param {number} baseMs
 * @param {number} capMs
 * @param {() => number} [random]
 */
export function backoffDelay(attempt, baseMs, capMs, random = Math.random) {
  const full = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(1, Math.round(full / 2 + random() * (full / 2)));
}

/**
 * Retry-After as milliseconds from now: delta seconds or an HTTP date; undefined when absent or
 * unreadable.
 * @param {string | string[] | undefined} value
 * @param {number} [now]
 */
export function retryAfterMs(value, now = Date.now()) {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A redactor for everything this Job prints: the known password, the Basic credentials built from
 * it (and other encodings a server might echo), the other secrets it holds (people's passwords),
 * `Authorization` header values in any notation, and tokens after an auth scheme. Then it caps the
 * text (a server's answer at MAX_LOGGED_CHARS), so no answer floods the log.
 * @param {string} username
 * @param {string} password
 * @param {readonly string[]} [others]
 * @returns {(text: string, max?: number) => string}
 */
export function redactor(username, password, others = []) {
  const secrets = new Set();
  for (const other of others)
    if (other)
      for (const s of [
        other,
        JSON.stringify(other).slice(1, -1),
        encodeURIComponent(other),
        Buffer.from(other).toString("base64").replace(/=+$/, ""),
      ])
        if (s) secrets.add(s);
  if (password) {
    const basic = Buffer.from(`${username}:${password}`).toString("base64");
    for (const s of [
      basic,
      basic.replace(/=+$/, ""),
      password,
      JSON.stringify(password).slice(1, -1),
      encodeURIComponent(password),
      Buffer.from(password).toString("base64").replace(/=+$/, ""),
    ])
      if (s) secrets.add(s);
  }
  const known = [...secrets].sort((a, b) => b.length - a.length);
  return (text, max = MAX_LOGGED_CHARS) => {
    // Patterns first: a known secret replaced first would leave "Basic [redacted]" for them to mangle.
    let out = String(text)
      // `Authorization: Basic …` lines, `"authorization":"…"` in echoed JSON, `authorization=…`.
      .replace(
        /((?:proxy-)?authorization)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\r\n,;}\]]*)/gi,
        (_, name, sep, value) => {
          const quote = /^["']/.test(value) ? value[0] : "";
          return `${name}${sep}${quote}[redacted]${quote}`;
        },
      )
      // A scheme and its token anywhere else (e.g. echoed raw header arrays); plain words stay.
      .replace(/\b(Basic|Bearer|ApiKey)(\s+)([A-Za-z0-9+/_.~-]{8,}=*)/gi, (m, scheme, space, token) =>
        /^[a-z]+$/.test(token) ? m : `${scheme}${space}[redacted]`,
      );
    for (const s of known) out = out.split(s).join("[redacted]");
    if (out.length > max) out = `${out.slice(0, max)}… [${out.length - max} more characters]`;
    return out;
  };
}

/** @param {string} text */
function parseJson(text) {
  try {
    return /** @type {unknown} */ (JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** @param {string} body */
const bodyPreview = (body) => (body.trim() === "" ? "(empty body)" : body.replace(/\s*[\r\n]+\s*/g, " "));

/**
 * Whether `_cluster/health` says the cluster can take writes: JSON, status green or yellow, not
 * timed out. Returns true, or what was wrong.
 * @param {string} body
 * @returns {true | string}
 */
export function elasticsearchHealthy(body) {
  const doc = /** @type {{ status?: unknown, timed_out?: unknown } | undefined} */ (parseJson(body));
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return `health answer is not a JSON object: ${bodyPreview(body)}`;
  if (doc.status !== "green" && doc.status !== "yellow")
    return `cluster status is ${JSON.stringify(doc.status)}, not green or yellow`;
  if (doc.timed_out !== false) return `health answer has timed_out ${JSON.stringify(doc.timed_out)}`;
  return true;
}

/**
 * Whether Kibana's `/api/status` says it is available. Returns true, or what was wrong.
 * @param {string} body
 * @returns {true | string}
 */
export function kibanaAvailable(body) {
  const doc = /** @type {{ status?: { overall?: { level?: unknown, summary?: unknown } } } | undefined} */ (
    parseJson(body)
  );
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return `status answer is not a JSON object: ${bodyPreview(body)}`;
  const overall = doc.status?.overall;
  if (overall?.level !== "available")
    return `overall status level is ${JSON.stringify(overall?.level)}, not "available"${
      typeof overall?.summary === "string" ? ` (${overall.summary})` : ""
    }`;
  return true;
}

/**
 * Checks the options and fills in defaults; a bad value is a programming or configuration error
 * that no amount of waiting fixes.
 * @param {ApplierOptions} opts
 */
function resolveOptions(opts, needsKibana = true) {
  /** @type {string[]} */
  const problems = [];
  /** @type {Record<string, number>} */
  const n = {};
  for (const s of NUMERIC_SETTINGS) {
    const v = opts[s.option] ?? s.default * s.scale;
    // Callers in milliseconds may go below the variables' one-second floor (tests do), never to 0.
    const ok = typeof v === "number" && Number.isFinite(v) && v > 0 && v <= s.max * s.scale;
    if (!ok || (s.option === "stepMaxAttempts" && !Number.isInteger(v)))
      problems.push(`${s.option} (${s.env}) must be above 0 and at most ${s.max * s.scale}, got ${v}`);
    n[s.option] = v;
  }
  if ((n.retryMaxDelayMs ?? 0) < (n.retryDelayMs ?? 0))
    problems.push("retryMaxDelayMs (RETRY_MAX_DELAY_MS) must not be less than retryDelayMs (RETRY_DELAY_MS)");
  for (const [k, env] of /** @type {const} */ ([
    ["elasticsearchUrl", "ES_URL"],
    ["kibanaUrl", "KIBANA_URL"],
  ])) {
    if (k === "kibanaUrl" && !needsKibana && opts[k] === undefined) continue;
    const problem = urlProblem(opts[k]);
    if (problem) problems.push(`${k} (${env}) ${problem}`);
  }
  if (problems.length > 0) throw new Error(`invalid applier settings: ${problems.join("; ")}`);
  return {
    readyTimeoutMs: n.readyTimeoutMs ?? 0,
    requestTimeoutMs: n.requestTimeoutMs ?? 0,
    stepMaxAttempts: n.stepMaxAttempts ?? 0,
    stepRetryMs: n.stepRetryMs ?? 0,
    retryDelayMs: n.retryDelayMs ?? 0,
    retryMaxDelayMs: n.retryMaxDelayMs ?? 0,
  };
}

/**
 * What is wrong with a server URL, or undefined. Credentials in the URL are refused: they would
 * end up in log lines.
 * @param {unknown} value
 */
function urlProblem(value) {
  if (typeof value !== "string" || value === "") return "is not set";
  let u;
  try {
    u = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    return `must be http:// or https://, not ${u.protocol}`;
  if (u.username || u.password) return "must not carry credentials (the password comes from ES_PASSWORD)";
  return undefined;
}

/**
 * The verdict on one answer. `retry` is a transient refusal; `fail` ends the run.
 * @typedef {{ kind: "ok" } | { kind: "retry", reason: string, waitMs?: number } | { kind: "fail", error: ApplyError }} Verdict
 */

/**
 * Applies the steps in order. Waits for Elasticsearch (cluster health yellow or better) and,
 * before the first Kibana step, for Kibana's status API; then sends each step, retrying transient
 * failures within the step's bounds. The first failure that retrying cannot fix throws an
 * ApplyError naming the step.
 * @param {readonly PlanStep[]} steps
 * @param {ApplierOptions} opts
 */
export async function applyPlan(steps, opts) {
  const cfg = resolveOptions(
    opts,
    steps.some((s) => s.target === "kibana"),
  );
  const secretValues = opts.secrets ?? {};
  const missing = steps.filter((s) => s.secret !== undefined && !secretValues[s.secret.key]);
  if (missing.length > 0)
    throw new Error(
      `invalid applier settings: no secret for ${missing.map((s) => `${s.kind} ${s.name} (key ${s.secret?.key})`).join(", ")}; check SECRETS_DIR`,
    );
  const redact = redactor(opts.username, opts.password, Object.values(secretValues));
  const random = opts.random ?? Math.random;
  /** @param {string} line */
  const say = (line) => opts.log?.(redact(line, 4 * MAX_LOGGED_CHARS));
  const auth = {
    username: opts.username,
    password: opts.password,
    ca: opts.ca,
    timeoutMs: cfg.requestTimeoutMs,
  };
  const urlVar = { elasticsearch: "ES_URL", kibana: "KIBANA_URL" };
  const base = {
    elasticsearch: opts.elasticsearchUrl.replace(/\/$/, ""),
    kibana: (opts.kibanaUrl ?? "").replace(/\/$/, ""),
  };

  /**
   * @param {string} label
   * @param {"elasticsearch" | "kibana"} target
   * @param {HttpResult} res
   * @returns {Verdict}
   */
  const judge = (label, target, res) => {
    const s = res.status;
    const body = bodyPreview(redact(res.body));
    const server = target === "kibana" ? "Kibana" : "Elasticsearch";
    if (s >= 200 && s < 300) return { kind: "ok" };
    if (s === 401)
      return {
        kind: "fail",
        error: new ApplyError(
          label,
          s,
          `authentication failed (HTTP 401): ${server} rejected user "${opts.username}"; check the password Secret given as ES_PASSWORD. Server said: ${body}`,
          body,
        ),
      };
    if (s === 403)
      return {
        kind: "fail",
        error: new ApplyError(
          label,
          s,
          `authorisation failed (HTTP 403): user "${opts.username}" may not do this on ${server}; check the user's role. Server said: ${body}`,
          body,
        ),
      };
    if (s >= 300 && s < 400) {
      const to = res.headers.location ? ` to ${redact(res.headers.location)}` : "";
      return {
        kind: "fail",
        error: new ApplyError(
          label,
          s,
          `${server} answered with a redirect (HTTP ${s}${to}), which is not followed so the credentials go nowhere else; check ${urlVar[target]}`,
          body,
        ),
      };
    }
    if (s === 408 || s === 429 || s >= 500)
      return {
        kind: "retry",
        reason: `HTTP ${s}: ${body}`,
        waitMs: retryAfterMs(res.headers["retry-after"]),
      };
    return { kind: "fail", error: new ApplyError(label, s, `failed with HTTP ${s}: ${body}`, body) };
  };

  /**
   * Polls a health endpoint until its answer says ready, or fails at once on an answer that waiting
   * cannot fix (401, 403, redirect, other 4xx, TLS failure), or when the ready timeout passes.
   * @param {"elasticsearch" | "kibana"} target
   * @param {string} path
   * @param {(body: string) => true | string} healthy
   */
  const waitReady = async (target, path, healthy) => {
    const server = target === "kibana" ? "Kibana" : "Elasticsearch";
    const label = `health check GET ${target} ${path}`;
    const deadline = Date.now() + cfg.readyTimeoutMs;
    let last = "no answer yet";
    for (let attempt = 1; ; attempt++) {
      /** @type {number | undefined} */
      let waitMs;
      try {
        const res = await request("GET", `${base[target]}${path}`, auth);
        const verdict = judge(label, target, res);
        if (verdict.kind === "fail") throw verdict.error;
        if (verdict.kind === "retry") {
          last = verdict.reason;
          waitMs = verdict.waitMs;
        } else {
          const ok = healthy(res.body);
          if (ok === true) {
            say(`${server} is ready`);
            return;
          }
          last = `HTTP ${res.status}: ${ok}`;
        }
      } catch (err) {
        if (err instanceof ApplyError) throw err;
        const e = err instanceof RequestError ? err : asRequestError(err);
        if (!e.transient) throw new ApplyError(label, 0, redact(e.message));
        last = e.message;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new ApplyError(
          label,
          0,
          `${server} did not become ready within ${cfg.readyTimeoutMs / 1000}s (READY_TIMEOUT_SECONDS); last seen: ${redact(last)}`,
        );
      const delay = Math.min(
        waitMs === undefined
          ? backoffDelay(attempt, cfg.retryDelayMs, cfg.retryMaxDelayMs, random)
          : Math.max(waitMs, cfg.retryDelayMs),
        left,
      );
      say(`waiting for ${server} (${last}); next check in ${delay}ms`);
      await sleep(delay);
    }
  };

  /**
   * Sends one request, retrying transient failures within a step's bounds (attempts and time),
   * and returns the answer: a 2xx, or a 404 when `notFoundOk`. The first failure that retrying
   * cannot fix throws an ApplyError with `label`.
   * @param {string} label
   * @param {"elasticsearch" | "kibana"} target
   * @param {"GET" | "PUT" | "POST"} method
   * @param {string} path
   * @param {unknown} body
   * @param {{ notFoundOk?: boolean }} [options]
   * @returns {Promise<HttpResult & { attempts: number }>}
   */
  const send = async (label, target, method, path, body, options = {}) => {
    /** @type {Record<string, string>} */
    const headers = target === "kibana" ? { "kbn-xsrf": "observability-settings" } : {};
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let reason = "";
      let status = 0;
      let answer = "";
      /** @type {number | undefined} */
      let waitMs;
      try {
        const res = await request(method, `${base[target]}${path}`, { ...auth, body, headers });
        if (options.notFoundOk && res.status === 404) return { ...res, attempts: attempt };
        const verdict = judge(label, target, res);
        if (verdict.kind === "ok") return { ...res, attempts: attempt };
        if (verdict.kind === "fail") throw verdict.error;
        ({ reason, waitMs } = verdict);
        status = res.status;
        answer = bodyPreview(redact(res.body));
      } catch (err) {
        if (err instanceof ApplyError) throw err;
        const e = err instanceof RequestError ? err : asRequestError(err);
        if (!e.transient) throw new ApplyError(label, 0, redact(e.message));
        reason = e.message;
      }
      const spent = () => `${attempt} attempt(s) in ${((Date.now() - started) / 1000).toFixed(1)}s`;
      if (attempt >= cfg.stepMaxAttempts)
        throw new ApplyError(
          label,
          status,
          `gave up after ${spent()} (STEP_MAX_ATTEMPTS ${cfg.stepMaxAttempts}); last: ${redact(reason)}`,
          answer,
        );
      const delay =
        waitMs === undefined
          ? backoffDelay(attempt, cfg.retryDelayMs, cfg.retryMaxDelayMs, random)
          : Math.max(waitMs, cfg.retryDelayMs);
      const left = started + cfg.stepRetryMs - Date.now();
      if (delay > left)
        throw new ApplyError(
          label,
          status,
          `gave up after ${spent()}: ${
            waitMs === undefined
              ? "the next retry"
              : `the server's Retry-After of ${Math.ceil(waitMs / 1000)}s`
          } would pass the step's ${cfg.stepRetryMs / 1000}s retry time (STEP_RETRY_SECONDS); last: ${redact(reason)}`,
          answer,
        );
      say(`retrying ${label} in ${delay}ms (attempt ${attempt + 1} of ${cfg.stepMaxAttempts}): ${reason}`);
      await sleep(delay);
    }
  };

  /** @param {PlanStep} step */
  const stepLabel = (step) => `${step.method} ${step.target} ${step.path} (${step.kind} ${step.name})`;

  /**
   * The body as sent: the step's, with its secret field filled in (checked before anything was sent).
   * @param {PlanStep} step
   */
  const bodyOf = (step) => {
    const fill = step.secret;
    if (!fill) return step.body;
    return { .../** @type {object} */ (step.body), [fill.field]: secretValues[fill.key] };
  };

  /**
   * The backing indices of a data stream, oldest first (the last is the write index), or
   * undefined when the stream does not exist.
   * @param {PlanStep} step
   * @returns {Promise<BackingIndex[] | undefined>}
   */
  const backingIndices = async (step) => {
    const path = `/_data_stream/${encodeURIComponent(step.name)}`;
    const label = `GET elasticsearch ${path} (${step.kind} ${step.name})`;
    const res = await send(label, "elasticsearch", "GET", path, undefined, { notFoundOk: true });
    if (res.status === 404) return undefined;
    const doc = /** @type {{ data_streams?: { name?: unknown, indices?: unknown }[] } | undefined} */ (
      parseJson(res.body)
    );
    const stream = Array.isArray(doc?.data_streams)
      ? doc.data_streams.find((d) => d?.name === step.name)
      : undefined;
    const indices = stream?.indices;
    const valid =
      Array.isArray(indices) &&
      indices.length > 0 &&
      indices.every(
        (i) =>
          typeof i?.index_name === "string" &&
          i.index_name !== "" &&
          (i.ilm_policy === undefined || typeof i.ilm_policy === "string"),
      );
    if (!valid)
      throw new ApplyError(
        label,
        res.status,
        `expected data stream ${step.name} with its backing indices, got: ${bodyPreview(redact(res.body))}`,
      );
    return /** @type {BackingIndex[]} */ (indices);
  };

  /**
   * A data stream created before its index template keeps the backing indices Elasticsearch's
   * built-in `logs` template gave it (no redaction, no routing, an ILM policy that never deletes),
   * and an existing backing index never picks up a later template. So: when the write index is
   * not under our policy, roll the stream over (the new write index comes from our template), then
   * put every older backing index that is not under our policy under it, so that our retention
   * deletes it. A stream that does not exist, or is ours throughout, is left alone.
   * @param {PlanStep} step
   */
  const adoptStream = async (step) => {
    const label = stepLabel(step);
    const { ilm_policy: policy, index_template: template } = /** @type {Adoption} */ (step.body);
    const before = await backingIndices(step);
    if (before === undefined) {
      say(`ok ${label}: no such data stream yet; its first backing index will come from ${template}`);
      return;
    }
    let older = before.slice(0, -1);
    const write = /** @type {BackingIndex} */ (before.at(-1));
    if (write.ilm_policy !== policy) {
      await send(label, "elasticsearch", step.method, step.path, undefined);
      const after = (await backingIndices(step)) ?? [];
      const now = after.at(-1);
      if (now === undefined || now.index_name === write.index_name || now.ilm_policy !== policy)
        throw new ApplyError(
          label,
          0,
          `rolled ${step.name} over, but its write index ${now?.index_name ?? "(none)"} is under ILM policy ${JSON.stringify(now?.ilm_policy ?? null)}, not ${policy}: does index template ${template} match the stream?`,
        );
      say(
        `rolled ${step.name} over from ${write.index_name} (ILM policy ${JSON.stringify(write.ilm_policy ?? null)}) to ${now.index_name} (${policy})`,
      );
      older = after.slice(0, -1);
    }
    for (const index of older.filter((i) => i.ilm_policy !== policy)) {
      const e = encodeURIComponent(index.index_name);
      const path = `/${e}/_settings`;
      // ILM's documented switch: remove the old policy (and its step state), then set ours.
      await send(`${label}: POST /${e}/_ilm/remove`, "elasticsearch", "POST", `/${e}/_ilm/remove`, undefined);
      await send(`${label}: PUT ${path}`, "elasticsearch", "PUT", path, {
        index: { lifecycle: { name: policy } },
      });
      say(
        `${index.index_name} is under ILM policy ${policy} now (was ${JSON.stringify(index.ilm_policy ?? null)})`,
      );
    }
    say(`ok ${label}`);
  };

  /**
   * Disables the users this stack made (`metadata.managed_by`) that the plan no longer lists and
   * that are still enabled; users made by hand are left alone. Listed again, a user is enabled by
   * its own step (`enabled: true`), with everything it had.
   * @param {PlanStep} step
   */
  const retireUsers = async (step) => {
    const label = stepLabel(step);
    const { managed_by: managedBy, keep } = /** @type {RetiredUsers} */ (step.body);
    const res = await send(`${label}: GET ${step.path}`, step.target, "GET", step.path, undefined);
    const users =
      /** @type {Record<string, { enabled?: unknown, metadata?: { managed_by?: unknown } }> | undefined} */ (
        parseJson(res.body)
      );
    if (typeof users !== "object" || users === null || Array.isArray(users))
      throw new ApplyError(
        label,
        res.status,
        `expected the users as a JSON object, got: ${bodyPreview(redact(res.body))}`,
      );
    const retired = Object.entries(users)
      .filter(
        ([name, u]) => u?.metadata?.managed_by === managedBy && u.enabled === true && !keep.includes(name),
      )
      .map(([name]) => name)
      .sort();
    for (const name of retired) {
      const path = `${step.path}/${encodeURIComponent(name)}/_disable`;
      await send(`${label}: ${step.method} ${path}`, step.target, step.method, path, undefined);
      say(`disabled user ${name}: no longer in logging.users (listing it again enables it)`);
    }
    say(`ok ${label}${retired.length === 0 ? ": no user to disable" : ""}`);
  };

  /** @param {PlanStep} step */
  const applyStep = async (step) => {
    if (step.kind === "data_stream") return adoptStream(step);
    if (step.kind === "retired_users") return retireUsers(step);
    const label = stepLabel(step);
    const res = await send(label, step.target, step.method, step.path, bodyOf(step));
    say(`ok ${label}${res.attempts > 1 ? ` (attempt ${res.attempts})` : ""}`);
  };

  // The server-side wait stays well inside our own request deadline, so its answer arrives.
  const healthWait = Math.max(1, Math.min(30, Math.floor(cfg.requestTimeoutMs / 2000)));
  await waitReady(
    "elasticsearch",
    `/_cluster/health?wait_for_status=yellow&timeout=${healthWait}s`,
    elasticsearchHealthy,
  );
  // Kibana only when its first step comes, so that a slow Kibana holds back nothing before it.
  let kibanaReady = false;
  for (const step of steps) {
    if (step.target === "kibana" && !kibanaReady) {
      await waitReady("kibana", "/api/status", kibanaAvailable);
      kibanaReady = true;
    }
    await applyStep(step);
  }
}

/**
 * Reads and checks the Job's configuration. Every problem is reported at once, each naming its
 * variable, before anything is contacted.
 * @param {Record<string, string | undefined>} env
 * @returns {{ steps: PlanStep[], options: ApplierOptions }}
 */
export function settingsFromEnv(env) {
  /** @type {string[]} */
  const problems = [];
  /** @param {string} k */
  const need = (k) => {
    const v = env[k];
    if (!v) problems.push(`${k} is not set`);
    return v ?? "";
  };
  /** @type {Partial<ApplierOptions>} */
  const numbers = {};
  for (const s of NUMERIC_SETTINGS) {
    const raw = env[s.env];
    if (raw === undefined) continue;
    // Whole numbers only: "1e9", "5s", "-1" and "" are mistakes, not values to guess at.
    const v = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isNaN(v) || v < s.min || v > s.max)
      problems.push(`${s.env} must be a whole number from ${s.min} to ${s.max}, got ${JSON.stringify(raw)}`);
    else numbers[s.option] = v * s.scale;
  }
  const first = numbers.retryDelayMs ?? 1000;
  const cap = numbers.retryMaxDelayMs ?? 30_000;
  if (cap < first)
    problems.push(
      `RETRY_MAX_DELAY_MS (${cap}${numbers.retryMaxDelayMs === undefined ? ", the default" : ""}) must not be less than RETRY_DELAY_MS (${first})`,
    );
  for (const k of ["ES_URL", "KIBANA_URL"]) {
    if (!env[k]) continue;
    const problem = urlProblem(env[k]);
    if (problem) problems.push(`${k} ${problem}`);
  }
  const password = need("ES_PASSWORD");
  const options = {
    elasticsearchUrl: need("ES_URL"),
    kibanaUrl: env.KIBANA_URL || undefined,
    username: need("ES_USERNAME"),
    password,
    ca: /** @type {string[]} */ ([]),
    ...numbers,
  };
  for (const k of ["ES_CA_FILE", "KIBANA_CA_FILE"]) {
    const file = env[k];
    if (!file) continue;
    try {
      options.ca.push(readFileSync(file, "utf8"));
    } catch (err) {
      problems.push(`${k}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  /** @type {PlanStep[]} */
  let steps = [];
  const planFile = need("PLAN_FILE");
  if (planFile) {
    try {
      steps = planProblems(JSON.parse(readFileSync(planFile, "utf8")), problems);
    } catch (err) {
      problems.push(`PLAN_FILE ${planFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Only a plan with Kibana steps talks to Kibana (the settings Job has none).
  if (steps.some((s) => s.target === "kibana") && !options.kibanaUrl) problems.push("KIBANA_URL is not set");
  const secrets = readSecrets(env.SECRETS_DIR, steps, problems);
  if (problems.length > 0) {
    const redact = redactor(options.username, password, Object.values(secrets));
    throw new Error(redact(`the settings Job's configuration is invalid: ${problems.join("; ")}`, Infinity));
  }
  return { steps, options: { ...options, secrets } };
}

/** Elasticsearch refuses a shorter password (the create or update users API). */
const MIN_PASSWORD_LENGTH = 6;

/**
 * The values of the steps' secret keys, one file each in `dir` (a mounted Secret). A missing,
 * empty or too short one is a problem naming its key, never its value.
 * @param {string | undefined} dir
 * @param {readonly PlanStep[]} steps
 * @param {string[]} problems
 * @returns {Record<string, string>}
 */
function readSecrets(dir, steps, problems) {
  /** @type {Record<string, string>} */
  const out = {};
  const keys = [...new Set(steps.flatMap((s) => (s.secret ? [s.secret.key] : [])))];
  if (keys.length === 0) return out;
  if (!dir) {
    problems.push(`SECRETS_DIR is not set, and the plan needs secrets ${keys.join(", ")}`);
    return out;
  }
  for (const key of keys) {
    try {
      const value = readFileSync(`${dir}/${key}`, "utf8");
      if (value.length < MIN_PASSWORD_LENGTH)
        problems.push(
          `SECRETS_DIR ${dir}: ${key} is shorter than the ${MIN_PASSWORD_LENGTH} characters Elasticsearch requires`,
        );
      else out[key] = value;
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code ?? "unreadable";
      problems.push(`SECRETS_DIR ${dir}: cannot read ${key} (${code}): is it in the users Secret?`);
    }
  }
  return out;
}

/**
 * The plan's shape, checked so that a broken ConfigMap fails before any request.
 * @param {unknown} plan
 * @param {string[]} problems
 * @returns {PlanStep[]}
 */
function planProblems(plan, problems) {
  if (!Array.isArray(plan)) {
    problems.push("PLAN_FILE does not hold a JSON array of steps");
    return [];
  }
  plan.forEach((s, i) => {
    const ok =
      typeof s === "object" &&
      s !== null &&
      (s.target === "elasticsearch" || s.target === "kibana") &&
      (s.method === "PUT" || s.method === "POST") &&
      typeof s.path === "string" &&
      s.path.startsWith("/") &&
      typeof s.kind === "string" &&
      typeof s.name === "string";
    if (!ok) problems.push(`PLAN_FILE step ${i} is not a {target, kind, name, method, path, body} step`);
    else if (
      s.secret !== undefined &&
      !(
        s.secret?.field === "password" &&
        typeof s.secret?.key === "string" &&
        /^[A-Za-z0-9._-]+$/.test(s.secret.key)
      )
    )
      problems.push(
        `PLAN_FILE step ${i} has a secret that is not {field: "password", key} with a file name as key`,
      );
    else if (
      s.kind === "retired_users" &&
      !(
        s.target === "elasticsearch" &&
        typeof s.body?.managed_by === "string" &&
        s.body.managed_by !== "" &&
        Array.isArray(s.body?.keep) &&
        s.body.keep.every((/** @type {unknown} */ k) => typeof k === "string")
      )
    )
      problems.push(`PLAN_FILE step ${i} (retired_users) needs a body of {managed_by, keep}`);
    else if (
      s.kind === "data_stream" &&
      !(
        s.target === "elasticsearch" &&
        typeof s.body?.ilm_policy === "string" &&
        typeof s.body?.index_template === "string"
      )
    )
      problems.push(`PLAN_FILE step ${i} (data_stream) needs a body of {ilm_policy, index_template}`);
  });
  return plan;
}

/**
 * The Job's entry: configuration from the environment, the plan from a mounted file.
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<number>} the exit code
 */
export async function runFromEnv(env) {
  // Redacts even a message from an unexpected place, with what is known of the credentials.
  let redact = redactor(env.ES_USERNAME ?? "", env.ES_PASSWORD ?? "");
  try {
    const { steps, options } = settingsFromEnv(env);
    redact = redactor(options.username, options.password, Object.values(options.secrets ?? {}));
    await applyPlan(steps, { ...options, log: (line) => console.log(line) });
    console.log(`applied ${steps.length} settings`);
    return 0;
  } catch (err) {
    console.error(redact(err instanceof Error ? err.message : String(err), 4 * MAX_LOGGED_CHARS));
    return 1;
  }
}

// Run as the Job's script (`node apply.mjs`); imported by the tests, it only defines the functions.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runFromEnv(process.env);
}
