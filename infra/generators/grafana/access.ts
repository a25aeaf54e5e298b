import { createHmac } from "node:crypto";
import type { StackConfig } from "../../config";
import type { GrafanaOidcConfig } from "../../config/grafana-auth";
import { managedLabels } from "../labels";
import { type Ref, ref, secretRef } from "../refs";
import { generated, grafanaDatabaseConfig } from "./database";
import { folders } from "./folders";

/**
 * Who gets into Grafana and what they may do there, as pure data: single sign-on through Grafana's
 * generic OAuth client (`grafana.ini` sections, the client secret only through a Kubernetes
 * Secret), the login form, a Grafana team per configured team with folder permissions as code,
 * and the service account whose token the Pulumi provider uses instead of the admin password.
 */

/** The Kubernetes Secret the client secret reaches Grafana through (env, secretKeyRef). */
export const OAUTH_SECRET = "grafana-oauth";
export const OAUTH_SECRET_KEY = "client-secret";
/** Grafana's env override of `[auth.generic_oauth] client_secret` (GF_<SECTION>_<KEY>). */
export const OAUTH_SECRET_ENV = "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET";
/** Without a database (SQLite), the generated `secret_key` single sign-on needs (see grafanaSecretKeySecret). */
export const SECRET_KEY_SECRET = "grafana-secret-key";
export const SECRET_KEY_SECRET_KEY = "secret-key";
/** Pod annotation that carries a keyed hash of the client secret, so that a new secret rolls the pods. */
export const OAUTH_CHECKSUM_ANNOTATION = "checksum/grafana-oauth";
/** Redirect path Grafana's generic OAuth client listens on: the IdP must allow `<root_url>` + this. */
export const OAUTH_REDIRECT_PATH = "/login/generic_oauth";

/**
 * `[sso_settings] configurable_providers`: providers whose settings Administration > Authentication
 * and `/api/v1/sso-settings` may change. Settings saved there override grafana.ini key by key, so
 * the list names no OAuth provider; Grafana skips an empty value (and keeps its default list,
 * generic_oauth included), so it names LDAP, which Grafana 13 makes configurable in any case.
 */
export const SSO_CONFIGURABLE_PROVIDERS = "ldap";

/** Grafana's organisation roles an identity-provider group can map to, highest first. */
export const ROLE_MAPPING = [
  { key: "admin", role: "Admin" },
  { key: "editor", role: "Editor" },
  { key: "viewer", role: "Viewer" },
] as const;

/**
 * `role_attribute_path`: a JMESPath that yields the highest role whose groups include one of the
 * user's, and `false` (no role) for anyone else. There is deliberately no catch-all: with
 * `role_attribute_strict` a user without a role is refused, while a trailing `|| 'Viewer'` (or
 * `'None'`, a valid role) would let every account of the identity provider in.
 */
export function roleAttributePath(oidc: Pick<GrafanaOidcConfig, "roles" | "groupsClaim">): string {
  return ROLE_MAPPING.flatMap(({ key, role }) =>
    oidc.roles[key].map((g) => `contains(${oidc.groupsClaim}[*], '${g}') && '${role}'`),
  ).join(" || ");
}

type AuthInput = Pick<StackConfig, "grafana">;

/** `[auth.generic_oauth]`; the client secret is not here (the chart refuses it, and it is a secret). */
function genericOauth(oidc: GrafanaOidcConfig, loginForm: boolean): Record<string, unknown> {
  return {
    enabled: true,
    name: oidc.name,
    client_id: oidc.clientId,
    // A string: the chart renders lists as JSON, and Grafana splits this on spaces.
    scopes: oidc.scopes.join(" "),
    auth_url: oidc.authUrl,
    token_url: oidc.tokenUrl,
    api_url: oidc.apiUrl,
    use_pkce: true,
    use_refresh_token: oidc.scopes.includes("offline_access"),
    login_attribute_path: oidc.loginClaim,
    groups_attribute_path: oidc.groupsClaim,
    role_attribute_path: roleAttributePath(oidc),
    // No role, no entry: Grafana's default role would otherwise let every account in as Viewer.
    role_attribute_strict: true,
    // The identity provider is authoritative for the role at every sign-in.
    skip_org_role_sync: false,
    // Grafana server admin stays the break-glass admin's alone.
    allow_assign_grafana_admin: false,
    // Users are created at their first sign-in, with the role the mapping gives them.
    allow_sign_up: true,
    // Without the form, /login goes straight to the identity provider.
    auto_login: !loginForm,
    ...(oidc.allowedDomains.length > 0 ? { allowed_domains: oidc.allowedDomains.join(" ") } : {}),
    ...(oidc.signoutRedirectUrl ? { signout_redirect_url: oidc.signoutRedirectUrl } : {}),
  };
}

