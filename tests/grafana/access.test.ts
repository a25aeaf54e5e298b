import { createHash, createHmac } from "node:crypto";
import { search } from "@jmespath-community/jmespath";
import { describe, expect, it } from "vitest";
import {
  folderPermissions,
  grafanaAuthEnv,
  grafanaAuthIni,
  grafanaAuthPodAnnotations,
  grafanaSecretKey,
  grafanaTeams,
  grafanaValues,
  OAUTH_SECRET,
  OAUTH_SECRET_ENV,
  oauthChecksumKey,
  oauthSecret,
  oauthSecretChecksum,
  roleAttributePath,
  SECRET_KEY_SECRET,
} from "../../infra/generators/grafana";
import { KEPT_KEY } from "../../infra/generators/refs";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";

/**
 * The access generator (infra/generators/grafana/access.ts), and the role mapping evaluated for
 * real: Grafana reads role_attribute_path with github.com/jmespath-community/go-jmespath (its
 * pkg/util/json.go, SearchJSONForStringAttr); @jmespath-community/jmespath is the same
 * specification's TypeScript implementation.
 */

/** A valid grafana.auth.oidc block of the prod stack, for variants. */
const prodOidc = () => stackValue<{ auth: { oidc: Record<string, unknown> } }>("prod", "grafana").auth.oidc;

const withOidc = (oidc: Record<string, unknown>, stack: "dev" | "prod" = "dev") =>
  stackConfig(stack, {
    grafana: { ...stackValue<Record<string, unknown>>(stack, "grafana"), auth: { oidc } },
  });

/**
 * Grafana's use of the result (pkg/login/social/connectors/common.go, extractRoleAndAdminOptional
 * and searchRole): a string is the role, anything else (false, null) or an error is no role, and
 * with role_attribute_strict no role means the sign-in is refused.
 */
function grafanaRole(expression: string, claims: unknown): string | "refused" {
  let value: unknown;
  try {
    value = search(claims as never, expression);
  } catch {
    value = undefined;
  }
  return typeof value === "string" && value !== "" ? value : "refused";
}

const ROLES = {
  admin: ["grafana-admins", "sre"],
  editor: ["grafana-editors"],
  viewer: ["engineering", "support"],
};

describe("role_attribute_path", () => {
  const path = roleAttributePath({ roles: ROLES, groupsClaim: "groups" });

  it("gives each group's role, the highest when a user has several, and no role to anyone else", () => {
    const cases: [string[] | undefined, string][] = [
      [["grafana-admins"], "Admin"],
      [["sre"], "Admin"],
      [["grafana-editors"], "Editor"],
      [["engineering"], "Viewer"],
      [["support", "other"], "Viewer"],
      [["engineering", "grafana-editors"], "Editor"],
      [["engineering", "sre", "grafana-editors"], "Admin"],
      [["marketing"], "refused"],
      [[], "refused"],
      // A group name is matched whole, never as a substring or a prefix.
      [["grafana-admins-old", "xsre", "engineering2"], "refused"],
      [undefined, "refused"],
    ];
    for (const [groups, role] of cases)
      expect(
        grafanaRole(path, groups === undefined ? { email: "a@x" } : { groups }),
        JSON.stringify(groups),
      ).toBe(role);
  });

  it("has no catch-all: the value for a user in no group is false, not a role such as 'None'", () => {
    expect(search({ groups: ["nobody"] }, path)).toBe(false);
    expect(path.endsWith("&& 'Viewer'")).toBe(true);
    // A groups claim that is a string, not a list, is not a list of groups.
    expect(grafanaRole(path, { groups: "grafana-admins" })).toBe("refused");
  });

  it("keeps every character a group name may have inside its literal", () => {
    const names = ["Grafana Admins", "ops.team_1", "urn:acme:grafana", "/platform/sre", "a@b=c+d-e", "9"];
    const mapping = roleAttributePath({
      roles: { admin: names, editor: [], viewer: [] },
      groupsClaim: "groups",
    });
    for (const n of names) expect(grafanaRole(mapping, { groups: [n] }), n).toBe("Admin");
    expect(grafanaRole(mapping, { groups: ["Grafana"] })).toBe("refused");
  });

  it("reads a nested claim such as Keycloak's realm roles", () => {
    const nested = roleAttributePath({ roles: ROLES, groupsClaim: "realm_access.roles" });
    expect(grafanaRole(nested, { realm_access: { roles: ["sre"] } })).toBe("Admin");
    expect(grafanaRole(nested, { groups: ["sre"] })).toBe("refused");
  });

  it("maps the prod stack's groups as its config says", () => {
    const config = stackConfig("prod");
    const ini = grafanaAuthIni(config)["auth.generic_oauth"]!;
    const expr = ini.role_attribute_path as string;
    const roles = config.grafana.auth.oidc!.roles;
    for (const g of roles.admin) expect(grafanaRole(expr, { groups: [g] })).toBe("Admin");
    for (const g of roles.viewer) expect(grafanaRole(expr, { groups: [g] })).toBe("Viewer");
    expect(grafanaRole(expr, { groups: ["someone-else"] })).toBe("refused");
  });
});

