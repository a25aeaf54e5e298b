import { posix } from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import {
  asArray,
  asRecord,
  chartName,
  dedupe,
  entries,
  isProductionStack,
  known,
  prop,
  productionConfig,
  stackName,
} from "./lib";

/** Grafana's OAuth sign-in providers: settings saved for one of them in the UI override grafana.ini. */
const OAUTH_PROVIDERS = ["github", "gitlab", "google", "generic_oauth", "azuread", "okta", "grafana_com"];

/** The sign-in sections production may have: basic auth (the API, break-glass), anonymous (off), single sign-on. */
const SIGN_IN_SECTIONS = ["auth.basic", "auth.anonymous", "auth.generic_oauth"];

/** Helm resources a Grafana can be deployed through, besides the Release the program uses. */
const HELM_TYPES = [HELM_RELEASE, "kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart"];

/** The settings this policy evaluates, as [section, key]; each is read from `env` first, as Grafana does. */
const READ = {
  loginFormOff: ["auth", "disable_login_form"],
  emailLookup: ["auth", "oauth_allow_insecure_email_lookup"],
  anonymous: ["auth.anonymous", "enabled"],
  sso: ["auth.generic_oauth", "enabled"],
  strict: ["auth.generic_oauth", "role_attribute_strict"],
  rolePath: ["auth.generic_oauth", "role_attribute_path"],
  skipRoleSync: ["auth.generic_oauth", "skip_org_role_sync"],
  orgMapping: ["auth.generic_oauth", "org_mapping"],
  serverAdmin: ["auth.generic_oauth", "allow_assign_grafana_admin"],
  configurable: ["sso_settings", "configurable_providers"],
  signUp: ["users", "allow_sign_up"],
} as const satisfies Record<string, readonly [string, string]>;
type Setting = (typeof READ)[keyof typeof READ];

/** Grafana's env override of a grafana.ini key: `GF_<SECTION>_<KEY>`, `.` and `-` as `_`. */
const envName = ([section, key]: readonly [string, string]): string =>
  `GF_${section}_${key}`.replace(/[.-]/g, "_").toUpperCase();
const READ_ENV = new Set(Object.values(READ).map(envName));

/**
 * Env names that change who gets in: the GF_ overrides (and their `__FILE` forms) of the sign-in,
 * security and user sections, and the paths Grafana reads its configuration from.
 */
const SIGN_IN_ENV = /^GF_(AUTH|SSO_SETTINGS|SECURITY|USERS)_|^GF_PATHS_(CONFIG|HOME)$/;
/** The two secrets that reach Grafana from Kubernetes Secrets through envValueFrom. */
const SECRET_ENV = ["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", "GF_SECURITY_SECRET_KEY"];
/** Chart keys that put a whole Secret's or ConfigMap's keys (or values rendered into one) in the env. */
const BULK_ENV = ["envFromSecret", "envFromSecrets", "envFromConfigMaps", "envRenderSecret"];
/** Chart keys that add volume mounts to the Grafana container. */
const MOUNTS = ["extraConfigmapMounts", "extraSecretMounts", "extraVolumeMounts", "extraEmptyDirMounts"];

/**
 * A role mapping alternative as access.ts writes it: a group test, then a role. Anything else (a
 * bare `'Viewer'`, `true && 'Admin'`, a pipe, parentheses) may match every account.
 */
const ROLE_ALTERNATIVE =
  /^contains\(\s*[A-Za-z_][A-Za-z0-9_.]*\[\*\]\s*,\s*'[A-Za-z0-9 ._:/@=+-]+'\s*\)\s*&&\s*'(Admin|Editor|Viewer)'$/;
/** Section and key names Grafana reads as written (go-ini may trim or fold other spellings onto them). */
const PLAIN_NAME = /^[a-z0-9_][a-z0-9_.-]*$/;

/**
 * How Grafana reads a boolean (go-ini's parseBool): true, false, or undefined for anything else,
 * including values computed when the pod starts (`{{ }}` for Helm's tpl, `$__file{}` or `${VAR}` for
 * Grafana's expanders), which this policy cannot know.
 */
const TRUE = ["1", "t", "T", "true", "TRUE", "True", "YES", "yes", "Yes", "y", "Y", "ON", "on", "On"];
const FALSE = ["0", "f", "F", "false", "FALSE", "False", "NO", "no", "No", "OFF", "off", "Off"];
function iniBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === "string") return TRUE.includes(v) ? true : FALSE.includes(v) ? false : undefined;
  return undefined;
}
/** Set, and not plainly false: on, or unknowable. */
const notOff = (v: unknown): boolean => v !== undefined && iniBool(v) !== false;