/**
 * The `grafana.ini` sections of access. Basic auth stays on: the Pulumi provider mints its token
 * with the admin login, and the API is the break-glass way in when the identity provider is down.
 */
export function grafanaAuthIni(config: AuthInput): Record<string, Record<string, unknown>> {
  const { oidc, loginForm } = config.grafana.auth;
  return {
    auth: { disable_login_form: !loginForm },
    "auth.basic": { enabled: true },
    "auth.anonymous": { enabled: false },
    sso_settings: { configurable_providers: SSO_CONFIGURABLE_PROVIDERS },
    ...(oidc ? { "auth.generic_oauth": genericOauth(oidc, loginForm) } : {}),
  };
}

/**
 * Whether single sign-on needs a generated `secret_key`: Grafana hashes the OAuth state with it and
 * encrypts the identity provider's tokens it stores; with a database one is generated already
 * (database.ts), without one Grafana would use its public default.
 */
export const needsGeneratedSecretKey = (config: AuthInput): boolean =>
  config.grafana.auth.oidc !== undefined && grafanaDatabaseConfig(config) === undefined;

/** The chart's `envValueFrom` entries of access (merged with availability.ts's). */
export function grafanaAuthEnv(config: AuthInput): Record<string, unknown> {
  if (!config.grafana.auth.oidc) return {};
  return {
    [OAUTH_SECRET_ENV]: { secretKeyRef: { name: OAUTH_SECRET, key: OAUTH_SECRET_KEY } },
    ...(needsGeneratedSecretKey(config)
      ? { GF_SECURITY_SECRET_KEY: { secretKeyRef: { name: SECRET_KEY_SECRET, key: SECRET_KEY_SECRET_KEY } } }
      : {}),
  };
}

/**
 * Pod annotations of access: a Secret read through env is not hashed by the chart, so without this
 * a rotated client secret would reach Grafana only at its next restart.
 */
export const grafanaAuthPodAnnotations = (config: AuthInput): Record<string, Ref> =>
  config.grafana.auth.oidc ? { [OAUTH_CHECKSUM_ANNOTATION]: ref("grafanaOauthChecksum") } : {};

/**
 * The annotation's value: an HMAC-SHA256 of the client secret under a key the stack generates
 * (oauthChecksumKey), never the secret. Unkeyed, the hash shown in the release's values would let
 * anyone who reads them test guesses of the secret offline; the key never changes, so the value
 * changes exactly when the secret does.
 */
export const oauthSecretChecksum = (clientSecret: string, key: string): string =>
  createHmac("sha256", key).update(clientSecret).digest("hex");

/** The HMAC key of the checksum annotation (random provider), when single sign-on is on. */
export const oauthChecksumKey = (config: AuthInput) => (config.grafana.auth.oidc ? generated(48) : undefined);

const labels = (config: Pick<StackConfig, "environment">) => ({
  ...managedLabels(),
  environment: config.environment,
});

/** The Secret holding the client secret, when single sign-on is on. */
export const oauthSecret = (config: AuthInput & Pick<StackConfig, "environment">) =>
  config.grafana.auth.oidc
    ? {
        metadata: { name: OAUTH_SECRET, namespace: ref("namespace"), labels: labels(config) },
        type: "Opaque",
        stringData: { [OAUTH_SECRET_KEY]: secretRef("grafanaOidcClientSecret") },
      }
    : undefined;

/**
 * The generated `secret_key` (random provider) and its Secret, when needsGeneratedSecretKey. Both
 * are state on every stack that has them, production or not: Grafana encrypts what it stores with
 * the key, and a new one leaves every stored secret unreadable. So both are protected (a preview
 * that would delete them, such as one that turns single sign-on off, fails) and kept on delete,
 * and the password ignores changes to its arguments (docs/design/grafana.md#single-sign-on).
 */
export const grafanaSecretKey = (config: AuthInput & Pick<StackConfig, "environment">) =>
  needsGeneratedSecretKey(config)
    ? {
        password: generated(48),
        secret: {
          metadata: { name: SECRET_KEY_SECRET, namespace: ref("namespace"), labels: labels(config) },
          type: "Opaque",
          stringData: { [SECRET_KEY_SECRET_KEY]: secretRef("grafanaSecretKey") },
        },
        options: { protect: true, retainOnDelete: true },
      }
    : undefined;

/** A team's Grafana team; members and admins only when the config lists them (else left to the UI). */
export interface TeamSpec {
  team: string;
  args: { name: string; email: string; members?: string[]; admins?: string[] };
}

export function grafanaTeams(config: Pick<StackConfig, "teams">): TeamSpec[] {
  return config.teams.map((t) => ({
    team: t.name,
    args: {
      name: t.name,
      email: t.email,
      ...(t.grafana?.members ? { members: t.grafana.members } : {}),
      ...(t.grafana?.admins ? { admins: t.grafana.admins } : {}),
    },
  }));
}

