import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../config";
import { USER_PASSWORD, USERS_FINGERPRINT_KEY, usersFingerprint, usersSecret } from "../generators/logging";
import { KEPT_KEY } from "../generators/refs";
import { wire } from "./refs";

/**
 * People's passwords (logging.users, infra/generators/logging/users.ts), children of `parent`: one
 * generated password per user, kept while its `passwordRotation` stays (raising it replaces the
 * password), and the Secret the users Job reads them from. `passwords` is a Pulumi secret, the
 * stack's only other copy of them (`pulumi stack output logging --show-secrets`). `fingerprint`,
 * with users, is their keyed hash (usersFingerprint) that names the users Job, so that a password
 * replaced however it was reaches Elasticsearch.
 */
export function loggingUsers(
  name: string,
  args: { config: StackConfig; namespace: pulumi.Input<string> },
  parent: pulumi.Resource,
): {
  secret?: k8s.core.v1.Secret;
  passwords: pulumi.Output<Record<string, string>>;
  fingerprint?: pulumi.Output<string>;
} {
  const { config } = args;
  const generated = config.logging.users.map(
    (u) =>
      [
        u.username,
        new random.RandomPassword(
          `${name}-user-${u.username}`,
          { ...USER_PASSWORD, keepers: { passwordRotation: String(u.passwordRotation) } },
          { parent },
        ).result,
      ] as const,
  );
  const passwords = pulumi.secret(
    pulumi
      .all(generated.map(([, p]) => p))
      .apply((values) => Object.fromEntries(generated.map(([u], i) => [u, values[i] as string]))),
  );
  const spec = usersSecret(config);
  if (!spec) return { passwords };
  const values = Object.fromEntries(
    generated.map(([u, p]) => [`secret:loggingUserPassword:${u}`, pulumi.secret(p)]),
  );
  const secret = new k8s.core.v1.Secret(
    `${name}-users`,
    wire(spec, { namespace: args.namespace, ...values }),
    { parent },
  );
  // Never replaced (KEPT_KEY): a new key would rename the Job, which would reset every password.
  const key = new random.RandomPassword(`${name}-users-fingerprint-key`, USERS_FINGERPRINT_KEY, {
    parent,
    ...KEPT_KEY,
  });
  // A keyed hash, not the passwords: shown in the Job's name (settingsJobName).
  const fingerprint = pulumi.unsecret(
    pulumi.all([passwords, key.result]).apply(([p, k]) => usersFingerprint(p, k)),
  );
  return { secret, passwords, fingerprint };
}
