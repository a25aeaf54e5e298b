// Broken variants of prod's Grafana sign-in: through config alone (production: false lets the stack
// keep the login form and drop single sign-on; the prod policies key on the stack name), and by
// editing the rendered release's values one door at a time, as a hand edit or a later change could.
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { stackValue } from "../../scripts/lib/stack-config";
import { rendered } from "../helpers/render";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

const POLICY = "prod-grafana-access";
const policy = (r: RunResult) => mandatory(r).filter((l) => l.startsWith(`${POLICY}:`));
type Values = Record<string, Record<string, Record<string, unknown>> | unknown>;

/** The prod render with the Grafana release's values changed by `edit`. */
async function withValues(edit: (values: Values) => void): Promise<RunResult> {
  const base = rendered("prod");
  const resources = base.resources.map((r): RecordedResource => {
    if (r.name !== "grafana-release") return r;
    const copy = structuredClone(r);
    edit(copy.inputs.values as Values);
    return copy;
  });
  return runPolicies(ALL_POLICIES, withStackResource({ ...base, resources }), "prod");
}

const ini = (v: Values) => v["grafana.ini"] as Record<string, Record<string, unknown>>;

describe(`${POLICY} on prod's Grafana`, () => {
  it("passes as rendered, and does not apply to dev", async () => {
    expect(policy(await runPolicies(ALL_POLICIES, withStackResource(rendered("prod")), "prod"))).toEqual([]);
    const dev = await runPolicies(ALL_POLICIES, withStackResource(rendered("dev")), "dev");
    expect(policy(dev)).toEqual([]);
    expect(dev.notApplicable.map((n) => n.policy)).toContain(POLICY);
  });

  it.each([
    [
      "the login form back on",
      (v: Values) => {
        ini(v).auth!.disable_login_form = false;
      },
      "Grafana's login form is on",
    ],
    [
      "the login form back on through env, which beats grafana.ini",
      (v: Values) => {
        v.env = { GF_AUTH_DISABLE_LOGIN_FORM: "false" };
      },
      "Grafana's login form is on",
    ],
    [
      "anonymous access",
      (v: Values) => {
        ini(v)["auth.anonymous"]!.enabled = true;
      },
      "Grafana lets anonymous users in",
    ],
    [
      "anonymous access through env",
      (v: Values) => {
        v.env = { GF_AUTH_ANONYMOUS_ENABLED: "true" };
      },
      "Grafana lets anonymous users in",
    ],
    [
      "a lenient role mapping",
      (v: Values) => {
        ini(v)["auth.generic_oauth"]!.role_attribute_strict = false;
      },
      "Grafana's role mapping is not strict",
    ],
    [
      "single sign-on off",
      (v: Values) => {
        delete ini(v)["auth.generic_oauth"];
      },
      "Grafana has no single sign-on",
    ],
    [
      "the client secret in grafana.ini, even as a file reference",
      (v: Values) => {
        ini(v)["auth.generic_oauth"]!.client_secret = "$__file{/etc/secrets/oauth}";
      },
      "grafana.ini [auth.generic_oauth] has client_secret",
    ],
    [
      "server admin from the identity provider",
      (v: Values) => {
        ini(v)["auth.generic_oauth"]!.allow_assign_grafana_admin = true;
      },
      "grafana.ini [auth.generic_oauth] allow_assign_grafana_admin is on",
    ],
    [
      "the SSO settings configurable in the UI",
      (v: Values) => {
        ini(v).sso_settings!.configurable_providers = "generic_oauth ldap";
      },
      "names generic_oauth, ldap",
    ],
    [
      "the SSO settings left at Grafana's default list",
      (v: Values) => {
        delete ini(v).sso_settings;
      },
      "is unset or empty",
    ],
  ])("fails for %s, and only for that", async (_what, edit, message) => {
    const found = policy(await withValues(edit));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${POLICY}: grafana-release: `);
    expect(found[0]).toContain(message);
  });
});

describe(`broken variant: prod rendered with production: false, the login form and no single sign-on`, () => {
  let result: RunResult;
  beforeAll(async () => {
    const grafana = stackValue<Record<string, unknown>>("prod", "grafana");
    const variant = await render("prod", {
      production: false,
      grafana: { ...grafana, auth: { loginForm: true } },
    });
    result = await runPolicies(ALL_POLICIES, withStackResource(variant), "prod");
  });

  it(`fails ${POLICY}: the form is on and there is no single sign-on`, () => {
    expect(policy(result)).toEqual([
      "prod-grafana-access: grafana-release: Grafana's login form is on ([auth] disable_login_form is not true): production signs in through single sign-on, admin is break-glass through the API",
      "prod-grafana-access: grafana-release: Grafana has no single sign-on ([auth.generic_oauth] enabled is not true)",
    ]);
  });
});
