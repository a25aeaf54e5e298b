import { describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import {
  eckNames,
  RETIRED_USERS_STEP,
  SECRETS_DIR,
  SETTINGS_JOB_AFTER,
  SETTINGS_JOBS,
  settingsJob,
  settingsPlans,
  USER_PASSWORD,
  userSteps,
  usersSecret,
} from "../../infra/generators/logging";
import { MANAGED_BY_META } from "../../infra/generators/labels";
import { applierScript } from "../../infra/components/logging";
import { redact, reveal } from "../../scripts/lib/recorded";
import { stackConfig } from "../../scripts/lib/stack-config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { one, ofType, rendered, STACKS } from "../helpers/render";

/**
 * People's Elasticsearch users (logging.users): native-realm users the users Job creates from the
 * config, with passwords the stack generates and keeps only as secrets.
 */

const prod = stackConfig("prod");

describe("the users Job's plan", () => {
  it("puts each configured user with its roles and names, then retires the ones no longer listed", () => {
    const steps = userSteps(prod);
    expect(steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      ...prod.logging.users.map((u) => `PUT /_security/user/${u.username}`),
      "PUT /_security/user",
    ]);
    const jdoe = steps[0]!;
    expect(jdoe).toEqual({
      target: "elasticsearch",
      kind: "user",
      name: "jdoe",
      method: "PUT",
      path: "/_security/user/jdoe",
      body: {
        roles: ["log-reader"],
        full_name: "Jane Doe",
        email: "jane.doe@example.com",
        enabled: true,
        metadata: { managed_by: MANAGED_BY_META, password_rotation: 0 },
      },
      secret: { field: "password", key: "jdoe" },
    });
    expect(steps.at(-1)).toEqual({
      target: "elasticsearch",
      kind: "retired_users",
      name: RETIRED_USERS_STEP,
      method: "PUT",
      path: "/_security/user",
      body: { managed_by: MANAGED_BY_META, keep: prod.logging.users.map((u) => u.username) },
    });
  });

  it("holds no password: only the key of the users Secret the Job fills it in from", () => {
    for (const s of userSteps(prod)) {
      expect(s.body).not.toHaveProperty("password");
      expect(s.body).not.toHaveProperty("password_hash");
    }
    // Without users the retired-users check still runs: removing the last user disables it.
    const none = stackConfig("prod", {
      logging: { ...JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}"), users: [] },
    });
    expect(userSteps(none).map((s) => s.kind)).toEqual(["retired_users"]);
    expect(usersSecret(none)).toBeUndefined();
  });

  it("runs in its own Job, after the settings Job that applies the roles, and nothing else mounts the passwords", () => {
    expect(SETTINGS_JOBS).toContain("users");
    expect(SETTINGS_JOB_AFTER).toEqual({ users: "settings" });
    const plans = settingsPlans(prod);
    for (const job of SETTINGS_JOBS) {
      const spec = settingsJob(prod, job, applierScript()).job.spec.template.spec;
      const container = spec.containers[0]!;
      const mounts = container.volumeMounts.filter((m) => m.mountPath === SECRETS_DIR);
      const volume = spec.volumes.find(
        (v) => "secret" in v && v.secret.secretName === eckNames(prod).usersSecret,
      );
      const takesSecrets = plans[job].some((s) => s.secret !== undefined);
      expect(takesSecrets, job).toBe(job === "users");
      expect(mounts.length > 0, job).toBe(takesSecrets);
      expect(volume !== undefined, job).toBe(takesSecrets);
      expect(
        container.env.some((e) => e.name === "SECRETS_DIR"),
        job,
      ).toBe(takesSecrets);
    }
  });

  it("becomes a new Job when a password is rotated, so the new password is set", () => {
    const logging = JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}");
    const rotated = stackConfig("prod", {
      logging: {
        ...logging,
        users: logging.users.map((u: { username: string }) =>
          u.username === "jdoe" ? { ...u, passwordRotation: 1 } : u,
        ),
      },
    });
    const name = (c: typeof prod) => settingsJob(c, "users", applierScript()).job.metadata.name;
    expect(name(rotated)).not.toBe(name(prod));
    expect(settingsJob(rotated, "settings", applierScript()).job.metadata.name).toBe(
      settingsJob(prod, "settings", applierScript()).job.metadata.name,
    );
  });

  it("keeps one Secret of passwords, one key per user, each a reference to a generated secret", () => {
    expect(usersSecret(prod)).toEqual({
      metadata: expect.objectContaining({
        name: eckNames(prod).usersSecret,
        namespace: { $ref: "namespace" },
      }),
      type: "Opaque",
      stringData: Object.fromEntries(
        prod.logging.users.map((u) => [u.username, { $ref: `secret:loggingUserPassword:${u.username}` }]),
      ),
    });
  });
});

describe.each(STACKS)("people's users in the render of %s", (stack) => {
  const r = rendered(stack);
  const users = r.config.logging.users;

  it("generates one password per user, replaced only when its rotation changes", () => {
    const passwords = ofType(r, "random:index/randomPassword:RandomPassword").filter((p) =>
      p.name.startsWith("logging-user-"),
    );
    expect(passwords.map((p) => p.name).sort()).toEqual(
      users.map((u) => `logging-user-${u.username}`).sort(),
    );
    for (const p of passwords)
      expect(p.inputs).toMatchObject({
        length: USER_PASSWORD.length,
        special: false,
        keepers: { passwordRotation: expect.stringMatching(/^\d+$/) },
      });
  });

  it("keeps the passwords secret: the Secret and the output are secrets, and no password is outside one", () => {
    const secret = one(r, "kubernetes:core/v1:Secret", "logging-users");
    expect(secret.inputs).toMatchObject({ metadata: { name: eckNames(r.config).usersSecret } });
    expect(redact(secret.inputs.stringData)).toBe("[secret]");
    // What the cluster gets: each user's generated password under its name.
    expect(reveal(secret.inputs.stringData)).toEqual(
      Object.fromEntries(users.map((u) => [u.username, `mock-random-logging-user-${u.username}`])),
    );
    expect((r.outputs as { logging: { userPasswords: unknown } }).logging.userPasswords).toBe("[secret]");
    // The mocks' generated values name themselves: none may appear outside a secret, anywhere.
    expect(JSON.stringify(redact(r.resources))).not.toMatch(/mock-random-logging-user-/);
    expect(JSON.stringify(r.artifacts)).not.toMatch(/mock-random-logging-user-/);
  });

  it("runs the users Job after the settings Job and once the Secret holds every password", () => {
    const job = one(r, "kubernetes:batch/v1:Job", "logging-users");
    expect(job.dependencies).toEqual(
      expect.arrayContaining([
        one(r, "kubernetes:batch/v1:Job", "logging-settings").urn,
        one(r, "kubernetes:core/v1:Secret", "logging-users").urn,
        one(r, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch", "logging-elasticsearch").urn,
      ]),
    );
  });

  it("renders each user's body as elasticsearch/user/<name>.json, without a password", () => {
    for (const u of users) {
      const file = r.artifacts.find((a) => a.path === `elasticsearch/user/${u.username}.json`);
      expect(file, u.username).toBeDefined();
      expect(JSON.parse(file!.content)).toMatchObject({ roles: u.roles, enabled: true });
      expect(file!.content).not.toMatch(/password"\s*:\s*"/);
    }
    expect(r.artifacts.some((a) => a.path === `elasticsearch/retired_users/${RETIRED_USERS_STEP}.json`)).toBe(
      true,
    );
  });
});
