import { PROJECT, type StackConfig, stackConfigSchema } from "./schema";
import { ALWAYS_REQUIRED, RETIRED_SECRETS, SECRET_KEYS, type StackSecrets } from "./secrets";

/** Config namespaces besides ours that the stack file may hold (provider settings). */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes"] as const;

/** Provider settings that are credentials: in plain text they would sit in the stack file and state. */
const PROVIDER_CREDENTIALS = ["aws:accessKey", "aws:secretKey", "aws:token", "kubernetes:kubeconfig"];

/** A kubeconfig given as a path is no secret; its content (YAML or JSON) is. */
const isCredential = (key: string, value: string): boolean =>
  key !== "kubernetes:kubeconfig" || /[\n{]|apiVersion|client-key-data|token:/.test(value);

/** Raised when the stack config is invalid; `problems` has one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: StackConfig;
  /** Secret values by key; the Pulumi shell wraps them with pulumi.secret. */
  secrets: StackSecrets;
}

/** Pulumi hands config values over as strings; structured values are JSON. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  let out = `${PROJECT}:${String(head ?? "")}`;
  for (const p of rest) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}

/**
 * Validates the flat Pulumi config map (`project:key` -> string, as `pulumi.runtime.allConfig()`
 * returns it) against the one schema. Throws ConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, string>, secretKeys: ReadonlySet<string>): LoadedConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(raw)) {
    const sep = fullKey.indexOf(":");
    const namespace = sep < 0 ? "" : fullKey.slice(0, sep);
    const key = fullKey.slice(sep + 1);
    if (namespace === PROJECT && Object.hasOwn(RETIRED_SECRETS, key)) {
      problems.push(`${fullKey}: ${RETIRED_SECRETS[key]}`);
    } else if (namespace === PROJECT) {
      input[key] = decode(value);
      if ((SECRET_KEYS as readonly string[]).includes(key) && !secretKeys.has(fullKey)) {
        problems.push(
          `${fullKey}: must be a secret, set it with \`pulumi config set --secret ${key} <value>\``,
        );
      }
    } else if (
      PROVIDER_CREDENTIALS.includes(fullKey) &&
      !secretKeys.has(fullKey) &&
      isCredential(fullKey, value)
    ) {
      problems.push(
        `${fullKey}: a credential in plain text; set it with \`pulumi config set --secret ${fullKey} <value>\` (or use the provider's environment variables)`,
      );
    } else if (!(PROVIDER_NAMESPACES as readonly string[]).includes(namespace)) {
      problems.push(
        `${fullKey}: unknown config namespace "${namespace}" (expected ${[PROJECT, ...PROVIDER_NAMESPACES].map((n) => `${n}:`).join(", ")})`,
      );
    }
  }
  const metrics = input.metrics as Record<string, unknown> | undefined;
  if (metrics !== null && typeof metrics === "object" && "deadMansSwitchUrl" in metrics) {
    // It moved: a capability URL is a secret now. Say so rather than "unknown key".
    problems.push(
      `${PROJECT}:metrics.deadMansSwitchUrl: now a secret; remove it here and set it with \`pulumi config set --secret deadMansSwitchUrl <url>\``,
    );
    const { deadMansSwitchUrl: _moved, ...rest } = metrics;
    input.metrics = rest;
  }
  const grafana = input.grafana as Record<string, unknown> | undefined;
  if (grafana !== null && typeof grafana === "object") {
    // Maintenance mutes Alertmanager as well as Grafana now: one definition under `alerting`.
    const moved = (["maintenanceWindows", "mutedPriorities"] as const).filter((k) => k in grafana);
    for (const k of moved) {
      const to = k === "maintenanceWindows" ? "windows" : k;
      problems.push(
        `${PROJECT}:grafana.${k}: moved to alerting.maintenance.${to} (it now mutes Alertmanager too); move it there`,
      );
    }
    if (moved.length > 0)
      input.grafana = Object.fromEntries(
        Object.entries(grafana).filter(([k]) => !moved.includes(k as never)),
      );
  }
  const result = stackConfigSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) problems.push(`${formatPath([...issue.path, k])}: unknown key`);
      } else {
        problems.push(`${formatPath(issue.path)}: ${issue.message}`);
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const config: Record<string, unknown> = { ...result.data };
  const given: Partial<Record<string, string>> = {};
  for (const key of SECRET_KEYS) {
    given[key] = result.data[key];
    delete config[key];
  }
  const [slackBotToken, smtpPassword, grafanaAdminPassword, sentryAuthToken, deadMansSwitchUrl] =
    ALWAYS_REQUIRED.map((k) => given[k]);
  // The schema requires these (requiredSecrets); checked once more here so that the type says so.
  if (!slackBotToken || !smtpPassword || !grafanaAdminPassword || !sentryAuthToken || !deadMansSwitchUrl)
    throw new ConfigError(
      ALWAYS_REQUIRED.filter((k) => !given[k]).map((k) => `${PROJECT}:${k}: missing secret`),
    );
  const secrets: StackSecrets = {
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    slackBotToken,
    smtpPassword,
    grafanaAdminPassword,
    sentryAuthToken,
    deadMansSwitchUrl,
  };
  return { config: config as StackConfig, secrets };
}
