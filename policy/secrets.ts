import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { entries, known, prop } from "./lib";

/**
 * Secrets stay out of plaintext. The analyzer hands policies secret values already unwrapped, so a
 * policy cannot ask "is this a Pulumi secret?"; it checks instead where credentials appear. Helm
 * values, ConfigMaps, custom resources and workload specs must reference credentials (a Secret,
 * a `*_file` path, `$__file{}`/`$__env{}`) rather than hold them; URLs anywhere must not embed
 * user:password; Kubernetes Secrets must not hold a chart's well-known default password.
 */

/** Field names that hold a credential. */
const SECRET_FIELD =
  /(password|passwd|secret|token|api[_-]?key|routing[_-]?key|service[_-]?key|integration[_-]?key|private[_-]?key|webhook[_-]?url|^api_url|^slack_api_url)$/i;
/** Field names that name or locate a credential instead of holding it. */
const REFERENCE_FIELD = /^existing|(_file|File|_path|Path|Ref|Name|_name)$/;
/** Values that point at a credential held elsewhere. */
const REFERENCE_VALUE =
  /^(\$__(file|env)\{[^}]+\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$\([A-Za-z_][A-Za-z0-9_]*\))$/;
/** Values that are credentials whatever field holds them: Slack incoming-webhook URLs, PEM private keys. */
const CREDENTIAL_VALUES: [RegExp, string][] = [
  [/^https:\/\/hooks\.slack\.com\/(services|workflows)\/\S+/, "Slack webhook URL"],
  [/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/, "private key"],
];
/**
 * Values of a credential-named field that are public endpoints, not credentials: a Slack Web API
 * method (`api_url` of a Slack receiver using a bot token, which goes in a header from a file).
 */
const PUBLIC_ENDPOINT = /^https:\/\/slack\.com\/api\/[A-Za-z]+\.[A-Za-z.]+$/;
/** A grafana.ini section of a sign-in provider (`auth.generic_oauth`, `auth.okta`, ...). */
const GRAFANA_AUTH_SECTION = /^auth\.[a-z_]+$/;
/** A URL carrying user:password. */
const USERINFO_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
/** Defaults that ship with the charts this platform uses; a Secret holding one is as good as public. */
export const DEFAULT_PASSWORDS = ["prom-operator", "admin", "changeme", "password", "elastic"];

export const isSecretField = (key: string): boolean => SECRET_FIELD.test(key) && !REFERENCE_FIELD.test(key);

/** Parses text that is itself a configuration document (YAML or JSON), else undefined. */
function embeddedDocument(text: string): unknown {
  if (!text.includes("\n") && !text.trimStart().startsWith("{")) return undefined;
  try {
    // JSON is YAML too, but YAML reads "{{{...}}}" (ingest templates) as flow-mapping keys and warns.
    const doc = text.trimStart().startsWith("{") ? JSON.parse(text) : parseYaml(text, { logLevel: "error" });
    return doc !== null && typeof doc === "object" ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Every place under `value` where a credential is written in plaintext, as `path: why`. */
export function plaintextCredentials(value: unknown, path: string): string[] {
  const found: string[] = [];
  const visit = (v: unknown, at: string, key: string): void => {
    if (typeof v === "string") {
      if (USERINFO_URL.test(v)) found.push(`${at}: URL with an embedded password`);
      else if (key && isSecretField(key) && v !== "" && !REFERENCE_VALUE.test(v) && !PUBLIC_ENDPOINT.test(v))
        found.push(`${at}: credential in plaintext`);
      else if (CREDENTIAL_VALUES.some(([re]) => re.test(v)))
        found.push(`${at}: ${CREDENTIAL_VALUES.find(([re]) => re.test(v))?.[1]} in plaintext`);
      else {
        const doc = embeddedDocument(v);
        if (doc !== undefined) visit(doc, at, "");
        else if (v.includes("\n"))
          for (const line of v.split("\n")) {
            // ini files (grafana.ini) `key = value`, Logstash pipelines `key => value`
            const m = /^\s*([A-Za-z0-9_.-]+)\s*(?:=>|=)\s*(\S.*?)\s*$/.exec(line);
            const text = m?.[2]?.replace(/^(['"])(.*)\1$/, "$2");
            if (m?.[1] && text && isSecretField(m[1]) && !REFERENCE_VALUE.test(text))
              found.push(`${at} (${m[1]}): credential in plaintext`);
          }
      }
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        visit(x, `${at}[${i}]`, key);
      });
      return;
    }
    if (v === null || typeof v !== "object") return;
    // Environment variables: { name: "X_PASSWORD", value: "..." } is a credential in plaintext.
    const envName = prop(v, "name");
    const envValue = prop(v, "value");
    if (typeof envName === "string" && typeof envValue === "string" && Object.keys(v).length <= 3) {
      if (isSecretField(envName) && envValue !== "" && !REFERENCE_VALUE.test(envValue))
        found.push(`${at} (${envName}): credential in plaintext`);
    }
    for (const [k, x] of entries(v)) {
      if (k === "value" && typeof envName === "string") continue;
      // A Grafana sign-in section's api_url is the identity provider's public userinfo endpoint.
      if (k === "api_url" && GRAFANA_AUTH_SECTION.test(key) && typeof x === "string" && !USERINFO_URL.test(x))
        continue;
      visit(x, `${at}.${k}`, k);
    }
  };
  visit(value, path, "");
  return found;
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "No credential in plaintext: Helm values, ConfigMaps, custom resources and workloads reference Kubernetes Secrets or *_file paths; no URL embeds a password; provider config keeps credentials in its secret fields; no Secret holds a chart's default password.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Pass the credential from the `secrets` map in infra/program.ts into a Kubernetes Secret and reference it (existingSecret, *_file, secretKeyRef).",
  validateResource: (args, reportViolation) => {
    const at = `${args.name}`;
    if (args.type === "kubernetes:core/v1:Secret") {
      for (const field of ["stringData", "data"]) {
        for (const [k, v] of entries(known(() => args.props[field]))) {
          const text =
            field === "data" && typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : v;
          if (typeof text === "string" && /pass|secret|token/i.test(k) && DEFAULT_PASSWORDS.includes(text))
            reportViolation(`Secret ${at}: ${field}.${k} holds a well-known default password`);
        }
      }
      return;
    }
    if (args.type.startsWith("pulumi:providers:")) {
      // Credential fields of providers are secrets by schema; only other fields can leak one.
      for (const [k, v] of entries(args.props)) {
        if (isSecretField(k) || k === "auth" || k === "kubeconfig") continue;
        for (const p of plaintextCredentials(v, `${at}.${k}`)) reportViolation(`provider config ${p}`);
      }
      return;
    }
    if (!args.type.startsWith("kubernetes:")) return;
    const scope =
      args.type === "kubernetes:helm.sh/v3:Release" || args.type.startsWith("kubernetes:helm.sh/v4:")
        ? ["values"]
        : args.type === "kubernetes:core/v1:ConfigMap"
          ? ["data"]
          : ["spec"];
    for (const field of scope) {
      const value = known(() => args.props[field]);
      for (const p of plaintextCredentials(value, `${at}.${field}`)) reportViolation(p);
    }
  },
};

export const secretPolicies = [noPlaintextSecrets];
