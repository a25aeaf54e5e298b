// @ts-check
/**
 * The Grafana endpoint check, a dynamic provider: before the Grafana provider configures anything,
 * it waits until Grafana's URL resolves from where `pulumi up` runs, presents a certificate the
 * provider will trust, and answers /api/health, and otherwise fails with what to check.
 *
 * The Grafana provider gives up on a name that does not resolve or a certificate it does not trust
 * within its retries, at every data source, folder, dashboard, contact point and policy alike, and
 * its error names neither the record nor the certificate behind it. This check waits out what
 * takes minutes on a fresh cluster (a load balancer, a DNS record, an ACME order), and when its
 * budget runs out it says which stage failed (dns, connect, tls, http), what the server presented,
 * and the stack's own hint for that stage.
 *
 * Pulumi's dynamic-provider host loads this file's text as a module and calls `handler()`; `tsc`
 * checks it through JSDoc. Node built-ins only. It sends one unauthenticated GET per attempt and
 * changes nothing anywhere; `read` and `delete` touch nothing.
 */
"use strict";

const dns = require("node:dns");
const http = require("node:http");
const https = require("node:https");
const tls = require("node:tls");

/**
 * What the component hands over (Outputs resolved) and the state keeps.
 * @typedef {object} CheckInputs
 * @property {string} url Grafana's root URL, https://<hostname> or the in-cluster http:// Service
 * @property {string} healthPath
 * @property {number} budgetSeconds how long the endpoint may take to come right
 * @property {boolean} dnsFailureIsFinal a name that cannot start resolving later: fail at once
 * @property {{ dns: string, connect: string, tls: string, http: string }} hints what to check per stage
 * @property {string} [caCert] PEM of a private CA to trust instead of the system's
 */

/** @typedef {"dns" | "connect" | "tls" | "http"} Stage */
/** @typedef {{ ok: true } | { ok: false, stage: Stage, detail: string }} Probe */
/** @typedef {(host: string, options: { all: true }, callback: (err: NodeJS.ErrnoException | null, addresses: { address: string, family: number }[]) => void) => void} LookupAll */

/**
 * Injectable so that tests resolve names to loopback and need not wait.
 * @typedef {object} ProviderOptions
 * @property {LookupAll} [lookup]
 * @property {(ms: number) => Promise<void>} [sleep]
 * @property {() => number} [now] epoch milliseconds
 * @property {number} [intervalMs] between attempts
 * @property {number} [attemptTimeoutMs] one attempt, connection to last byte
 */

const DEFAULTS = Object.freeze({ intervalMs: 10_000, attemptTimeoutMs: 15_000 });
/** Longest piece of a response body quoted in an error. */
const BODY_QUOTE_CHARS = 200;
/** What ingress-nginx serves for a host without a valid TLS Secret. */
const FAKE_CERTIFICATE = "Kubernetes Ingress Controller Fake Certificate";
/** Node's codes for a certificate that verification refused. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|HOSTNAME|ALTNAME/;

/** @param {number} ms */
const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {number} ms */
const secs = (ms) => `${Math.round(ms / 1000)} s`;

/** @type {LookupAll} */
const systemLookup = (host, options, callback) => dns.lookup(host, options, callback);

/**
 * The single-address form `net` and `tls` call, on top of an all-addresses lookup.
 * @param {LookupAll} lookupAll
 * @returns {import("node:net").LookupFunction}
 */
const singleLookup = (lookupAll) => (host, options, callback) =>
  lookupAll(host, { all: true }, (err, addresses) => {
    const cb = /** @type {(err: Error | null, address: unknown, family?: number) => void} */ (callback);
    const first = addresses?.[0];
    if (err || !first)
      cb(err ?? Object.assign(new Error(`no address for ${host}`), { code: "ENOTFOUND" }), "");
    else if (/** @type {{ all?: boolean }} */ (options).all) cb(null, addresses);
    else cb(null, first.address, first.family);
  });

/**
 * A short description of a peer certificate: who it is for, who issued it, until when.
 * @param {import("node:tls").PeerCertificate} cert
 */