type Permission = { permission: "View" | "Edit" } & ({ role: "Viewer" | "Editor" } | { teamId: Ref });

/** The whole permission list of one folder (grafana.oss.FolderPermission replaces what is there). */
export interface FolderPermissionSpec {
  folderUid: Ref;
  permissions: Permission[];
}

/**
 * Folder permissions as code. A team edits its own folder (its dashboards and Grafana-managed
 * alert rules) through its team; everyone with a basic role reads every folder, and no folder
 * grants the Editor role Edit: Grafana's own default grants Editor Edit on every new folder, which
 * this list replaces. The Editor role still writes alerting through its fixed:alerting:writer
 * role (alert rules in every folder, contact points, notification policies, silences), which
 * folder permissions do not narrow. Org Admins keep every folder through their role.
 */
export function folderPermissions(config: Pick<StackConfig, "teams">): FolderPermissionSpec[] {
  const read: Permission[] = [
    { role: "Viewer", permission: "View" },
    { role: "Editor", permission: "View" },
  ];
  return folders(config).map((f) => ({
    folderUid: ref(`folder:${f.uid}`),
    permissions: f.team ? [{ teamId: ref(`team:${f.team}`), permission: "Edit" }, ...read] : read,
  }));
}

/** The service account the Pulumi provider works as: org Admin, the least role that manages it all. */
export const PROVIDER_SERVICE_ACCOUNT = { name: "pulumi", role: "Admin", isDisabled: false } as const;

const DAY = 86_400;
/**
 * Its token: it lives 90 days, and a `pulumi up` in its last 30 replaces it (minted by the admin
 * login, the old one deleted), so a stack deployed at least every two months never sees it expire.
 * One left alone longer has an expired token: `pulumi refresh` fails until the next `pulumi up`
 * mints a new one (docs/design/grafana.md#the-providers-token).
 */
export const PROVIDER_TOKEN = {
  namePrefix: "pulumi",
  secondsToLive: 90 * DAY,
  earlyRotationWindowSeconds: 30 * DAY,
  deleteOnDestroy: true,
  serviceAccountId: ref("serviceAccount"),
};

/** What access.json shows: who signs in and how, the teams, their folders' permissions, the token. */
export function grafanaAccess(config: Pick<StackConfig, "grafana" | "teams">) {
  const { oidc, loginForm } = config.grafana.auth;
  return {
    signIn: {
      loginForm,
      basicAuth: true,
      anonymous: false,
      singleSignOn: oidc
        ? {
            redirectPath: OAUTH_REDIRECT_PATH,
            roleAttributePath: roleAttributePath(oidc),
            roleAttributeStrict: true,
            clientSecret: `Kubernetes Secret ${OAUTH_SECRET}, key ${OAUTH_SECRET_KEY}, as ${OAUTH_SECRET_ENV}`,
          }
        : null,
    },
    teams: grafanaTeams(config),
    folderPermissions: folderPermissions(config),
    serviceAccount: PROVIDER_SERVICE_ACCOUNT,
    token: PROVIDER_TOKEN,
  };
}

/** summary.md's lines on access. */
export function grafanaAccessSummary(config: Pick<StackConfig, "grafana" | "teams">): string {
  const { oidc, loginForm } = config.grafana.auth;
  const form = loginForm
    ? "The login form is on."
    : "The login form is off: `admin` is a break-glass account reached through the API with the password only the stack holds (docs/design/grafana.md#break-glass).";
  const sso = oidc
    ? `Single sign-on through ${oidc.authUrl.split("/").slice(0, 3).join("/")} (client \`${oidc.clientId}\`, redirect URI \`<root_url>${OAUTH_REDIRECT_PATH}\`): ${ROLE_MAPPING.map(({ key, role }) => `${role} ← ${oidc.roles[key].map((g) => `\`${g}\``).join(", ") || "no group"}`).join("; ")}; anyone else is refused (\`role_attribute_strict\`).`
    : "No single sign-on (`grafana.auth.oidc` unset).";
  const teams = grafanaTeams(config).map(
    (t) =>
      `\`${t.team}\` (${t.args.members || t.args.admins ? `${(t.args.members ?? []).length} member(s), ${(t.args.admins ?? []).length} admin(s)` : "members managed in Grafana"})`,
  );
  return [
    `Access: ${sso} ${form}`,
    `Teams: ${teams.join(", ")}; each edits its folder \`team-<name>\`, Viewer and Editor read every folder. The Pulumi provider works as the service account \`${PROVIDER_SERVICE_ACCOUNT.name}\` (org Admin) with a token of ${PROVIDER_TOKEN.secondsToLive / DAY} days, renewed by a \`pulumi up\` in its last ${PROVIDER_TOKEN.earlyRotationWindowSeconds / DAY}.`,
  ].join(" ");
}
