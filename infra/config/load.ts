import { databaseRegionProblems } from "./grafana-database";
import { acmRegionProblem } from "./endpoint";
import { PROJECT, type StackConfig, stackConfigSchema } from "./schema";
import { ALWAYS_REQUIRED, SECRET_KEYS, type StackSecrets } from "./secrets";

/** Config namespaces besides ours that the stack file may hold (provider settings). */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes"] as const;

/** Provider settings that are credentials: in plain text they would sit in the stack file and state. */
const PROVIDER_CREDENTIALS = ["aws:accessKey", "aws:secretKey", "aws:token", "kubernetes:kubeconfig"];

/** A kubeconfig given as a path is no secret; its content (YAML or JSON) is. */
const isCredential = (key: string, value: string): boolean =>
  key !== "kubernetes:kubeconfig" || /[\n{]|apiVersion|client-key-data|token:/.test(value);

const MAINTENANCE_MOVED = "(it now mutes Alertmanager too); move it there";

const STORAGE_CLASS_MOVED =
  "moved to kubernetes.storageClassName, the one class of every volume claim (Prometheus, Alertmanager, Grafana, Elasticsearch, Logstash); move the value there. On a stack already deployed, set it to the class the existing claims use (`kubectl get pvc -A`): Elasticsearch's, Logstash's and Grafana's claims cannot change class";

/**
 * Keys this program used to read and no longer does, by their path under `observability:`, with
 * what replaced them: a stack file that still sets one is told so rather than "unknown key", and
 * the message never repeats the value (some were credentials).
 */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  // An incoming webhook posts only to the channel it was created for: per-team channels need the bot.
  slackWebhookUrl:
    "no longer used: a Slack incoming webhook posts only to its own channel; remove it (`pulumi config rm slackWebhookUrl`) and set the bot token with `pulumi config set --secret slackBotToken xoxb-...`",
  // A capability URL: whoever has it can silence the dead man's switch.
  "metrics.deadMansSwitchUrl":
    "now a secret; remove it here and set it with `pulumi config set --secret deadMansSwitchUrl <url>`",
  // Maintenance mutes Alertmanager as well as Grafana now: one definition under `alerting`.
  "grafana.maintenanceWindows": `moved to alerting.maintenance.windows ${MAINTENANCE_MOVED}`,
  "grafana.mutedPriorities": `moved to alerting.maintenance.mutedPriorities ${MAINTENANCE_MOVED}`,
  // Each concern named its own class (or none): claims on one cluster diverged, and EKS 1.30+ has no default.
  "metrics.prometheus.storageClassName": STORAGE_CLASS_MOVED,
  "logging.elasticsearch.storageClassName": STORAGE_CLASS_MOVED,
  // A cluster fact every IAM role for a service account trusts, not the logging stack's alone.
  "logging.oidcProvider":
    "moved to kubernetes.oidcProvider (the cluster's IAM OIDC provider, which the Thanos roles trust too); move the same arn and issuer there",
};

/** Takes every retired key out of the decoded input, with one problem each. */
function removeRetired(input: Record<string, unknown>, problems: string[]): void {
  for (const [path, message] of Object.entries(RETIRED_KEYS)) {
    const parts = path.split(".");
    const last = parts.pop()!;
    let node: unknown = input;
    for (const p of parts)
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[p] : undefined;
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, last)) continue;
    delete (node as Record<string, unknown>)[last];
    problems.push(`${PROJECT}:${path}: ${message}`);
  }
}

/**
 * Checks between our keys and the AWS provider's `aws:region`, which the schema does not see. A
 * stack that takes its region from the environment instead is checked at `pulumi up`.
 */
function regionProblems(input: Record<string, unknown>, region: string | undefined): string[] {
  return Object.entries(acmArns(input)).flatMap(([key, arn]) => {
    const problem = acmRegionProblem(typeof arn === "string" ? arn : undefined, region);
    return problem ? [`${PROJECT}:${key}: ${problem}`] : [];
  });
}

/** The ACM certificates of the stack's endpoints (an ALB serves each), by their key. */
function acmArns(input: Record<string, unknown>): Record<string, unknown> {
  const at = (v: unknown, key: string): unknown =>
    v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return {
    "grafana.tls.certificateArn": at(at(input.grafana, "tls"), "certificateArn"),
    "logging.kibana.endpoint.tls.certificateArn": at(
      at(at(at(input.logging, "kibana"), "endpoint"), "tls"),
      "certificateArn",
    ),
  };
}

/** An AWS account id: twelve digits, leading zeros included. */
const ACCOUNT_ID = /^\d{12}$/;

/** The account an ARN names (`arn:partition:service:region:account:...`), when it names one. */
export const arnAccount = (arn: string): string | undefined => {
  const account = arn.split(":")[4];
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
};

/**
 * The stack's deploy account, where the config states it: the AWS provider's own
 * `aws:allowedAccountIds` (the provider refuses credentials of any other account at `pulumi up`).
 * ARNs of things the program's roles and load balancers use in that account must name it: an IRSA
 * role trusts an OIDC provider of its own account only, and an ALB takes ACM certificates of its
 * own account only. A stack that states no account is not checked here.
 */
function accountProblems(input: Record<string, unknown>, allowed: string | undefined): string[] {
  if (allowed === undefined) return [];
  let ids: unknown;
  try {
    ids = JSON.parse(allowed);
  } catch {
    ids = allowed;
  }
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    !ids.every((id) => typeof id === "string" && ACCOUNT_ID.test(id))
  )
    return [
      `aws:allowedAccountIds: expected a list of 12-digit AWS account ids as quoted strings, e.g. ["111111111111"] (a number loses an id's leading zeros)`,
    ];
  const at = (v: unknown, key: string): unknown =>
    v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  const problems: string[] = [];
  const check = (key: string, arn: unknown, why: string) => {
    const account = typeof arn === "string" ? arnAccount(arn) : undefined;
    if (account !== undefined && !ids.includes(account))
      problems.push(
        `${PROJECT}:${key}: names account ${account}, but the stack deploys to ${ids.join(", ")} (aws:allowedAccountIds): ${why}`,
      );
  };
  check(
    "kubernetes.oidcProvider.arn",
    at(at(input.kubernetes, "oidcProvider"), "arn"),
    "an IAM role's trust policy can name only an OIDC provider of the role's own account (register the cluster's issuer there with `eksctl utils associate-iam-oidc-provider`)",
  );
  for (const [key, arn] of Object.entries(acmArns(input)))
    check(key, arn, "an ALB uses ACM certificates of its own account only");
  return problems;
}

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
    if (namespace === PROJECT) {
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
  removeRetired(input, problems);
  problems.push(...regionProblems(input, raw["aws:region"]));
  problems.push(...accountProblems(input, raw["aws:allowedAccountIds"]));
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
  // The AWS provider's region is not ours to parse, but the database's subnets must be in it.
  if (result.success)
    for (const p of databaseRegionProblems(result.data.grafana.database, raw["aws:region"]))
      problems.push(`${PROJECT}:grafana.database.subnets: ${p}`);
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
