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

/** The prod render with one Helm release's inputs changed by `edit`. */
async function withRelease(
  name: string,
  edit: (inputs: Record<string, unknown>) => void,
): Promise<RunResult> {
  const base = rendered("prod");
  const resources = base.resources.map((r): RecordedResource => {
    if (r.name !== name) return r;
    const copy = structuredClone(r);
    edit(copy.inputs);
    return copy;
  });
  return runPolicies(ALL_POLICIES, withStackResource({ ...base, resources }), "prod");
}

/** The prod render with the Grafana release's values changed by `edit`. */
const withValues = (edit: (values: Values) => void): Promise<RunResult> =>
  withRelease("grafana-release", (inputs) => edit(inputs.values as Values));

const ini = (v: Values) => v["grafana.ini"] as Record<string, Record<string, unknown>>;
const oauth = (v: Values) => ini(v)["auth.generic_oauth"]!;
const env = (v: Values, vars: Record<string, unknown>) => {
  v.env = { ...(v.env as object), ...vars };
};
const fromConfigMap = (key: string) => ({ configMapKeyRef: { name: "grafana-extra", key } });
const envFrom = (v: Values, name: string) => {
  (v.envValueFrom as Record<string, unknown>)[name] = fromConfigMap(name.toLowerCase());
};
const mount = (key: string, mountPath: string) => (v: Values) => {
  v[key] = [{ name: "extra", mountPath, configMap: "grafana-extra", secretName: "grafana-extra" }];
};

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
    // Deploy review of issue 25 §1: the doors the checks above did not cover.
    // Another sign-in method, in grafana.ini or through the chart.
    ...(
      [
        ["auth.proxy", true],
        ["auth.jwt", "on"],
        ["auth.github", "true"],
        ["auth.ldap", 1],
        ["auth.extended_jwt", "{{ .Values.jwt }}"],
      ] as const
    ).map(([section, value]): [string, (v: Values) => void, string] => [
      `[${section}] enabled = ${value}`,
      (v) => {
        ini(v)[section] = { enabled: value };
      },
      `grafana.ini [${section}] is enabled`,
    ]),
    [
      "the chart's LDAP",
      (v: Values) => {
        v.ldap = { enabled: true, existingSecret: "grafana-ldap" };
      },
      "the chart's ldap.enabled is on",
    ],
    // A role mapping with a catch-all, in grafana.ini or through env.
    ...[
      " || 'Viewer'",
      " || 'None'",
      " || true && 'Admin'",
      " || groups && 'Viewer'",
      " || contains(groups[*], 'x') && 'Admin' | 'Viewer'",
      ' || `"Viewer"`',
    ].map((tail): [string, (v: Values) => void, string] => [
      `a role mapping ending ${tail.trim()}`,
      (v) => {
        oauth(v).role_attribute_path = `${oauth(v).role_attribute_path}${tail}`;
      },
      "role_attribute_path has an alternative other than",
    ]),
    [
      "a role mapping in parentheses around every test",
      (v: Values) => {
        oauth(v).role_attribute_path = "(contains(groups[*], 'engineering') || `true`) && 'Viewer'";
      },
      "role_attribute_path has an alternative other than",
    ],
    [
      "a catch-all role mapping through env",
      (v: Values) => env(v, { GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: "'Viewer'" }),
      "role_attribute_path has an alternative other than",
    ],
    [
      "the role mapping skipped (skip_org_role_sync, which also skips role_attribute_strict)",
      (v: Values) => {
        oauth(v).skip_org_role_sync = true;
      },
      "skip_org_role_sync is on",
    ],
    [
      "organisation roles from org_mapping",
      (v: Values) => {
        oauth(v).org_mapping = "*:1:Admin";
      },
      "org_mapping grants organisation roles",
    ],
    [
      "e-mail account linking",
      (v: Values) => {
        ini(v).auth!.oauth_allow_insecure_email_lookup = true;
      },
      "oauth_allow_insecure_email_lookup is on",
    ],
    [
      "e-mail account linking through env",
      (v: Values) => env(v, { GF_AUTH_OAUTH_ALLOW_INSECURE_EMAIL_LOOKUP: "yes" }),
      "oauth_allow_insecure_email_lookup is on",
    ],
    [
      "local sign-up",
      (v: Values) => {
        ini(v).users!.allow_sign_up = "True";
      },
      "[users] allow_sign_up is on",
    ],
    // Values Grafana reads as on, or cannot be known before the pod starts.
    [
      "anonymous access spelled as go-ini reads it",
      (v: Values) => {
        ini(v)["auth.anonymous"]!.enabled = "on";
      },
      "Grafana lets anonymous users in",
    ],
    [
      "anonymous access read from a file when Grafana starts",
      (v: Values) => {
        ini(v)["auth.anonymous"]!.enabled = "$__file{/var/lib/grafana/anonymous}";
      },
      "Grafana lets anonymous users in",
    ],
    [
      "anonymous access through an env value Helm's tpl computes",
      (v: Values) => env(v, { GF_AUTH_ANONYMOUS_ENABLED: '{{ print "true" }}' }),
      "Grafana lets anonymous users in",
    ],
    [
      "the login form's setting from an env variable",
      (v: Values) => {
        ini(v).auth!.disable_login_form = "$__env{DISABLE_LOGIN_FORM}";
      },
      "Grafana's login form is on",
    ],
    [
      "the SSO settings made configurable through env",
      (v: Values) => env(v, { GF_SSO_SETTINGS_CONFIGURABLE_PROVIDERS: "ldap generic_oauth" }),
      "names ldap, generic_oauth",
    ],
    [
      "the SSO settings' list computed by Helm's tpl",
      (v: Values) => {
        ini(v).sso_settings!.configurable_providers = "{{ .Values.providers }}";
      },
      "configurable_providers names",
    ],
    [
      "a sign-in section under another spelling",
      (v: Values) => {
        ini(v)["Auth.Anonymous"] = { enabled: true };
      },
      "grafana.ini [Auth.Anonymous] is not a plain lower-case name",
    ],
    // Settings from sources the policy cannot read.
    ...[
      "GF_AUTH_ANONYMOUS_ENABLED",
      "GF_AUTH_PROXY_ENABLED",
      "GF_SSO_SETTINGS_CONFIGURABLE_PROVIDERS",
      "GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION",
      "GF_USERS_ALLOW_SIGN_UP",
      "GF_PATHS_CONFIG",
    ].map((name): [string, (v: Values) => void, string] => [
      `envValueFrom ${name}`,
      (v) => envFrom(v, name),
      `envValueFrom ${name} sets a sign-in setting`,
    ]),
    ...[
      ["GF_AUTH_PROXY_ENABLED", "true"],
      ["GF_AUTH_JWT_ENABLED", "true"],
      ["GF_AUTH_ANONYMOUS_ENABLED__FILE", "/var/lib/grafana/anonymous"],
      ["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", "in-clear"],
      ["GF_SECURITY_SECRET_KEY", "in-clear"],
      ["GF_USERS_AUTO_ASSIGN_ORG_ROLE", "Admin"],
      ["GF_PATHS_CONFIG", "/var/lib/grafana/grafana.ini"],
      ["gf_auth_anonymous_enabled", "true"],
    ].map(([name, value]): [string, (v: Values) => void, string] => [
      `env ${name}`,
      (v) => env(v, { [name!]: value }),
      `env ${name} overrides a sign-in setting this policy does not evaluate`,
    ]),
    [
      "an env name Helm's tpl computes",
      (v: Values) => env(v, { 'GF_AUTH_{{ "ANONYMOUS" }}_ENABLED': "true" }),
      "the name is computed by Helm's tpl",
    ],
    ...(
      [
        ["envFromSecret", "grafana-extra"],
        ["envFromSecrets", [{ name: "grafana-extra" }]],
        ["envFromConfigMaps", [{ name: "grafana-extra", prefix: "GF_" }]],
        ["envRenderSecret", { GF_AUTH_PROXY_ENABLED: "true" }],
      ] as const
    ).map(([key, value]): [string, (v: Values) => void, string] => [
      key,
      (v) => {
        v[key] = value;
      },
      `${key} can set any GF_ setting`,
    ]),
    ...(
      [
        ["extraConfigmapMounts", "/etc/grafana"],
        ["extraSecretMounts", "/etc/grafana/"],
        ["extraVolumeMounts", "/etc"],
        ["extraVolumeMounts", "/etc/grafana/../grafana"],
        ["extraEmptyDirMounts", "/etc/grafana/grafana.ini"],
        ["extraSecretMounts", "/usr/share/grafana/conf/defaults.ini"],
        ["extraVolumeMounts", "/usr/share/grafana"],
      ] as const
    ).map(([key, at]): [string, (v: Values) => void, string] => [
      `${key} at ${at}`,
      mount(key, at),
      `${key} mounts at ${at}, over the configuration files Grafana reads`,
    ]),
    [
      "a mount path Helm's tpl computes",
      mount("extraConfigmapMounts", "{{ .Values.configDir }}"),
      "a path Helm's tpl computes",
    ],
    [
      "Grafana's command line",
      (v: Values) => {
        v.args = ["cfg:auth.anonymous.enabled=true"];
      },
      "args replaces Grafana's command line",
    ],
  ])("fails for %s, and only for that", async (_what, edit, message) => {
    const found = policy(await withValues(edit));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${POLICY}: grafana-release: `);
    expect(found[0]).toContain(message);
  });

  it("passes mounts beside the configuration, and the settings it reads through env when they are right", async () => {
    const found = await withValues((v) => {
      v.extraSecretMounts = [{ name: "ssl", mountPath: "/etc/grafana/ssl", secretName: "grafana-tls" }];
      v.extraVolumeMounts = [{ name: "data", mountPath: "/var/lib/grafana-extra" }];
      env(v, {
        GF_AUTH_DISABLE_LOGIN_FORM: "true",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_LOG_LEVEL: "debug",
      });
    });
    expect(policy(found)).toEqual([]);
  });

  it.each([
    "oci://ghcr.io/grafana-community/helm-charts/grafana",
    "grafana-community/grafana",
    "https://github.com/grafana-community/helm-charts/releases/download/grafana-12.11.1/grafana-12.11.1.tgz",
    "./charts/grafana/",
  ])("finds the grafana chart referenced as %s", async (chart) => {
    const found = policy(
      await withRelease("grafana-release", (inputs) => {
        inputs.chart = chart;
        delete inputs.repositoryOpts;
        ini(inputs.values as Values)["auth.anonymous"]!.enabled = true;
      }),
    );
    expect(found).toEqual([
      `${POLICY}: grafana-release: Grafana lets anonymous users in ([auth.anonymous] enabled)`,
    ]);
  });

  it("fails for kube-prometheus-stack deploying a Grafana of its own", async () => {
    const found = policy(
      await withRelease("metrics-kps", (inputs) => {
        (inputs.values as { grafana: { enabled: boolean } }).grafana.enabled = true;
      }),
    );
    expect(found).toEqual([
      `${POLICY}: metrics-kps: kube-prometheus-stack deploys a Grafana of its own (grafana.enabled is not false), outside the sign-in this policy checks`,
    ]);
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
