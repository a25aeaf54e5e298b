// @ts-check
/**
 * The settings Job: applies the Elasticsearch and Kibana settings plan over their REST APIs. This
 * file is mounted into the Job's container as it is and run with `node apply.mjs`, so it depends on
 * nothing but Node's built-ins; `tsc` checks it through the JSDoc types (checkJs). Every step is a
 * create-or-replace by name: running the plan twice leaves the same state. The first failing step
 * stops the run with the server's answer.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { pathToFileURL } from "node:url";

/**
 * One request of the plan (the generators' ApplyStep, restated so this file stands alone).
 * @typedef {object} PlanStep
 * @property {"elasticsearch" | "kibana"} target
 * @property {string} kind
 * @property {string} name
 * @property {"PUT" | "POST"} method
 * @property {string} path
 * @property {unknown} body
 */

/**
 * @typedef {object} ApplierOptions
 * @property {string} elasticsearchUrl
 * @property {string} kibanaUrl
 * @property {string} username
 * @property {string} password
 * @property {string[]} [ca] PEM CA bundles the servers' certificates chain to.
 * @property {number} [readyTimeoutMs] How long to wait for the servers to come up.
 * @property {number} [retryDelayMs]
 * @property {(line: string) => void} [log]
 */

/**
 * @typedef {object} HttpResult
 * @property {number} status
 * @property {string} body
 */

/** A step the server refused; the message carries the response body, which says why. */
export class ApplyError extends Error {
  /**
   * @param {string} step
   * @param {number} status
   * @param {string} responseBody
   */
  constructor(step, status, responseBody) {
    super(`${step} failed with HTTP ${status}: ${responseBody}`);
    this.name = "ApplyError";
    this.step = step;
    this.status = status;
    this.responseBody = responseBody;
  }
}

/**
 * @param {string} method
 * @param {string} url
 * @param {{ username: string, password: string, ca?: string[], body?: unknown, headers?: Record<string, string> }} opts
 * @returns {Promise<HttpResult>}
 */
export function request(method, url, opts) {
  const target = new URL(url);
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
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method,
        headers,
        ...(target.protocol === "https:" && opts.ca ? { ca: opts.ca } : {}),
        timeout: 60_000,
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the check passes or the deadline passes; connection errors count as not ready.
 * @param {string} what
 * @param {() => Promise<boolean>} check
 * @param {ApplierOptions} opts
 */
async function waitFor(what, check, opts) {
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15 * 60_000);
  let last = "";
  for (;;) {
    try {
      if (await check()) return;
      last = "not ready";
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`${what} did not become ready: ${last}`);
    opts.log?.(`waiting for ${what} (${last})`);
    await sleep(opts.retryDelayMs ?? 5000);
  }
}

/**
 * @param {PlanStep} step
 * @param {ApplierOptions} opts
 */
function baseUrl(step, opts) {
  return (step.target === "kibana" ? opts.kibanaUrl : opts.elasticsearchUrl).replace(/\/$/, "");
}

/**
 * Applies the steps in order. Waits for Elasticsearch (cluster health yellow or better) and, if the
 * plan has Kibana steps, for Kibana's status API. Server errors (5xx, e.g. during a master
 * election) are retried; a refusal (4xx) is final and reported with its body.
 * @param {readonly PlanStep[]} steps
 * @param {ApplierOptions} opts
 */
export async function applyPlan(steps, opts) {
  const auth = { username: opts.username, password: opts.password, ca: opts.ca };
  const es = opts.elasticsearchUrl.replace(/\/$/, "");
  await waitFor(
    "Elasticsearch",
    async () =>
      (await request("GET", `${es}/_cluster/health?wait_for_status=yellow&timeout=30s`, auth)).status === 200,
    opts,
  );
  if (steps.some((s) => s.target === "kibana")) {
    const kb = opts.kibanaUrl.replace(/\/$/, "");
    await waitFor(
      "Kibana",
      async () => (await request("GET", `${kb}/api/status`, auth)).status === 200,
      opts,
    );
  }
  for (const step of steps) {
    const label = `${step.method} ${step.target} ${step.path} (${step.kind} ${step.name})`;
    /** @type {Record<string, string>} */
    const headers = step.target === "kibana" ? { "kbn-xsrf": "observability-settings" } : {};
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const res = await request(step.method, `${baseUrl(step, opts)}${step.path}`, {
        ...auth,
        body: step.body,
        headers,
      });
      if (res.status >= 200 && res.status < 300) {
        opts.log?.(`ok ${label}`);
        break;
      }
      if (res.status >= 500 && attempt < 5) {
        opts.log?.(`retrying ${label}: HTTP ${res.status}`);
        await sleep(opts.retryDelayMs ?? 5000);
        continue;
      }
      throw new ApplyError(label, res.status, res.body);
    }
  }
}

/**
 * The Job's entry: configuration from the environment, the plan from a mounted file.
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<number>} the exit code
 */
export async function runFromEnv(env) {
  /** @param {string} k */
  const need = (k) => {
    const v = env[k];
    if (!v) throw new Error(`environment variable ${k} is not set`);
    return v;
  };
  try {
    /** @type {PlanStep[]} */
    const steps = JSON.parse(readFileSync(need("PLAN_FILE"), "utf8"));
    const ca = [env.ES_CA_FILE, env.KIBANA_CA_FILE]
      .filter((f) => !!f)
      .map((f) => readFileSync(String(f), "utf8"));
    await applyPlan(steps, {
      elasticsearchUrl: need("ES_URL"),
      kibanaUrl: need("KIBANA_URL"),
      username: need("ES_USERNAME"),
      password: need("ES_PASSWORD"),
      ca,
      readyTimeoutMs: env.READY_TIMEOUT_SECONDS ? Number(env.READY_TIMEOUT_SECONDS) * 1000 : undefined,
      retryDelayMs: env.RETRY_DELAY_MS ? Number(env.RETRY_DELAY_MS) : undefined,
      log: (line) => console.log(line),
    });
    console.log(`applied ${steps.length} settings`);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

// Run as the Job's script (`node apply.mjs`); imported by the tests, it only defines the functions.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runFromEnv(process.env);
}
