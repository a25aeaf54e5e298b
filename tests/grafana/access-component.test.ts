import { beforeAll, describe, expect, it } from "vitest";
import {
  OAUTH_CHECKSUM_ANNOTATION,
  OAUTH_SECRET,
  oauthSecretChecksum,
  SECRET_KEY_SECRET,
} from "../../infra/generators/grafana";
import { KEPT_KEY } from "../../infra/generators/refs";
import { isSecret, type RecordedResource, redact, reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { offlineSecret } from "../../scripts/lib/stack-file";
import { stackValue } from "../../scripts/lib/stack-config";
import { one, ofType, rendered, STACKS } from "../helpers/render";
import { render } from "../helpers/variant";

/** The access resources as the real program registers them on Pulumi's mock runtime. */

const T = {
  team: "grafana:oss/team:Team",
  permission: "grafana:oss/folderPermission:FolderPermission",
  folder: "grafana:oss/folder:Folder",
  secret: "kubernetes:core/v1:Secret",
  release: "kubernetes:helm.sh/v3:Release",
  random: "random:index/randomPassword:RandomPassword",
};

type Values = {
  envValueFrom?: Record<string, { secretKeyRef: { name: string; key: string } }>;
  podAnnotations?: Record<string, unknown>;
  "grafana.ini": Record<string, Record<string, unknown>>;
};
const valuesOf = (r: RenderResult) => one(r, T.release, "grafana-release").inputs.values as Values;

describe.each(STACKS)("Grafana access (%s)", (stack) => {
  let result: RenderResult;
  beforeAll(() => {
    result = rendered(stack);
  });

  it("creates a Grafana team per configured team", () => {
    const teams = ofType(result, T.team);
    expect(teams.map((t) => t.inputs.name)).toEqual(result.config.teams.map((t) => t.name));
    for (const t of teams) expect(t.name).toBe(`grafana-team-${t.inputs.name}`);
  });

  it("replaces every folder's permissions: its team edits it, the basic roles read it", () => {
    const folders = ofType(result, T.folder);
    const teams = new Map(ofType(result, T.team).map((t) => [t.inputs.name as string, t]));
    const permissions = ofType(result, T.permission);
    expect(permissions).toHaveLength(folders.length);
    for (const f of folders) {
      const p = permissions.find((x) => x.inputs.folderUid === f.inputs.uid)!;
      expect(p, f.name).toBeDefined();
      // The folder exists before its permissions are set; the team before it is named.
      expect(p.dependencies).toContain(f.urn);
      const team = /^team-(.+)$/.exec(f.inputs.uid as string)?.[1];
      const read = [
        { role: "Viewer", permission: "View" },
        { role: "Editor", permission: "View" },
      ];
      expect(p.inputs.permissions).toEqual(
        team ? [{ teamId: `grafana-team-${team}-id`, permission: "Edit" }, ...read] : read,
      );
      if (team) expect(p.dependencies).toContain(teams.get(team)!.urn);
    }
  });
});

describe("prod's single sign-on", () => {
  let result: RenderResult;
  beforeAll(() => {
    result = rendered("prod");
  });

  it("hands the client secret over only as a secret, in the Secret the release waits for", () => {
    const secret = one(result, T.secret, "grafana-oauth");
    expect(secret.inputs).toMatchObject({ metadata: { name: OAUTH_SECRET, namespace: "grafana" } });
    expect(isSecret(secret.inputs.stringData)).toBe(true);
    expect(reveal(secret.inputs.stringData)).toEqual({
      "client-secret": offlineSecret("grafanaOidcClientSecret"),
    });
    const release = one(result, T.release, "grafana-release");
    expect(release.dependencies).toContain(secret.urn);
    expect(JSON.stringify(redact(release.inputs))).not.toContain(offlineSecret("grafanaOidcClientSecret"));
  });

  it("annotates the pods with the secret's HMAC under a generated key, shown in plain text, so that a new secret rolls them", () => {
    const annotation = valuesOf(result).podAnnotations?.[OAUTH_CHECKSUM_ANNOTATION];
    expect(isSecret(annotation)).toBe(false);
    const key = one(result, T.random, "grafana-oauth-checksum-key");
    expect(key.inputs).toMatchObject({ length: 48, special: false });
    // Never replaced by a change of its arguments: the annotation changes only with the secret.
    expect(key.ignoreChanges).toEqual(KEPT_KEY.ignoreChanges);
    expect(annotation).toBe(
      oauthSecretChecksum(offlineSecret("grafanaOidcClientSecret"), "mock-random-grafana-oauth-checksum-key"),
    );
  });

  it("rolls the pods when the client secret changes, and only then", async () => {
    const rotated = await render("prod", { grafanaOidcClientSecret: "a-rotated-client-secret" });
    expect(valuesOf(rotated).podAnnotations?.[OAUTH_CHECKSUM_ANNOTATION]).toBe(
      oauthSecretChecksum("a-rotated-client-secret", "mock-random-grafana-oauth-checksum-key"),
    );
    // Another change (here the admin password) leaves the annotation as it was.
    const other = await render("prod", { grafanaAdminPassword: "another-admin-password" });
    expect(valuesOf(other).podAnnotations?.[OAUTH_CHECKSUM_ANNOTATION]).toBe(
      valuesOf(result).podAnnotations?.[OAUTH_CHECKSUM_ANNOTATION],
    );
    expect(JSON.stringify(redact(rotated.resources.map((r) => r.inputs)))).not.toContain(
      "a-rotated-client-secret",
    );
  });

  it("uses the database's secret_key and generates none of its own", () => {
    expect(valuesOf(result).envValueFrom?.GF_SECURITY_SECRET_KEY?.secretKeyRef.name).toBe("grafana-database");
    expect(result.resources.find((r) => r.name === "grafana-secret-key")).toBeUndefined();
  });
});

describe("variant: dev (SQLite) with single sign-on and team members from config", () => {
  let result: RenderResult;
  let mine: (type: string, name: string) => RecordedResource;
  beforeAll(async () => {
    const prodAuth = stackValue<{ auth: Record<string, unknown> }>("prod", "grafana").auth;
    result = await render("dev", {
      grafana: { ...stackValue<Record<string, unknown>>("dev", "grafana"), auth: { oidc: prodAuth.oidc } },
      teams: stackValue<Record<string, unknown>[]>("dev", "teams").map((t, i) =>
        i === 0
          ? { ...t, grafana: { members: ["ann@acme.example.com"], admins: ["bo@acme.example.com"] } }
          : t,
      ),
    });
    mine = (type, name) => one(result, type, name);
  });

  it("gives Grafana a generated secret_key instead of its public default, through a Secret", () => {
    const key = mine(T.random, "grafana-secret-key");
    expect(key.inputs).toMatchObject({ length: 48, special: false });
    const secret = mine(T.secret, "grafana-secret-key");
    // State even on a non-production stack: protected, kept on delete, never replaced by new arguments.
    expect(result.config.production).toBe(false);
    for (const r of [key, secret])
      expect([r.name, r.protect, r.retainOnDelete]).toEqual([r.name, true, true]);
    expect(key.ignoreChanges).toEqual(KEPT_KEY.ignoreChanges);
    // The client secret's Secret and the checksum key follow the stack (not production: not protected).
    for (const r of [mine(T.secret, "grafana-oauth"), mine(T.random, "grafana-oauth-checksum-key")])
      expect([r.name, r.protect]).toEqual([r.name, false]);
    expect(secret.inputs).toMatchObject({ metadata: { name: SECRET_KEY_SECRET } });
    expect(isSecret(secret.inputs.stringData)).toBe(true);
    expect(reveal(secret.inputs.stringData)).toEqual({ "secret-key": "mock-random-grafana-secret-key" });
    expect(valuesOf(result).envValueFrom).toEqual({
      GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: OAUTH_SECRET, key: "client-secret" } },
      GF_SECURITY_SECRET_KEY: { secretKeyRef: { name: SECRET_KEY_SECRET, key: "secret-key" } },
    });
    const release = mine(T.release, "grafana-release");
    for (const s of ["grafana-oauth", "grafana-secret-key"])
      expect(release.dependencies, s).toContain(mine(T.secret, s).urn);
  });

  it("turns the login form off and manages the listed members and admins of the team", () => {
    expect(valuesOf(result)["grafana.ini"].auth).toEqual({ disable_login_form: true });
    expect(mine(T.team, "grafana-team-platform").inputs).toMatchObject({
      name: "platform",
      members: ["ann@acme.example.com"],
      admins: ["bo@acme.example.com"],
    });
    // A team the config lists no one for leaves its members to Grafana's UI.
    expect(mine(T.team, "grafana-team-web").inputs).not.toHaveProperty("members");
    expect(mine(T.team, "grafana-team-web").inputs).not.toHaveProperty("admins");
  });
});
