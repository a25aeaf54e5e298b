import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import {
  eckNames,
  RETIRED_USERS_STEP,
  SECRETS_DIR,
  SETTINGS_JOB_AFTER,
  SETTINGS_JOBS,
  settingsJob,
  settingsJobName,
  settingsPlans,
  USER_PASSWORD,
  USERS_FINGERPRINT_KEY,
  userSteps,
  usersFingerprint,
  usersSecret,
} from "../../infra/generators/logging";
import { settingsJobPattern } from "../../infra/generators/platform";
import { KEPT_KEY } from "../../infra/generators/refs";
import { MANAGED_BY_META } from "../../infra/generators/labels";
import { applierScript } from "../../infra/components/logging";
import { redact, reveal } from "../../scripts/lib/recorded";
import { stackConfig } from "../../scripts/lib/stack-config";
import type { RenderResult } from "../../scripts/lib/render-files";
import { readStackFile } from "../../scripts/lib/stack-file";
import { one, ofType, rendered, STACKS } from "../helpers/render";
import { render } from "../helpers/variant";

/**
 * People's Elasticsearch users (logging.users): native-realm users the users Job creates from the
 * config, with passwords the stack generates and keeps only as secrets.
 */

const prod = stackConfig("prod");

describe("the users Job's plan", () => {
  it("puts each configured user with its roles and names, in name order, then retires the ones no longer listed", () => {
    const steps = userSteps(prod);
    const sorted = prod.logging.users.map((u) => u.username).sort();
    // The example lists them out of order: the plan does not follow the config's.
    expect(prod.logging.users.map((u) => u.username)).not.toEqual(sorted);
    expect(steps.map((s) => `${s.method} ${s.path}`)).toEqual([
      ...sorted.map((u) => `PUT /_security/user/${u}`),
      "PUT /_security/user",
    ]);
    const jdoe = steps.find((s) => s.name === "jdoe")!;
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
      body: { managed_by: MANAGED_BY_META, keep: sorted },
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
    const hash = (c: typeof prod, job: "users" | "settings") => settingsJob(c, job, applierScript()).planHash;
    expect(hash(rotated, "users")).not.toBe(hash(prod, "users"));
    expect(hash(rotated, "settings")).toBe(hash(prod, "settings"));
    // The users Job's name is the component's (settingsJobName, from that hash); the others' are theirs.
    expect(settingsJob(prod, "users", applierScript()).job.metadata.name).toEqual({
      $ref: "settingsJobName",
    });
    const pattern = new RegExp(`^${settingsJobPattern(prod)}$`);
    expect(settingsJob(prod, "settings", applierScript()).job.metadata.name).toMatch(pattern);
    expect(settingsJob(prod, "users", applierScript()).configMap.metadata.name).toMatch(pattern);
  });

  it("names the users Job after a keyed fingerprint of the passwords, which tells nothing of them", () => {
    const key = "a-key-the-stack-generated";
    const passwords = { jdoe: "password-of-jdoe", "audit-reviewer": "password-of-the-auditor" };
    const fingerprint = usersFingerprint(passwords, key);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    // The same passwords, in any order, the same fingerprint; any other password, another one.
    expect(
      usersFingerprint({ "audit-reviewer": passwords["audit-reviewer"], jdoe: passwords.jdoe }, key),
    ).toBe(fingerprint);
    expect(usersFingerprint({ ...passwords, jdoe: "a-new-password" }, key)).not.toBe(fingerprint);
    // Keyed: without the stack's key, a guess of a password cannot be checked against it.
    expect(usersFingerprint(passwords, "another-key")).not.toBe(fingerprint);
    for (const p of Object.values(passwords)) {
      expect(fingerprint).not.toContain(p);
      expect(fingerprint).not.toBe(createHash("sha256").update(p).digest("hex"));
    }
    expect(fingerprint).not.toBe(createHash("sha256").update(JSON.stringify(passwords)).digest("hex"));
    // The name keeps every settings Job's pattern (the failure alert's), and follows plan and fingerprint.
    const { planHash } = settingsJob(prod, "users", applierScript());
    const name = settingsJobName(prod, "users", planHash, fingerprint);
    expect(name).toMatch(new RegExp(`^${settingsJobPattern(prod)}$`));
    expect(settingsJobName(prod, "users", planHash, fingerprint)).toBe(name);
    expect(settingsJobName(prod, "users", planHash, usersFingerprint(passwords, "another-key"))).not.toBe(
      name,
    );
    expect(settingsJobName(prod, "users", "0".repeat(64), fingerprint)).not.toBe(name);
    expect(USERS_FINGERPRINT_KEY).toMatchObject({ length: 48, special: false });
  });

  it("keeps the plan, and so the Job, when the config lists the same users in another order", () => {
    const logging = JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}");
    const reordered = stackConfig("prod", { logging: { ...logging, users: [...logging.users].reverse() } });
    expect(reordered.logging.users.map((u) => u.username)).not.toEqual(
      prod.logging.users.map((u) => u.username),
    );
    expect(userSteps(reordered)).toEqual(userSteps(prod));
    expect(settingsJob(reordered, "users", applierScript()).planHash).toBe(
      settingsJob(prod, "users", applierScript()).planHash,
    );
    expect(usersSecret(reordered)).toEqual(usersSecret(prod));
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

describe("the users Job's name on the mock runtime (prod)", () => {
  const T = {
    job: "kubernetes:batch/v1:Job",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    random: "random:index/randomPassword:RandomPassword",
  };
  const nameOf = (r: RenderResult, type: string, name: string) =>
    (one(r, type, name).inputs.metadata as { name: string }).name;
  const jobName = (r: RenderResult) => nameOf(r, T.job, "logging-users");
  const base = rendered("prod");
  const first = base.config.logging.users[0]!.username;
  let replaced: RenderResult;
  let unrelated: RenderResult;
  beforeAll(async () => {
    // `pulumi up --replace` of one user's RandomPassword: the provider draws another value.
    replaced = await render(
      "prod",
      {},
      { created: { [`${T.random}/logging-user-${first}`]: { result: "a-password-drawn-again" } } },
    );
    // Another run in which people's passwords stay (another secret changes, the users are listed
    // in another order).
    const logging = JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}");
    unrelated = await render("prod", {
      grafanaAdminPassword: "another-admin-password",
      logging: { ...logging, users: [...logging.users].reverse() },
    });
  }, 120_000);

  it("changes when a password is replaced without a change of plan, so that the Job sets it", () => {
    expect(reveal(one(replaced, T.secret, "logging-users").inputs.stringData)).toMatchObject({
      [first]: "a-password-drawn-again",
    });
    expect(jobName(replaced)).not.toBe(jobName(base));
    expect(jobName(replaced)).toMatch(new RegExp(`^${settingsJobPattern(base.config)}$`));
    // The plan is the same: its ConfigMap, and the Jobs that take no password, keep their names.
    expect(nameOf(replaced, T.configMap, "logging-users")).toBe(nameOf(base, T.configMap, "logging-users"));
    for (const job of ["logging-settings", "logging-extras"])
      expect(nameOf(replaced, T.job, job), job).toBe(nameOf(base, T.job, job));
  });

  it("stays while the passwords and the users do, in whatever order, so that a completed Job is left alone", () => {
    expect(unrelated.config.logging.users.map((u) => u.username)).toEqual(
      base.config.logging.users.map((u) => u.username).reverse(),
    );
    expect(jobName(unrelated)).toBe(jobName(base));
  });

  it("is made from a keyed fingerprint under a kept key, never from a password in clear", () => {
    const key = one(base, T.random, "logging-users-fingerprint-key");
    expect(key.inputs).toMatchObject({ length: USERS_FINGERPRINT_KEY.length, special: false });
    expect(key.ignoreChanges).toEqual(KEPT_KEY.ignoreChanges);
    const passwords = reveal(one(base, T.secret, "logging-users").inputs.stringData) as Record<
      string,
      string
    >;
    const fingerprint = usersFingerprint(passwords, "mock-random-logging-users-fingerprint-key");
    const { planHash } = settingsJob(base.config, "users", applierScript());
    expect(jobName(base)).toBe(settingsJobName(base.config, "users", planHash, fingerprint));
    for (const p of Object.values(passwords)) {
      expect(fingerprint).not.toContain(p);
      expect(jobName(base)).not.toContain(p);
    }
    // The Job itself is no secret (its name shows in the plan), and holds no password anywhere.
    const job = one(base, T.job, "logging-users");
    expect(redact(job.inputs)).toEqual(reveal(job.inputs));
    for (const p of Object.values(passwords)) expect(JSON.stringify(job.inputs)).not.toContain(p);
  });
});
