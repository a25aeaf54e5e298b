// @ts-check
/**
 * The Sentry REST dynamic provider, for what the Sentry provider package (@pulumiverse/sentry
 * 0.0.9) cannot set: a project's server-side scrubbing options, and metric alert rules whose Slack
 * actions carry the channel id (`inputChannelId`). Each resource's state says which it is
 * (`kind: "metric-alert"`; scrubbing states, written before metric alerts existed, have no kind).
 *
 * Pulumi's dynamic-provider host loads this file's text as a module and calls `handler()`: the
 * component registers it as it is (no closure serialisation: what is reviewed is what runs) and
 * `tsc` checks it through its JSDoc types. It uses only the global fetch. `diff` is local, so an
 * unchanged project costs no request.
 *
 * Every call is bounded: 429, 5xx and transport failures are retried with capped, jittered backoff
 * (Retry-After honoured), each attempt has a timeout that covers reading the body, and the whole
 * call has an attempt count and a time budget. Redirects are refused rather than followed (a
 * followed redirect would re-send the token and the settings to wherever it points). Only a
 * project document with the scrubbing fields counts as success, and no message carries the token.
 */
"use strict";

/**
 * A project's scrubbing options, with the field names of Sentry's project API.
 * @typedef {object} ScrubbingSettings
 * @property {boolean} dataScrubber
 * @property {boolean} dataScrubberDefaults
 * @property {boolean} scrubIPAddresses
 * @property {string[]} sensitiveFields
 * @property {string[]} safeFields
 */

/**
 * What the provider receives (Outputs resolved) and keeps in the state.
 * @typedef {object} ScrubbingState
 * @property {string} baseUrl e.g. https://sentry.io, without a trailing slash
 * @property {string} organization
 * @property {string} project
 * @property {string} token Sentry auth token; kept only as a secret output (additionalSecretOutputs)
 * @property {ScrubbingSettings} settings
 */

/** @typedef {Pick<ScrubbingState, "baseUrl" | "organization" | "project">} SentryProjectRef */

/**
 * One action of a metric alert trigger, with the field names of Sentry's alert-rule API.
 * @typedef {object} MetricAlertAction
 * @property {string} type slack, pagerduty, opsgenie or email
 * @property {string} targetType specific, team or user
 * @property {string} targetIdentifier a Slack channel name, a service or team id, a Sentry team id
 * @property {number} [integrationId]
 * @property {string} [inputChannelId] the Slack channel id: Sentry then checks the channel at once
 */

/**
 * A metric alert rule as Sentry's alert-rule API takes it (POST and PUT send all of it).
 * @typedef {object} MetricAlertRule
 * @property {string} name
 * @property {string} aggregate
 * @property {string} dataset
 * @property {number} queryType
 * @property {string} query
 * @property {number} timeWindow minutes
 * @property {number} thresholdType
 * @property {string[]} projects project slugs
 * @property {{ label: string, alertThreshold: number, actions: MetricAlertAction[] }[]} triggers
 */

/**
 * A metric alert resource's inputs and state; the resource id is Sentry's rule id.
 * @typedef {object} MetricAlertState
 * @property {"metric-alert"} kind
 * @property {string} baseUrl
 * @property {string} organization
 * @property {string} token
 * @property {MetricAlertRule} rule
 */

/**
 * What a call is about, for its path and its error messages.
 * @typedef {object} ApiTarget
 * @property {string} baseUrl
 * @property {string} path the API path, from /api/0/
 * @property {string} what e.g. "project acme/backend"
 * @property {"project" | "alerts"} scope the token scope family that reads or writes it
 * @property {string} fix what to check when it does not exist
 */

/**
 * How hard one API call tries. The defaults suit an interactive `pulumi up`; tests shrink them.
 * @typedef {object} RetryPolicy
 * @property {number} maxAttempts requests per call, the first included
 * @property {number} totalTimeoutMs budget for the whole call, waits included
 * @property {number} attemptTimeoutMs one request, from sending to the last byte of the body
 * @property {number} baseDelayMs backoff before the second attempt (doubles each time)
 * @property {number} maxDelayMs backoff cap when Sentry gives no Retry-After
 * @property {number} retryAfterCapMs longest Retry-After obeyed; a longer one is cut to this
 */

