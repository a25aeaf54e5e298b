import type { StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import { dedupe, entries, isProductionStack, known, prop, productionConfig, stackName } from "./lib";

/** Grafana's OAuth sign-in providers: settings saved for one of them in the UI override grafana.ini. */
const OAUTH_PROVIDERS = ["github", "gitlab", "google", "generic_oauth", "azuread", "okta", "grafana_com"];

/** A `GF_<SECTION>_<KEY>` override beats grafana.ini: a value in `env` counts as the setting. */
const envValue = (values: unknown, name: string): unknown => prop(prop(values, "env"), name);
const isTrue = (v: unknown): boolean =>
  v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");
const isFalse = (v: unknown): boolean =>
  v === false || (typeof v === "string" && v.trim().toLowerCase() === "false");

/** What a production Grafana release's values leave open at the door, one line each. */
export function grafanaAccessProblems(values: unknown): string[] {
  const ini = prop(values, "grafana.ini");
  const problems: string[] = [];
  const form =
    envValue(values, "GF_AUTH_DISABLE_LOGIN_FORM") ?? prop(prop(ini, "auth"), "disable_login_form");
  if (!isTrue(form))
    problems.push(
      "Grafana's login form is on ([auth] disable_login_form is not true): production signs in through single sign-on, admin is break-glass through the API",
    );
  const anonymous =
    envValue(values, "GF_AUTH_ANONYMOUS_ENABLED") ?? prop(prop(ini, "auth.anonymous"), "enabled");
  if (isTrue(anonymous)) problems.push("Grafana lets anonymous users in ([auth.anonymous] enabled)");
  const oauth = prop(ini, "auth.generic_oauth");
  if (!isTrue(prop(oauth, "enabled")))
    problems.push("Grafana has no single sign-on ([auth.generic_oauth] enabled is not true)");
  else if (
    !isTrue(
      envValue(values, "GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_STRICT") ?? prop(oauth, "role_attribute_strict"),
    )
  )
    problems.push(
      "Grafana's role mapping is not strict ([auth.generic_oauth] role_attribute_strict is not true): a user the mapping gives no role gets the default role instead of being refused",
    );
  for (const [section, keys] of entries(ini)) {
    if (!section.startsWith("auth.")) continue;
    if (prop(keys, "client_secret") !== undefined)
      problems.push(
        `grafana.ini [${section}] has client_secret: the client secret reaches Grafana from a Kubernetes Secret through env, never through the ini ConfigMap`,
      );
    if (!isFalse(prop(keys, "allow_assign_grafana_admin") ?? false))
      problems.push(
        `grafana.ini [${section}] allow_assign_grafana_admin is on: the identity provider could make anyone Grafana server admin`,
      );
  }
  const configurable = prop(prop(ini, "sso_settings"), "configurable_providers");
  const listed = typeof configurable === "string" ? configurable.split(/[\s,]+/).filter(Boolean) : undefined;
  if (listed === undefined || listed.length === 0 || listed.some((p) => OAUTH_PROVIDERS.includes(p)))
    problems.push(
      `Grafana's sign-in settings can be changed in its UI and API ([sso_settings] configurable_providers ${listed?.length ? `names ${listed.join(", ")}` : "is unset or empty, so Grafana's default list applies"}), and what is saved there overrides grafana.ini`,
    );
  return problems;
}

export const prodGrafanaAccess: StackValidationPolicy = {
  name: "prod-grafana-access",
  description:
    "In production Grafana signs people in through single sign-on only: the login form is off, anonymous access is off, `[auth.generic_oauth]` is on with `role_attribute_strict` (no role, no entry), no sign-in section holds a `client_secret` or lets the identity provider assign Grafana server admin (`allow_assign_grafana_admin`), and `[sso_settings] configurable_providers` names no OAuth provider, so that the UI cannot override grafana.ini. `env` overrides count as the setting.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
    const report = dedupe(reportViolation);
    for (const r of args.resources) {
      if (r.type !== HELM_RELEASE || known(() => r.props.chart) !== "grafana") continue;
      for (const p of grafanaAccessProblems(known(() => r.props.values))) report(`${r.name}: ${p}`, r.urn);
    }
  },
};

export const grafanaAccessPolicies = [prodGrafanaAccess];
