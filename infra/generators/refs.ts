import type * as random from "@pulumi/random";
import type { SecretKey } from "../config";

/**
 * A value a generator cannot know: a secret, or an output of another resource (an ARN, an id).
 * Generators put a reference where it goes; the component fills it in and changes nothing else,
 * so what the render shows (`{"$ref": "secret:smtpPassword"}`) is exactly what is deployed,
 * around the one value only `pulumi up` has.
 */
export interface Ref {
  readonly $ref: string;
}

export const ref = (name: string): Ref => ({ $ref: name });
/** A config secret (`pulumi config set --secret`), or a secret the program derives. */
export const secretRef = (name: SecretKey | DerivedSecret): Ref => ref(`secret:${name}`);

/** Secrets the program derives from config secrets rather than reading from config. */
export type DerivedSecret =
  | "elasticsearchReaderPassword"
  /** The Elasticsearch exporter's password, generated once (random provider). */
  | "elasticsearchExporterPassword"
  /** A person's Elasticsearch password (logging.users), generated per rotation (random provider). */
  | `loggingUserPassword:${string}`
  /** Elasticsearch's HTTP certificate, its key and its CA, issued by the program (tls provider). */
  | "esHttpCertPem"
  | "esHttpKeyPem"
  | "esHttpCaPem"
  /** `GenieKey <opsgenieApiKey>`: the header New Relic's webhook to Opsgenie sends. */
  | "opsgenieAuthorization"
  /** Grafana's database password and its `secret_key`, generated once (random provider). */
  | "grafanaDatabasePassword"
  | "grafanaSecretKey"
  /** `Bearer <slackBotToken>`: the header New Relic's webhook to Slack's chat.postMessage sends. */
  | "slackAuthorization"
  /** A team's managed PagerDuty Events API v2 integration key (alerting.pagerduty.managed). */
  | `pagerdutyIntegrationKey:${string}`;

export const isRef = (value: unknown): value is Ref =>
  typeof value === "object" && value !== null && typeof (value as Ref).$ref === "string";

/**
 * Options of a generated secret (the random provider's RandomPassword): alphanumeric only, so that
 * no quoting of any consumer (ini, URL, env, shell, JSON) can bite.
 */
export const generated = (length: number) => ({
  length,
  special: false,
  upper: true,
  lower: true,
  numeric: true,
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
});

/** The arguments of random.RandomPassword, every one of which replaces the password when it changes. */
const PASSWORD_ARGS: (keyof random.RandomPasswordArgs)[] = [
  "keepers",
  "length",
  "lower",
  "minLower",
  "minNumeric",
  "minSpecial",
  "minUpper",
  "number",
  "numeric",
  "overrideSpecial",
  "special",
  "upper",
];

/**
 * Resource options of a generated key that must keep its value once it exists: a later change of
 * its arguments here (length, alphabet) is ignored rather than replacing the key.
 */
export const KEPT_KEY = { ignoreChanges: PASSWORD_ARGS };
