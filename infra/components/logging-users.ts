import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../config";
import { USER_PASSWORD, usersSecret } from "../generators/logging";
import { wire } from "./refs";

/**
 * People's passwords (logging.users, infra/generators/logging/users.ts), children of `parent`: one
 * generated password per user, kept while its `passwordRotation` stays (raising it replaces the
 * password), and the Secret the users Job reads them from. `passwords` is a Pulumi secret, the
 * stack's only other copy of them (`pulumi stack output logging --show-secrets`).
 */
export function loggingUsers(
  name: string,
  args: { config: StackConfig; namespace: pulumi.Input<string> },
  parent: pulumi.Resource,
): { secret?: k8s.core.v1.Secret; passwords: pulumi.Output<Record<string, string>> } {
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
  return { secret, passwords };
}