function describeCertificate(cert) {
  const cn = (/** @type {Record<string, unknown> | undefined} */ x) =>
    x && typeof x.CN === "string" ? `CN=${x.CN}` : "no CN";
  const names = cert.subjectaltname ? cert.subjectaltname.replaceAll("DNS:", "") : "none";
  const text = `presented ${cn(cert.subject)} for names ${names}, issued by ${cn(cert.issuer)}, valid until ${cert.valid_to}`;
  return `${cert.subject?.CN ?? ""} ${cert.issuer?.CN ?? ""}`.includes(FAKE_CERTIFICATE)
    ? `${text}: ingress-nginx's default certificate, which it serves when it has no valid TLS Secret for the host`
    : text;
}

/**
 * What the server presents, read without verifying and without sending a request.
 * @param {{ host: string, port: number, lookup: import("node:net").LookupFunction, timeoutMs: number }} t
 * @returns {Promise<string>}
 */
function peerCertificate(t) {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: t.host,
      port: t.port,
      servername: t.host,
      lookup: t.lookup,
      rejectUnauthorized: false,
    });
    const done = (/** @type {string} */ text) => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(t.timeoutMs, () => done("no certificate read in time"));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      done(cert && Object.keys(cert).length > 0 ? describeCertificate(cert) : "no certificate presented");
    });
    socket.once("error", (err) => done(`no certificate read (${err.message})`));
  });
}

/**
 * One attempt: resolve the name, then GET the health endpoint with the CA the provider will use.
 * @param {CheckInputs} inputs
 * @param {{ lookup: LookupAll, attemptTimeoutMs: number }} o
 * @returns {Promise<Probe>}
 */
async function probe(inputs, o) {
  const url = new URL(inputs.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  /** @type {{ address: string }[]} */
  let addresses;
  try {
    addresses = await new Promise((resolve, reject) =>
      o.lookup(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
    );
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err);
    return { ok: false, stage: "dns", detail: `${host} does not resolve here (${e.code ?? e.message})` };
  }
  const lookup = singleLookup(o.lookup);
  const where = `${host} (${addresses.map((a) => a.address).join(", ")}) port ${port}`;
  return new Promise((resolve) => {
    /** @type {import("node:https").RequestOptions} */
    const options = {
      host,
      port,
      path: inputs.healthPath,
      method: "GET",
      headers: { accept: "application/json" },
      lookup,
      agent: false,
      timeout: o.attemptTimeoutMs,
      ...(secure ? { servername: host, ...(inputs.caCert ? { ca: inputs.caCert } : {}) } : {}),
    };
    const req = (secure ? https : http).request(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        if (body.length < 65_536) body += chunk;
      });
      res.on("error", (err) => resolve({ ok: false, stage: "connect", detail: `${where}: ${err.message}` }));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        /** @type {unknown} */
        let doc;
        try {
          doc = JSON.parse(body);
        } catch {
          doc = undefined;
        }
        if (status === 200 && /** @type {{ database?: unknown } | undefined} */ (doc)?.database === "ok")
          return resolve({ ok: true });
        const quoted = body.trim().slice(0, BODY_QUOTE_CHARS) || "(empty body)";
        const location = res.headers.location ? ` redirecting to ${res.headers.location}` : "";
        resolve({
          ok: false,
          stage: "http",
          detail: `${url.origin}${inputs.healthPath} answered HTTP ${status}${location}: ${quoted}`,
        });
      });
    });
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error("no answer in time"), { code: "ETIMEDOUT" })),
    );
    req.on("error", async (err) => {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code ?? "";
      if (secure && TLS_CODES.test(code)) {
        const seen = await peerCertificate({ host, port, lookup, timeoutMs: o.attemptTimeoutMs });
        resolve({
          ok: false,
          stage: "tls",
          detail: `${where}: the certificate was refused (${code}: ${err.message}${inputs.caCert ? "; trusting only grafana.tls's private CA" : "; trusting the system's CAs"}); ${seen}`,
        });
      } else
        resolve({
          ok: false,
          stage: "connect",
          detail: `${where}: ${code ? `${code}: ` : ""}${err.message}`,
        });
    });
    req.end();
  });
}