/**
 * The provider's dependencies on time, injectable so tests need not wait.
 * @typedef {object} ProviderOptions
 * @property {Partial<RetryPolicy>} [policy]
 * @property {(ms: number) => Promise<void>} [sleep]
 * @property {() => number} [now] epoch milliseconds
 * @property {() => number} [random] in [0, 1)
 */

/** @type {Readonly<RetryPolicy>} */
const DEFAULT_POLICY = Object.freeze({
  maxAttempts: 5,
  totalTimeoutMs: 120_000,
  attemptTimeoutMs: 30_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  retryAfterCapMs: 60_000,
});

/** What a new Sentry project has; a deleted resource puts these back. @type {ScrubbingSettings} */
const SENTRY_DEFAULT_SCRUBBING = {
  dataScrubber: true,
  dataScrubberDefaults: true,
  scrubIPAddresses: false,
  sensitiveFields: [],
  safeFields: [],
};

/** The fields this provider owns, and so expects back from Sentry. */
const BOOLEAN_FIELDS = /** @type {const} */ (["dataScrubber", "dataScrubberDefaults", "scrubIPAddresses"]);
const LIST_FIELDS = /** @type {const} */ (["sensitiveFields", "safeFields"]);

/** Longest piece of a response body quoted in an error. */
const BODY_QUOTE_CHARS = 500;

/**
 * Removes credentials from text bound for an error message: the token itself, anything after
 * `Bearer`, and anything shaped like a Sentry token (a proxy or Sentry may echo a header back).
 * @param {string} text
 * @param {string} [token]
 */