/** Helm's truth (`{{ if }}`): anything but nothing, false, 0, "" and an empty list or map. */
const helmTrue = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === "") &&
  !(typeof v === "object" && Object.keys(v).length === 0);

/** Whether a mount at this path hides the files Grafana reads its configuration from. */
function shadowsConfig(mountPath: string): boolean {
  const p = posix.normalize(mountPath).replace(/(.)\/+$/, "$1");
  const atOrAbove = (dir: string) => p === dir || p === "/" || dir.startsWith(`${p}/`);
  return (
    atOrAbove("/etc/grafana") ||
    ["/etc/grafana/grafana.ini", "/etc/grafana/ldap.toml"].includes(p) ||
    atOrAbove("/usr/share/grafana/conf") ||
    p.startsWith("/usr/share/grafana/conf/")
  );
}

/** What a production Grafana release's values leave open at the door, one line each. */
export function grafanaAccessProblems(values: unknown): string[] {
  const ini = prop(values, "grafana.ini");
  const env = prop(values, "env");
  // A `GF_<SECTION>_<KEY>` override beats grafana.ini: a value in `env` counts as the setting.
  const setting = (s: Setting): unknown => prop(env, envName(s)) ?? prop(prop(ini, s[0]), s[1]);
  const problems: string[] = [];

  if (iniBool(setting(READ.loginFormOff)) !== true)
    problems.push(
      "Grafana's login form is on ([auth] disable_login_form is not true): production signs in through single sign-on, admin is break-glass through the API",
    );
  if (notOff(setting(READ.anonymous)))
    problems.push("Grafana lets anonymous users in ([auth.anonymous] enabled)");
  if (iniBool(setting(READ.sso)) !== true)
    problems.push("Grafana has no single sign-on ([auth.generic_oauth] enabled is not true)");
  else if (iniBool(setting(READ.strict)) !== true)
    problems.push(
      "Grafana's role mapping is not strict ([auth.generic_oauth] role_attribute_strict is not true): a user the mapping gives no role gets the default role instead of being refused",
    );
  const path = setting(READ.rolePath);
  if (
    path !== undefined &&
    (typeof path !== "string" || path.split("||").some((alt) => !ROLE_ALTERNATIVE.test(alt.trim())))
  )
    problems.push(
      "[auth.generic_oauth] role_attribute_path has an alternative other than `contains(<groups>[*], '<group>') && '<Role>'`: a catch-all such as `|| 'Viewer'` or `true && 'Admin'` lets every account of the identity provider in",
    );
  if (notOff(setting(READ.skipRoleSync)))
    problems.push(
      "[auth.generic_oauth] skip_org_role_sync is on: Grafana then skips the role mapping and role_attribute_strict, and lets every account of the identity provider in with the default role",
    );
  const orgMapping = setting(READ.orgMapping);
  if (orgMapping !== undefined && orgMapping !== "")
    problems.push("[auth.generic_oauth] org_mapping grants organisation roles beside role_attribute_path");
  if (notOff(setting(READ.emailLookup)))
    problems.push(
      "[auth] oauth_allow_insecure_email_lookup is on: Grafana links an identity-provider sign-in to an existing user, the break-glass admin included, by e-mail alone",
    );
  if (notOff(setting(READ.signUp)))
    problems.push(
      "[users] allow_sign_up is on: anyone who reaches Grafana can create a local account (/api/user/signup) beside single sign-on",
    );

  for (const [section, keys] of entries(ini)) {
    if (!PLAIN_NAME.test(section))
      problems.push(
        `grafana.ini [${section}] is not a plain lower-case name: Grafana may read it as a section this policy checks under another spelling`,
      );
    for (const key of Object.keys(asRecord(keys)))
      if (!PLAIN_NAME.test(key))
        problems.push(`grafana.ini [${section}] key "${key}" is not a plain lower-case name`);
    if (!section.startsWith("auth.")) continue;
    if (!SIGN_IN_SECTIONS.includes(section) && notOff(prop(keys, "enabled")))
      problems.push(
        `grafana.ini [${section}] is enabled: production signs in through [auth.generic_oauth] only (and basic auth on the API, for break-glass)`,
      );
    if (prop(keys, "client_secret") !== undefined)
      problems.push(
        `grafana.ini [${section}] has client_secret: the client secret reaches Grafana from a Kubernetes Secret through env, never through the ini ConfigMap`,
      );
    const serverAdmin =
      section === "auth.generic_oauth" ? setting(READ.serverAdmin) : prop(keys, "allow_assign_grafana_admin");
    if (notOff(serverAdmin))
      problems.push(
        `grafana.ini [${section}] allow_assign_grafana_admin is on: the identity provider could make anyone Grafana server admin`,
      );
  }
  if (prop(ini, "auth.generic_oauth") === undefined && notOff(setting(READ.serverAdmin)))
    problems.push(
      "grafana.ini [auth.generic_oauth] allow_assign_grafana_admin is on: the identity provider could make anyone Grafana server admin",
    );
  if (helmTrue(prop(prop(values, "ldap"), "enabled")))
    problems.push("the chart's ldap.enabled is on: production signs in through single sign-on, not LDAP");

  const configurable = setting(READ.configurable);
  const listed = typeof configurable === "string" ? configurable.split(/[\s,]+/).filter(Boolean) : undefined;
  if (
    listed === undefined ||
    listed.length === 0 ||
    listed.some((p) => OAUTH_PROVIDERS.includes(p) || !/^[a-z_]+$/.test(p))
  )
    problems.push(
      `Grafana's sign-in settings can be changed in its UI and API ([sso_settings] configurable_providers ${listed?.length ? `names ${listed.join(", ")}` : "is unset or empty, so Grafana's default list applies"}), and what is saved there overrides grafana.ini`,
    );

  // Sources of settings this policy cannot read: env it does not evaluate, env from objects, the
  // files and command line Grafana reads its configuration from.
  for (const name of Object.keys(asRecord(env)))
    if (name.includes("{{"))
      problems.push(
        `env ${name}: the name is computed by Helm's tpl, so this policy cannot tell what it sets`,
      );
    else if (SIGN_IN_ENV.test(name.toUpperCase()) && !READ_ENV.has(name))
      problems.push(`env ${name} overrides a sign-in setting this policy does not evaluate`);
  for (const name of Object.keys(asRecord(prop(values, "envValueFrom"))))
    if (SIGN_IN_ENV.test(name.toUpperCase()) && !SECRET_ENV.includes(name))
      problems.push(`envValueFrom ${name} sets a sign-in setting from an object this policy cannot read`);
  for (const key of BULK_ENV)
    if (helmTrue(prop(values, key)))
      problems.push(`${key} can set any GF_ setting, sign-in included, where this policy cannot read it`);
  for (const key of MOUNTS)
    for (const mount of asArray(prop(values, key))) {
      const at = prop(mount, "mountPath");
      if (typeof at !== "string") continue;
      if (at.includes("{{"))
        problems.push(`${key} mounts at ${at}, a path Helm's tpl computes, which this policy cannot check`);
      else if (shadowsConfig(at))
        problems.push(
          `${key} mounts at ${at}, over the configuration files Grafana reads (grafana.ini, defaults.ini)`,
        );
    }
  for (const key of ["command", "args"])
    if (helmTrue(prop(values, key)))
      problems.push(
        `${key} replaces Grafana's command line, which can point it at another configuration file or override any setting`,
      );
  return problems;
}