describe("grafana.ini sections of access", () => {
  it("prod: single sign-on only, strict, no secret, no server admin from the IdP, locked SSO settings", () => {
    const config = stackConfig("prod");
    const ini = grafanaAuthIni(config);
    expect(ini.auth).toEqual({ disable_login_form: true });
    expect(ini["auth.basic"]).toEqual({ enabled: true });
    expect(ini["auth.anonymous"]).toEqual({ enabled: false });
    expect(ini.sso_settings).toEqual({ configurable_providers: "ldap" });
    const oauth = ini["auth.generic_oauth"]!;
    expect(oauth).toMatchObject({
      enabled: true,
      role_attribute_strict: true,
      allow_assign_grafana_admin: false,
      skip_org_role_sync: false,
      auto_login: true,
      use_pkce: true,
      groups_attribute_path: "groups",
      scopes: "openid email profile groups offline_access",
      auth_url: config.grafana.auth.oidc!.authUrl,
    });
    expect(oauth).not.toHaveProperty("client_secret");
    // Every value is a scalar: the chart renders lists as JSON, which Grafana would not split.
    for (const [k, v] of Object.entries(oauth)) expect(["string", "boolean"], k).toContain(typeof v);
  });

  it("dev: no single sign-on, the form on, the same locks", () => {
    const ini = grafanaAuthIni(stackConfig("dev"));
    expect(ini).not.toHaveProperty("auth.generic_oauth");
    expect(ini.auth).toEqual({ disable_login_form: false });
    expect(ini.sso_settings).toEqual({ configurable_providers: "ldap" });
    expect(grafanaAuthEnv(stackConfig("dev"))).toEqual({});
    expect(grafanaAuthPodAnnotations(stackConfig("dev"))).toEqual({});
    expect(oauthSecret(stackConfig("dev"))).toBeUndefined();
  });

  it("turns the form off with single sign-on unless the stack keeps it, and auto-login with it", () => {
    expect(withOidc(prodOidc()).grafana.auth.loginForm).toBe(false);
    const kept = stackConfig("dev", {
      grafana: {
        ...stackValue<Record<string, unknown>>("dev", "grafana"),
        auth: { oidc: prodOidc(), loginForm: true },
      },
    });
    expect(grafanaAuthIni(kept).auth).toEqual({ disable_login_form: false });
    expect(grafanaAuthIni(kept)["auth.generic_oauth"]).toMatchObject({ auto_login: false });
  });
});