/** @param {CheckInputs} inputs */
function problems(inputs) {
  /** @type {{ property: string, reason: string }[]} */
  const failures = [];
  let url;
  try {
    url = new URL(inputs.url);
  } catch {
    failures.push({ property: "url", reason: "expected an absolute URL" });
  }
  if (url && url.protocol !== "https:" && url.protocol !== "http:")
    failures.push({ property: "url", reason: "expected http:// or https://" });
  if (typeof inputs.healthPath !== "string" || !inputs.healthPath.startsWith("/"))
    failures.push({ property: "healthPath", reason: "expected a path such as /api/health" });
  if (!(typeof inputs.budgetSeconds === "number" && inputs.budgetSeconds > 0))
    failures.push({ property: "budgetSeconds", reason: "expected a positive number of seconds" });
  for (const stage of /** @type {Stage[]} */ (["dns", "connect", "tls", "http"]))
    if (typeof inputs.hints?.[stage] !== "string")
      failures.push({ property: `hints.${stage}`, reason: "expected a hint" });
  return failures;
}

/** The inputs a change of which means checking again. */
const WATCHED = /** @type {const} */ ([
  "url",
  "healthPath",
  "budgetSeconds",
  "dnsFailureIsFinal",
  "hints",
  "caCert",
]);

/**
 * Builds a provider; `handler()` uses the defaults.
 * @param {ProviderOptions} [options]
 */
function createProvider(options = {}) {
  const lookup = options.lookup ?? systemLookup;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs;

  /**
   * Probes until Grafana answers, the budget is spent, or a name can never resolve.
   * @param {CheckInputs} inputs
   */
  async function waitForGrafana(inputs) {
    const started = now();
    const deadline = started + inputs.budgetSeconds * 1000;
    let attempts = 0;
    while (true) {
      attempts += 1;
      const result = await probe(inputs, { lookup, attemptTimeoutMs });
      if (result.ok) return { attempts };
      const final = result.stage === "dns" && inputs.dnsFailureIsFinal;
      if (final || now() + intervalMs > deadline)
        throw new Error(
          [
            `Grafana is not reachable at ${inputs.url} from where \`pulumi up\` runs (${attempts} attempt(s) in ${secs(now() - started)}${final ? "" : `, budget ${secs(inputs.budgetSeconds * 1000)}`}).`,
            `Failed at ${result.stage}: ${result.detail}.`,
            `Check: ${inputs.hints[result.stage]}.`,
            "Nothing was changed in Grafana: the Grafana provider would fail at every resource the same way.",
          ].join("\n"),
        );
      await sleep(intervalMs);
    }
  }

  return {
    /**
     * @param {CheckInputs} _olds
     * @param {CheckInputs} news
     */
    async check(_olds, news) {
      return { inputs: news, failures: problems(news) };
    },

    /**
     * @param {string} _id
     * @param {CheckInputs} olds
     * @param {CheckInputs} news
     */
    async diff(_id, olds, news) {
      const changed = WATCHED.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
      return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    /** @param {CheckInputs} inputs */
    async create(inputs) {
      await waitForGrafana(inputs);
      return { id: new URL(inputs.url).host, outs: inputs };
    },

    /**
     * @param {string} _id
     * @param {CheckInputs} _olds
     * @param {CheckInputs} news
     */
    async update(_id, _olds, news) {
      await waitForGrafana(news);
      return { outs: news };
    },

    /**
     * A check has nothing to read back: the state is what was checked.
     * @param {string} id
     * @param {CheckInputs} props
     */
    async read(id, props) {
      return { id, props };
    },

    async delete() {},
  };
}

const provider = createProvider();

module.exports = {
  /** What Pulumi's dynamic-provider host calls. */
  handler: () => provider,
  provider,
  createProvider,
  probe,
  describeCertificate,
  DEFAULTS,
  FAKE_CERTIFICATE,
};