export const prodGrafanaAccess: StackValidationPolicy = {
  name: "prod-grafana-access",
  description:
    "In production Grafana signs people in through single sign-on only: the login form is off, anonymous access is off, `[auth.generic_oauth]` is on with `role_attribute_strict` and a `role_attribute_path` of group tests only (no catch-all, no `skip_org_role_sync`, no `org_mapping`), no other sign-in section or the chart's LDAP is on, no sign-in section holds a `client_secret` or lets the identity provider assign Grafana server admin, e-mail account linking and local sign-up are off, and `[sso_settings] configurable_providers` names no OAuth provider, so that the UI cannot override grafana.ini. `env` overrides of those keys count as the setting; sign-in settings from anywhere the policy cannot read (other `GF_AUTH_*`, `GF_SECURITY_*`, `GF_USERS_*`, `GF_SSO_SETTINGS_*` env, `envValueFrom` but the two secrets, `envFrom*`, mounts over Grafana's configuration files, `command`/`args`) are refused. The grafana chart is matched by name, repository or OCI reference; kube-prometheus-stack must not deploy a Grafana of its own.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
    const report = dedupe(reportViolation);
    for (const r of args.resources) {
      if (!HELM_TYPES.includes(r.type)) continue;
      const chart = chartName(known(() => r.props.chart));
      const values = known(() => r.props.values);
      if (chart === "grafana")
        for (const p of grafanaAccessProblems(values)) report(`${r.name}: ${p}`, r.urn);
      // The Grafana subchart is on unless turned off: it would run with the chart's defaults.
      else if (
        chart === "kube-prometheus-stack" &&
        values !== undefined &&
        prop(prop(values, "grafana"), "enabled") !== false
      )
        report(
          `${r.name}: kube-prometheus-stack deploys a Grafana of its own (grafana.enabled is not false), outside the sign-in this policy checks`,
          r.urn,
        );
    }
  },
};

export const grafanaAccessPolicies = [prodGrafanaAccess];