function redact(text, token) {
  let out = text;
  // A very short "token" would blank out ordinary words; check() already refuses empty ones.
  if (token && token.length >= 8) out = out.split(token).join("[REDACTED]");
  return out
    .replace(/Bearer\s+[^\s"',;]+/gi, "Bearer [REDACTED]")
    .replace(/\bsntry[a-z]?_[A-Za-z0-9_+/=.-]+/g, "[REDACTED]");
}

/**
 * @param {string} text
 * @param {string} [token]
 */
const quote = (text, token) => {
  const clean = redact(text, token).trim();
  if (clean === "") return "(empty body)";
  return clean.length > BODY_QUOTE_CHARS ? `${clean.slice(0, BODY_QUOTE_CHARS)}… (truncated)` : clean;
};

class SentryApiError extends Error {
  /**
   * @param {object} f
   * @param {string} f.method
   * @param {string} f.path
   * @param {number | undefined} f.status HTTP status, undefined when no response came
   * @param {string} f.body the response body, redacted and shortened ("" when none)
   * @param {string} f.message already redacted
   * @param {number} [f.attempts]
   */
  constructor(f) {
    super(f.message);
    this.name = "SentryApiError";
    this.method = f.method;
    this.path = f.path;
    this.status = f.status;
    this.body = f.body;
    this.attempts = f.attempts ?? 1;
  }
}

/** @param {SentryProjectRef} ref */
const projectPath = (ref) =>
  `/api/0/projects/${encodeURIComponent(ref.organization)}/${encodeURIComponent(ref.project)}/`;

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * @param {string | null} header
 * @param {number} nowMs
 * @returns {number | undefined} milliseconds to wait, undefined when absent or unreadable
 */
function parseRetryAfter(header, nowMs) {
  if (header === null) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before attempt `attempt + 1`: Sentry's Retry-After (capped) when it sent one, otherwise
 * exponential backoff with jitter, so that many stacks throttled together do not retry in step.
 * @param {number} attempt the attempt that just failed, from 1
 * @param {string | null} retryAfter
 * @param {RetryPolicy} policy
 * @param {number} nowMs
 * @param {number} random in [0, 1)
 */
function retryDelayMs(attempt, retryAfter, policy, nowMs, random) {
  const asked = parseRetryAfter(retryAfter, nowMs);
  if (asked !== undefined) return Math.min(asked, policy.retryAfterCapMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/**
 * What to tell the operator about a final 4xx, beyond Sentry's own words.
 * @param {number} status
 * @param {string} method
 * @param {ApiTarget} target
 * @param {string} origin
 */
function hintFor(status, method, target, origin) {
  if (status === 401)
    return "the auth token was refused (missing, mistyped, expired or revoked): check the Sentry token secret";
  if (status === 403)
    return `the auth token may not ${method === "GET" ? "read" : "change"} ${target.what}: it needs the ${
      target.scope
    }:${method === "GET" ? "read" : "write"} scope and access to its organization`;
  if (status === 404)
    return `${target.what} does not exist at ${origin}, or the token's organization cannot see it: ${target.fix}`;
  if (status === 400) return "Sentry rejected the request";
  return "";
}

/**
 * The project document must be a JSON object carrying every field we set, with the right types:
 * an empty, null or foreign 200 must not be recorded as if the settings were applied.
 * @param {string} text
 * @returns {{ value: ScrubbingSettings } | { problem: string }}
 */
function parseProject(text) {
  if (text.trim() === "") return { problem: "an empty body instead of the project" };
  /** @type {unknown} */
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: "a body that is not JSON instead of the project" };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    const kind = doc === null ? "null" : Array.isArray(doc) ? "an array" : `a ${typeof doc}`;
    return { problem: `${kind} instead of the project object` };
  }
  const p = /** @type {Record<string, unknown>} */ (doc);
  const wrong = [
    ...BOOLEAN_FIELDS.filter((k) => typeof p[k] !== "boolean"),
    ...LIST_FIELDS.filter((k) => {
      const v = p[k];
      return !Array.isArray(v) || !v.every((f) => typeof f === "string");
    }),
  ];
  if (wrong.length > 0)
    return { problem: `a project object without valid scrubbing fields (${wrong.join(", ")})` };
  // What Sentry answered, not what was sent: it may normalise, and the state must say what is live.
  return {
    value: {
      dataScrubber: /** @type {boolean} */ (p.dataScrubber),
      dataScrubberDefaults: /** @type {boolean} */ (p.dataScrubberDefaults),
      scrubIPAddresses: /** @type {boolean} */ (p.scrubIPAddresses),
      sensitiveFields: [.../** @type {string[]} */ (p.sensitiveFields)],
      safeFields: [.../** @type {string[]} */ (p.safeFields)],
    },
  };
}

/**
 * A created or read alert rule must carry its id. Sentry answers 202 with only a task uuid when it
 * has to look a Slack channel up later (no channel id given): that rule may never be created.
 * @param {string} text
 * @param {number} status
 * @returns {{ value: { id: string } } | { problem: string }}
 */
function parseAlertRule(text, status) {
  if (status === 202)
    return {
      problem:
        "an accepted-for-later answer: Sentry looks the Slack channel up asynchronously and may never create the rule (give every Slack action its channel id)",
    };
  /** @type {unknown} */
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problem: "a body that is not JSON instead of the alert rule" };
  }
  const id = doc && typeof doc === "object" ? /** @type {Record<string, unknown>} */ (doc).id : undefined;
  if ((typeof id !== "string" || id === "") && typeof id !== "number")
    return { problem: "an answer without the alert rule's id" };
  return { value: { id: String(id) } };
}

/**
 * DELETE answers 202 (Accepted) and removes the rule in the background: any 2xx will do.
 * @returns {{ value: null }}
 */
const acceptAny = () => ({ value: null });

/**
 * Describes a fetch rejection without its stack or request (undici may quote header values).
 * @param {unknown} err
 */
function transportProblem(err) {
  const e = /** @type {{ message?: unknown, cause?: { code?: unknown, message?: unknown } }} */ (err ?? {});
  const code = e.cause && typeof e.cause.code === "string" ? e.cause.code : undefined;
  const detail = e.cause && typeof e.cause.message === "string" ? e.cause.message : String(e.message ?? err);
  return code && !detail.includes(code) ? `${code}: ${detail}` : detail;
}

/**
 * One request with its own timeout, which covers reading the body too.
 * @param {string} url
 * @param {RequestInit} init
 * @param {number} timeoutMs
 * @returns {Promise<{ kind: "response", status: number, headers: Headers, text: string } | { kind: "transport", problem: string }>}
 */
async function attemptOnce(url, init, timeoutMs) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, { ...init, redirect: "manual", signal: ac.signal });
    const text = await res.text();
    return { kind: "response", status: res.status, headers: res.headers, text };
  } catch (err) {
    if (ac.signal.aborted) return { kind: "transport", problem: `no complete answer within ${timeoutMs} ms` };
    return { kind: "transport", problem: transportProblem(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** @param {number} ms */
const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {number} ms */
const secs = (ms) => `${Math.round(ms / 100) / 10} s`;

/**
 * Builds a provider; `handler()` uses the defaults.
 * @param {ProviderOptions} [options]
 */
function createProvider(options = {}) {
  /** @type {RetryPolicy} */
  const policy = { ...DEFAULT_POLICY, ...options.policy };
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  /**
   * One API call: retried while the failure is transient, never redirected. A GET or DELETE that
   * answers 404 returns without a value; every other failure throws.
   * @template V
   * @param {ApiTarget} target
   * @param {string} token
   * @param {"GET" | "PUT" | "POST" | "DELETE"} method
   * @param {unknown} body
   * @param {(text: string, status: number) => ({ value: V } | { problem: string })} parse
   * @returns {Promise<{ status: number, value?: V, text: string }>}
   */
  async function call(target, token, method, body, parse) {
    const { path } = target;
    /** @param {string} message @param {number | undefined} status @param {string} [text] @param {number} [attempts] */
    const fail = (message, status, text = "", attempts = 1) =>
      new SentryApiError({
        method,
        path,
        status,
        body: text === "" ? "" : quote(text, token),
        message: redact(`Sentry API ${method} ${path} ${message}`, token),
        attempts,
      });

    /** @type {URL} */
    let base;
    try {
      base = new URL(target.baseUrl);
    } catch {
      throw fail(`cannot be sent: baseUrl is not a URL`, undefined);
    }
    if (base.protocol !== "https:" && base.protocol !== "http:")
      throw fail(`cannot be sent: baseUrl must be http(s), not ${base.protocol}`, undefined);
    if (base.username || base.password)
      throw fail("cannot be sent: baseUrl must not carry credentials", undefined);
    // A trailing newline from a secrets file would otherwise fail inside fetch, quoting the header.
    if (!/^[\x21-\x7e]+$/.test(token))
      throw fail("cannot be sent: the auth token contains whitespace or non-ASCII characters", undefined);

    const url = `${target.baseUrl.replace(/\/+$/, "")}${path}`;
    /** @type {RequestInit} */
    const init = {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    };

    const started = now();
    const deadline = started + policy.totalTimeoutMs;
    /** @type {{ status: number | undefined, text: string, summary: string }} */
    let last = { status: undefined, text: "", summary: "" };
    let attempt = 0;
    while (attempt < policy.maxAttempts) {
      attempt += 1;
      const outcome = await attemptOnce(
        url,
        init,
        Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - now())),
      );
      /** @type {string | null} */
      let retryAfter = null;
      // GET, PUT (absolute values) and DELETE are idempotent, so repeating one whose answer was
      // lost cannot apply anything twice. A POST is repeated only when Sentry said it did
      // nothing (429, 503): a lost answer may hide a rule that was created.
      if (outcome.kind === "transport") {
        if (method === "POST")
          throw fail(
            `got no answer (${outcome.problem}); not repeated, since Sentry may have created it: look for a duplicate of ${target.what} before the next run`,
            undefined,
            "",
            attempt,
          );
        last = { status: undefined, text: "", summary: outcome.problem };
      } else {
        const { status, text, headers } = outcome;
        if (status >= 200 && status < 300) {
          const parsed = parse(text, status);
          if ("problem" in parsed)
            throw fail(
              `answered HTTP ${status} with ${parsed.problem}: ${quote(text, token)}`,
              status,
              text,
              attempt,
            );
          return { status, value: parsed.value, text };
        }
        if (status >= 300 && status < 400) {
          const location = headers.get("location");
          let where = "without a Location";
          if (location !== null) {
            try {
              where = `to ${new URL(location, url).origin}`;
            } catch {
              where = "to an unreadable Location";
            }
          }
          throw fail(
            `answered HTTP ${status} redirecting ${where}; redirects are not followed (the token and settings would be re-sent there): set baseUrl to the API's own origin`,
            status,
            text,
            attempt,
          );
        }
        if (status === 404 && (method === "GET" || method === "DELETE")) return { status, text };
        // A POST that failed with a 500 may have created the rule: repeating it could make two.
        const retriable = status === 429 || status === 503 || (status >= 500 && method !== "POST");
        if (!retriable) {
          const hint = hintFor(status, method, target, base.origin);
          throw fail(
            `failed with HTTP ${status}: ${hint ? `${hint}. Sentry said: ` : ""}${quote(text, token)}`,
            status,
            text,
            attempt,
          );
        }
        last = { status, text, summary: `HTTP ${status}: ${quote(text, token)}` };
        retryAfter = headers.get("retry-after");
      }
      if (attempt >= policy.maxAttempts) break;
      const wait = retryDelayMs(attempt, retryAfter, policy, now(), random());
      if (now() + wait > deadline)
        throw fail(
          `gave up after ${attempt} attempt(s) in ${secs(now() - started)}: waiting ${secs(wait)} more would pass the ${secs(policy.totalTimeoutMs)} budget; last: ${last.summary}`,
          last.status,
          last.text,
          attempt,
        );
      await sleep(wait);
    }
    throw fail(
      `failed after ${attempt} attempt(s) in ${secs(now() - started)}; last: ${last.summary}`,
      last.status,
      last.text,
      attempt,
    );
  }

  /** @param {SentryProjectRef} ref @returns {ApiTarget} */
  const projectTarget = (ref) => ({
    baseUrl: ref.baseUrl,
    path: projectPath(ref),
    what: `project ${ref.organization}/${ref.project}`,
    scope: "project",
    fix: "check the organization and project slugs",
  });

  /**
   * @param {SentryProjectRef} ref
   * @param {string} token
   * @returns {Promise<ScrubbingSettings | undefined>} undefined when the project is gone (404)
   */
  async function getScrubbing(ref, token) {
    return (await call(projectTarget(ref), token, "GET", undefined, parseProject)).value;
  }

  /**
   * PUT only the scrubbing options: the project's other settings stay as they are.
   * @param {SentryProjectRef} ref
   * @param {string} token
   * @param {ScrubbingSettings} settings
   * @returns {Promise<ScrubbingSettings>} what Sentry answered it now has
   */
  async function putScrubbing(ref, token, settings) {
    /** @type {ScrubbingSettings} */
    const body = {
      dataScrubber: settings.dataScrubber,
      dataScrubberDefaults: settings.dataScrubberDefaults,
      scrubIPAddresses: settings.scrubIPAddresses,
      sensitiveFields: settings.sensitiveFields,
      safeFields: settings.safeFields,
    };
    // call() returns without a value only for a GET or DELETE 404; a PUT 404 throws.
    return /** @type {ScrubbingSettings} */ (
      (await call(projectTarget(ref), token, "PUT", body, parseProject)).value
    );
  }

  const scrubbing = {
    /**
     * @param {ScrubbingState} _olds
     * @param {ScrubbingState} news
     */
    async check(_olds, news) {
      /** @type {{ property: string, reason: string }[]} */
      const failures = [];
      for (const key of [...REPLACE_ON, "token"]) {
        const v = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (news))[key];
        if (typeof v !== "string" || v === "") failures.push({ property: key, reason: `${key} is required` });
      }
      const s = /** @type {Partial<ScrubbingSettings> | undefined} */ (news.settings);
      for (const key of LIST_FIELDS) {
        const list = s?.[key];
        if (!Array.isArray(list) || !list.every((f) => typeof f === "string"))
          failures.push({ property: `settings.${key}`, reason: "expected a list of strings" });
      }
      return { inputs: news, failures };
    },

    /**
     * @param {string} _id
     * @param {ScrubbingState} olds
     * @param {ScrubbingState} news
     */
    async diff(_id, olds, news) {
      const replaces = REPLACE_ON.filter((k) => olds[k] !== news[k]);
      const settingsChanged = !sameScrubbing(olds.settings, news.settings);
      // A rotated token is stored for later calls; update() then sends nothing.
      const changes = replaces.length > 0 || settingsChanged || olds.token !== news.token;
      return { changes, replaces, deleteBeforeReplace: false };
    },

    /** @param {ScrubbingState} inputs */
    async create(inputs) {
      const settings = await putScrubbing(inputs, inputs.token, inputs.settings);
      return { id: `${inputs.organization}/${inputs.project}`, outs: { ...inputs, settings } };
    },

    /**
     * Reports drift: what Sentry has now, whatever changed it. A project deleted in Sentry's UI
     * answers 404: an empty id is how a dynamic provider tells the engine the resource is gone,
     * so `pulumi refresh` drops it from the state instead of failing.
     * @param {string} id
     * @param {ScrubbingState} [props]
     */
    async read(id, props) {
      if (!props) throw new Error(`cannot read Sentry scrubbing settings of ${id} without its state`);
      const settings = await getScrubbing(props, props.token);
      if (settings === undefined) return { id: undefined };
      return { id, props: { ...props, settings } };
    },

    /**
     * @param {string} _id
     * @param {ScrubbingState} olds
     * @param {ScrubbingState} news
     */
    async update(_id, olds, news) {
      if (sameScrubbing(olds.settings, news.settings)) return { outs: { ...news, settings: olds.settings } };
      const settings = await putScrubbing(news, news.token, news.settings);
      return { outs: { ...news, settings } };
    },

    /**
     * The project keeps existing when only this resource goes: hand it back with Sentry's defaults.
     * @param {string} _id
     * @param {ScrubbingState} props
     */
    async delete(_id, props) {
      try {
        await putScrubbing(props, props.token, SENTRY_DEFAULT_SCRUBBING);
      } catch (err) {
        // The project is gone already (deleted with the stack): nothing left to reset.
        if (err instanceof SentryApiError && err.status === 404) return;
        throw err;
      }
    },
  };

  /**
   * @param {Pick<MetricAlertState, "baseUrl" | "organization">} s
   * @param {string} [id] the rule's id; none for the collection (create)
   * @returns {ApiTarget}
   */
  const ruleTarget = (s, id) => ({
    baseUrl: s.baseUrl,
    path: `/api/0/organizations/${encodeURIComponent(s.organization)}/alert-rules/${
      id === undefined ? "" : `${encodeURIComponent(id)}/`
    }`,
    what:
      id === undefined
        ? `a metric alert rule of ${s.organization}`
        : `metric alert rule ${id} of ${s.organization}`,
    scope: "alerts",
    fix: "check the organization slug, or whether the rule was deleted in Sentry",
  });

  /** Metric alert rules: POST creates, PUT overwrites the whole rule, DELETE removes it. */
  const metricAlerts = {
    /**
     * @param {MetricAlertState} _olds
     * @param {MetricAlertState} news
     */
    async check(_olds, news) {
      /** @type {{ property: string, reason: string }[]} */
      const failures = [];
      for (const key of [...RULE_REPLACE_ON, "token"]) {
        const v = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (news))[key];
        if (typeof v !== "string" || v === "") failures.push({ property: key, reason: `${key} is required` });
      }
      const r = /** @type {Partial<MetricAlertRule> | undefined} */ (news.rule);
      if (typeof r?.name !== "string" || r.name === "")
        failures.push({ property: "rule.name", reason: "rule.name is required" });
      if (!Array.isArray(r?.projects) || r.projects.length === 0)
        failures.push({ property: "rule.projects", reason: "expected at least one project slug" });
      if (!Array.isArray(r?.triggers) || r.triggers.length === 0)
        failures.push({ property: "rule.triggers", reason: "expected at least one trigger" });
      for (const [i, t] of (Array.isArray(r?.triggers) ? r.triggers : []).entries())
        for (const [j, a] of (Array.isArray(t?.actions) ? t.actions : []).entries())
          if (a?.type === "slack" && (typeof a.inputChannelId !== "string" || a.inputChannelId === ""))
            failures.push({
              property: `rule.triggers[${i}].actions[${j}].inputChannelId`,
              reason: "a Slack action needs the channel id, or Sentry may never create the rule",
            });
      return { inputs: news, failures };
    },

    /**
     * @param {string} _id
     * @param {MetricAlertState} olds
     * @param {MetricAlertState} news
     */
    async diff(_id, olds, news) {
      const replaces = RULE_REPLACE_ON.filter((k) => olds[k] !== news[k]);
      const changes = replaces.length > 0 || !sameJson(olds.rule, news.rule) || olds.token !== news.token;
      return { changes, replaces, deleteBeforeReplace: false };
    },

    /** @param {MetricAlertState} inputs */
    async create(inputs) {
      const created = await call(ruleTarget(inputs), inputs.token, "POST", inputs.rule, parseAlertRule);
      return { id: /** @type {{ id: string }} */ (created.value).id, outs: inputs };
    },

    /**
     * Confirms the rule still exists; a rule deleted in Sentry's UI answers 404 and is dropped
     * from the state by `pulumi refresh`, so the next `pulumi up` creates it again. Sentry reads
     * rules back in another shape (a Slack action's target becomes the channel id), so the state
     * keeps what was sent rather than compare the two.
     * @param {string} id
     * @param {MetricAlertState} [props]
     */
    async read(id, props) {
      if (!props) throw new Error(`cannot read Sentry metric alert rule ${id} without its state`);
      const found = await call(ruleTarget(props, id), props.token, "GET", undefined, parseAlertRule);
      return found.value === undefined ? { id: undefined } : { id, props };
    },

    /**
     * @param {string} id
     * @param {MetricAlertState} olds
     * @param {MetricAlertState} news
     */
    async update(id, olds, news) {
      if (!sameJson(olds.rule, news.rule))
        await call(ruleTarget(news, id), news.token, "PUT", news.rule, parseAlertRule);
      return { outs: news };
    },

    /**
     * @param {string} id
     * @param {MetricAlertState} props
     */
    async delete(id, props) {
      // A rule already gone answers 404, one still being removed 400 "already been deleted":
      // either way nothing is left to do.
      try {
        await call(ruleTarget(props, id), props.token, "DELETE", undefined, acceptAny);
      } catch (err) {
        if (err instanceof SentryApiError && err.status === 400 && /already been deleted/i.test(err.body))
          return;
        throw err;
      }
    },
  };

  /** @param {unknown} props */
  const isRule = (props) =>
    Boolean(props) && /** @type {{ kind?: unknown }} */ (props).kind === "metric-alert";

  /**
   * One provider for both kinds: the state says which (scrubbing states have no kind).
   * @type {import("@pulumi/pulumi").dynamic.ResourceProvider}
   */
  const dispatch = {
    /** @param {any} olds @param {any} news */
    check: (olds, news) => (isRule(news) ? metricAlerts : scrubbing).check(olds, news),
    /** @param {string} id @param {any} olds @param {any} news */
    diff: (id, olds, news) => (isRule(news) ? metricAlerts : scrubbing).diff(id, olds, news),
    /** @param {any} inputs */
    create: (inputs) => (isRule(inputs) ? metricAlerts : scrubbing).create(inputs),
    /** @param {string} id @param {any} [props] */
    read: (id, props) => (isRule(props) ? metricAlerts : scrubbing).read(id, props),
    /** @param {string} id @param {any} olds @param {any} news */
    update: (id, olds, news) => (isRule(news) ? metricAlerts : scrubbing).update(id, olds, news),
    /** @param {string} id @param {any} props */
    delete: (id, props) => (isRule(props) ? metricAlerts : scrubbing).delete(id, props),
  };
  return dispatch;
}

