// @ts-check
/**
 * The Sentry data-scrubbing dynamic provider: create, diff, update, read and delete a project's
 * server-side scrubbing options through Sentry's REST API (the Sentry provider cannot set them).
 *
 * Pulumi's dynamic-provider host loads this file's text as a module and calls `handler()`: the
 * component registers it as it is (no closure serialisation: what is reviewed is what runs) and
 * `tsc` checks it through its JSDoc types. It uses only the global fetch. `diff` is local, so an
 * unchanged project costs no request.
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

/** What a new Sentry project has; a deleted resource puts these back. @type {ScrubbingSettings} */
const SENTRY_DEFAULT_SCRUBBING = {
  dataScrubber: true,
  dataScrubberDefaults: true,
  scrubIPAddresses: false,
  sensitiveFields: [],
  safeFields: [],
};

class SentryApiError extends Error {
  /**
   * @param {string} method
   * @param {string} path
   * @param {number} status
   * @param {string} body
   */
  constructor(method, path, status, body) {
    super(`Sentry API ${method} ${path} failed with HTTP ${status}: ${body}`);
    this.name = "SentryApiError";
    this.method = method;
    this.path = path;
    this.status = status;
    this.body = body;
  }
}

/** @param {SentryProjectRef} ref */
const projectPath = (ref) =>
  `/api/0/projects/${encodeURIComponent(ref.organization)}/${encodeURIComponent(ref.project)}/`;

/**
 * @param {SentryProjectRef} ref
 * @param {string} token
 * @param {"GET" | "PUT"} method
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
async function call(ref, token, method, body) {
  const path = projectPath(ref);
  const res = await fetch(`${ref.baseUrl.replace(/\/+$/, "")}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new SentryApiError(method, path, res.status, text);
  return text === "" ? {} : JSON.parse(text);
}

/**
 * Picks the scrubbing options out of a project document (the API returns the whole project).
 * @param {unknown} project
 * @returns {ScrubbingSettings}
 */
function scrubbingOf(project) {
  const p = /** @type {Record<string, unknown>} */ (project ?? {});
  /** @param {unknown} v */
  const list = (v) => (Array.isArray(v) ? v.map(String) : []);
  return {
    dataScrubber: p.dataScrubber !== false,
    dataScrubberDefaults: p.dataScrubberDefaults !== false,
    scrubIPAddresses: p.scrubIPAddresses === true,
    sensitiveFields: list(p.sensitiveFields),
    safeFields: list(p.safeFields),
  };
}

/**
 * @param {SentryProjectRef} ref
 * @param {string} token
 */
const getScrubbing = async (ref, token) => scrubbingOf(await call(ref, token, "GET"));

/**
 * PUT only the scrubbing options: the project's other settings stay as they are.
 * @param {SentryProjectRef} ref
 * @param {string} token
 * @param {ScrubbingSettings} settings
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
  return scrubbingOf(await call(ref, token, "PUT", body));
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

const provider = {
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
    for (const key of /** @type {const} */ (["sensitiveFields", "safeFields"])) {
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
   * Reports drift: what Sentry has now, whatever changed it.
   * @param {string} id
   * @param {ScrubbingState} [props]
   */
  async read(id, props) {
    if (!props) throw new Error(`cannot read Sentry scrubbing settings of ${id} without its state`);
    const settings = await getScrubbing(props, props.token);
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

module.exports = {
  /** What Pulumi's dynamic-provider host calls. */
  handler: () => provider,
  provider,
  SENTRY_DEFAULT_SCRUBBING,
  SentryApiError,
  sameScrubbing,
};