describe("the client secret and secret_key", () => {
  it("reach Grafana only from Secrets, through one merged envValueFrom", () => {
    const prod = stackConfig("prod");
    const values = grafanaValues(prod) as { envValueFrom: Record<string, unknown>; "grafana.ini": unknown };
    expect(values.envValueFrom[OAUTH_SECRET_ENV]).toEqual({
      secretKeyRef: { name: OAUTH_SECRET, key: "client-secret" },
    });
    expect(Object.keys(values.envValueFrom).sort()).toEqual([
      OAUTH_SECRET_ENV,
      "GF_DATABASE_PASSWORD",
      "GF_SECURITY_SECRET_KEY",
    ]);
    expect(JSON.stringify(values["grafana.ini"])).not.toMatch(/client_secret/);
    expect(oauthSecret(prod)?.stringData).toEqual({
      "client-secret": { $ref: "secret:grafanaOidcClientSecret" },
    });
    // With a database the secret_key is the database's; none is generated here.
    expect(grafanaSecretKey(prod)).toBeUndefined();
  });

  it("generates a secret_key for single sign-on on SQLite, which otherwise runs on Grafana's public default", () => {
    const dev = withOidc(prodOidc());
    expect(dev.grafana.database).toBeUndefined();
    expect(grafanaAuthEnv(dev)).toEqual({
      [OAUTH_SECRET_ENV]: { secretKeyRef: { name: OAUTH_SECRET, key: "client-secret" } },
      GF_SECURITY_SECRET_KEY: { secretKeyRef: { name: SECRET_KEY_SECRET, key: "secret-key" } },
    });
    expect(grafanaSecretKey(dev)?.secret.stringData).toEqual({
      "secret-key": { $ref: "secret:grafanaSecretKey" },
    });
    expect(grafanaSecretKey(dev)?.password).toMatchObject({ length: 48, special: false });
    // State on every stack that has it, production or not.
    expect(dev.production).toBe(false);
    expect(grafanaSecretKey(dev)?.options).toEqual({ protect: true, retainOnDelete: true });
  });

  it("annotates the pods with a keyed hash of the client secret, never the secret or its plain hash", () => {
    expect(grafanaAuthPodAnnotations(stackConfig("prod"))).toEqual({
      "checksum/grafana-oauth": { $ref: "grafanaOauthChecksum" },
    });
    const key = "a-key-the-stack-generated";
    const a = oauthSecretChecksum("client-secret-one", key);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    // Changes with the secret, and only with it: the same secret under the same key, the same value.
    expect(a).not.toBe(oauthSecretChecksum("client-secret-two", key));
    expect(a).toBe(oauthSecretChecksum("client-secret-one", key));
    // Keyed: without the key, a guess of the secret cannot be checked against it.
    expect(a).not.toBe(oauthSecretChecksum("client-secret-one", "another-key"));
    expect(a).not.toBe(createHash("sha256").update("client-secret-one").digest("hex"));
    expect(a).toBe(createHmac("sha256", key).update("client-secret-one").digest("hex"));
    // The key: generated with single sign-on only, and never replaced once it exists.
    expect(oauthChecksumKey(stackConfig("prod"))).toMatchObject({ length: 48, special: false });
    expect(oauthChecksumKey(stackConfig("dev"))).toBeUndefined();
    expect(KEPT_KEY.ignoreChanges).toEqual(
      expect.arrayContaining(["length", "special", "upper", "lower", "numeric", "keepers"]),
    );
  });
});

describe("teams and folder permissions", () => {
  const config = stackConfig("dev", {
    teams: stackValue<Record<string, unknown>[]>("dev", "teams").map((t, i) =>
      i === 0 ? { ...t, grafana: { members: ["ann@acme.example.com"], admins: ["bo@acme.example.com"] } } : t,
    ),
  });

  it("makes a Grafana team per configured team, managing members only where the config lists them", () => {
    expect(grafanaTeams(config)).toEqual([
      {
        team: "platform",
        args: {
          name: "platform",
          email: "platform-oncall@example.com",
          members: ["ann@acme.example.com"],
          admins: ["bo@acme.example.com"],
        },
      },
      { team: "web", args: { name: "web", email: "web-oncall@example.com" } },
    ]);
  });

  it("lets each team edit its own folder only, and every basic role read every folder", () => {
    const specs = folderPermissions(config);
    expect(specs.map((s) => s.folderUid.$ref)).toEqual([
      "folder:observability-shared",
      "folder:team-platform",
      "folder:team-web",
    ]);
    const read = [
      { role: "Viewer", permission: "View" },
      { role: "Editor", permission: "View" },
    ];
    expect(specs[0]!.permissions).toEqual(read);
    expect(specs[1]!.permissions).toEqual([
      { teamId: { $ref: "team:platform" }, permission: "Edit" },
      ...read,
    ]);
    expect(specs[2]!.permissions).toEqual([{ teamId: { $ref: "team:web" }, permission: "Edit" }, ...read]);
    // Nothing grants Edit or Admin to a basic role: the list replaces Grafana's Editor-edits-all default.
    for (const s of specs)
      for (const p of s.permissions) if ("role" in p) expect(p.permission, s.folderUid.$ref).toBe("View");
  });
});