/**
 * Field lists are sets to Sentry: order and case do not matter.
 * @param {ScrubbingSettings} a
 * @param {ScrubbingSettings} b
 */
function sameScrubbing(a, b) {
  /** @param {string[]} l */
  const set = (l) => JSON.stringify([...new Set(l.map((f) => f.toLowerCase()))].sort());
  return (
    a.dataScrubber === b.dataScrubber &&
    a.dataScrubberDefaults === b.dataScrubberDefaults &&
    a.scrubIPAddresses === b.scrubIPAddresses &&
    set(a.sensitiveFields) === set(b.sensitiveFields) &&
    set(a.safeFields) === set(b.safeFields)
  );
}

/** Changing any of these is a different project: replace. */
const REPLACE_ON = /** @type {const} */ (["baseUrl", "organization", "project"]);

/** A rule belongs to its organization: another one is a new rule. */
const RULE_REPLACE_ON = /** @type {const} */ (["baseUrl", "organization"]);

/**
 * Deep equality of plain JSON values, whatever the key order.
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
function sameJson(a, b) {
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    const ra = /** @type {Record<string, unknown>} */ (a);
    const rb = /** @type {Record<string, unknown>} */ (b);
    return sameJson(ka, kb) && ka.every((k) => sameJson(ra[k], rb[k]));
  }
  return a === b;
}

const provider = createProvider();

module.exports = {
  /** What Pulumi's dynamic-provider host calls. */
  handler: () => provider,
  provider,
  createProvider,
  DEFAULT_POLICY,
  SENTRY_DEFAULT_SCRUBBING,
  SentryApiError,
  sameScrubbing,
  parseRetryAfter,
  retryDelayMs,
  redact,
};
