import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as grafana from "@pulumiverse/grafana";
import type { StackConfig } from "../config";
import {
  folderPermissions,
  GRAFANA_PROVIDER_RETRY,
  grafanaSecretKey,
  grafanaTeams,
  oauthChecksumKey,
  oauthSecret,
  oauthSecretChecksum,
  PROVIDER_SERVICE_ACCOUNT,
  PROVIDER_TOKEN,
  providerAuth,
} from "../generators/grafana";
import { KEPT_KEY } from "../generators/refs";
import { type RefValues, wire } from "./refs";

/**
 * Access to Grafana, from the generators' specs (access.ts): single sign-on's Secrets, the Pulumi
 * provider's service-account token, and the teams with their folders' permissions. Plain functions
 * rather than a component, so that every resource keeps the Grafana component as its parent and
 * the main provider keeps its URN.
 */

/**
 * Single sign-on's Secrets and the values the release wires from them: the client secret, its
 * keyed hash for the pods' annotation, and on SQLite the generated `secret_key`, which is kept on
 * every stack that has it (protected, retained, its arguments ignored once it exists).
 */
export function singleSignOn(
  name: string,
  config: StackConfig,
  refs: RefValues,
  opts: pulumi.CustomResourceOptions,
): { secrets: k8s.core.v1.Secret[]; refs: RefValues } {
  const spec = oauthSecret(config);
  const hmac = oauthChecksumKey(config);
  if (!spec || !hmac) return { secrets: [], refs: {} };
  const clientSecret = refs["secret:grafanaOidcClientSecret"];
  if (clientSecret === undefined) throw new Error("grafana: the secret grafanaOidcClientSecret is not wired");
  // Never replaced, so that the annotation changes exactly when the client secret does.
  const hmacKey = new random.RandomPassword(`${name}-oauth-checksum-key`, hmac, { ...opts, ...KEPT_KEY });
  const key = grafanaSecretKey(config);
  const kept = { ...opts, ...key?.options };
  const generated = key
    ? new random.RandomPassword(`${name}-secret-key`, key.password, { ...kept, ...KEPT_KEY })
    : undefined;
  const values: RefValues = {
    ...refs,
    // A keyed hash, not the secret: shown in the release's values, it rolls the pods when the secret changes.
    grafanaOauthChecksum: pulumi.unsecret(
      pulumi.all([clientSecret, hmacKey.result]).apply(([s, k]) => oauthSecretChecksum(String(s), k)),
    ),
    ...(generated ? { "secret:grafanaSecretKey": pulumi.secret(generated.result) } : {}),
  };
  const secrets = [new k8s.core.v1.Secret(`${name}-oauth`, wire(spec, values), opts)];
  if (key) secrets.push(new k8s.core.v1.Secret(`${name}-secret-key`, wire(key.secret, values), kept));
  return { secrets, refs: { grafanaOauthChecksum: values.grafanaOauthChecksum! } };
}

export interface ProviderTokenArgs {
  url: pulumi.Input<string>;
  adminPassword: pulumi.Input<string>;
  caCert?: pulumi.Input<string>;
  /** What makes the URL valid and Grafana answer: the release and the endpoint's readiness. */
  ready: pulumi.Resource[];
}

/**
 * The token the main provider logs in with. A bootstrap provider on the admin login (basic auth,
 * which Grafana keeps on for this and for break-glass) manages only the service account and its
 * rotating token: a service account can mint nothing for itself, and only the admin exists before.
 */
export function providerToken(name: string, args: ProviderTokenArgs, parent: pulumi.Resource) {
  const bootstrap = new grafana.Provider(
    `${name}-bootstrap-provider`,
    {
      url: args.url,
      auth: pulumi.secret(pulumi.output(args.adminPassword).apply(providerAuth)),
      ...GRAFANA_PROVIDER_RETRY,
      ...(args.caCert ? { caCert: args.caCert } : {}),
    },
    { parent, dependsOn: args.ready },
  );
  const opts = { parent, provider: bootstrap, dependsOn: args.ready };
  const account = new grafana.oss.ServiceAccount(`${name}-sa-pulumi`, PROVIDER_SERVICE_ACCOUNT, opts);
  // Replaced inside its rotation window: Pulumi creates the new token before deleting the old one.
  const token = new grafana.oss.ServiceAccountRotatingToken(
    `${name}-sa-pulumi-token`,
    wire(PROVIDER_TOKEN, { serviceAccount: account.id }),
    opts,
  );
  return { bootstrap, account, token, key: pulumi.secret(token.key) };
}

/**
 * A Grafana team per configured team, and the whole permission list of every folder (authoritative:
 * what Grafana granted by default is replaced).
 */
export function teamsAndFolderPermissions(
  name: string,
  config: Pick<StackConfig, "teams">,
  folders: ReadonlyMap<string, grafana.oss.Folder>,
  opts: (extra?: pulumi.Resource[]) => pulumi.CustomResourceOptions,
): { teams: grafana.oss.Team[]; permissions: grafana.oss.FolderPermission[] } {
  const teams = new Map(
    grafanaTeams(config).map((t) => [t.team, new grafana.oss.Team(`${name}-team-${t.team}`, t.args, opts())]),
  );
  const refs: Record<string, pulumi.Input<string>> = {};
  for (const [team, resource] of teams) refs[`team:${team}`] = resource.id;
  for (const [uid, folder] of folders) refs[`folder:${uid}`] = folder.uid;
  const permissions = folderPermissions(config).map((spec) => {
    const uid = spec.folderUid.$ref.slice("folder:".length);
    const folder = folders.get(uid);
    if (!folder) throw new Error(`grafana: folder permissions for unknown folder ${uid}`);
    return new grafana.oss.FolderPermission(
      `${name}-folder-permissions-${uid}`,
      wire(spec, refs),
      opts([folder, ...teams.values()]),
    );
  });
  return { teams: [...teams.values()], permissions };
}
