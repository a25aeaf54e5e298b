/**
 * Applies the Elasticsearch and Kibana settings plan over their REST APIs. It runs inside the
 * cluster as the settings Job (transpiled to one ES module, see logging-applier-script.ts), so it
 * depends on nothing but Node's built-ins. Every step is a create-or-replace by name: running the
 * plan twice leaves the same state. The first failing step stops the run with the server's answer.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";

/** One request of the plan (the generators' ApplyStep, restated so this file stands alone). */
export interface PlanStep {
  target: "elasticsearch" | "kibana";
  kind: string;
  name: string;
  method: "PUT" | "POST";
  path: string;
  body: unknown;
}

export interface ApplierOptions {
  elasticsearchUrl: string;
  kibanaUrl: string;
  username: string;
  password: string;
  /** PEM CA bundles the servers' certificates chain to (ECK's self-signed CAs). */
  ca?: string[];
  /** How long to wait for the servers to come up. */
  readyTimeoutMs?: number;
  retryDelayMs?: number;
  log?: (line: string) => void;
}

export interface HttpResult {
  status: number;
  body: string;
}

/** A step the server refused; the message carries the response body, which says why. */
export class ApplyError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly responseBody: string,
  ) {
    super(`${step} failed with HTTP ${status}: ${responseBody}`);
    this.name = "ApplyError";
  }
}

export function request(
  method: string,
  url: string,
  opts: {
    username: string;
    password: string;
    ca?: string[];
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<HttpResult> {
  const target = new URL(url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
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
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until the check passes or the deadline passes; connection errors count as not ready. */
async function waitFor(what: string, check: () => Promise<boolean>, opts: ApplierOptions): Promise<void> {
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

function baseUrl(step: PlanStep, opts: ApplierOptions): string {
  return (step.target === "kibana" ? opts.kibanaUrl : opts.elasticsearchUrl).replace(/\/$/, "");
}

/**
 * Applies the steps in order. Waits for Elasticsearch (cluster health yellow or better) and, if the
 * plan has Kibana steps, for Kibana's status API. Server errors (5xx, e.g. during a master
 * election) are retried; a refusal (4xx) is final and reported with its body.
 */
export async function applyPlan(steps: readonly PlanStep[], opts: ApplierOptions): Promise<void> {
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
    const headers: Record<string, string> =
      step.target === "kibana" ? { "kbn-xsrf": "observability-settings" } : {};
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

/** The Job's entry: configuration from the environment, the plan from a mounted file. Returns the exit code. */
export async function runFromEnv(env: Record<string, string | undefined>): Promise<number> {
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`environment variable ${k} is not set`);
    return v;
  };
  try {
    const steps = JSON.parse(readFileSync(need("PLAN_FILE"), "utf8")) as PlanStep[];
    const ca = [env.ES_CA_FILE, env.KIBANA_CA_FILE]
      .filter((f): f is string => !!f)
      .map((f) => readFileSync(f, "utf8"));
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
