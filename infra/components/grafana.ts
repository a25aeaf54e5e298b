import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { SecretKey, StackConfig } from "../config";
import {
  adminSecret,
  contactPointArgs,
  contactPoints,
  dashboardArgs,
  dataSourceArgs,
  dataSources,
  defaultUpstreams,
  elasticsearchReaderPassword,
  folderArgs,
  folders,
  grafanaDatabase,
  GRAFANA_PROVIDER_RETRY,
  grafanaNamespace,
  grafanaRelease,
  grafanaUrl,
  debugLogsRuleGroups,
  logSilenceRuleGroups,
  maintenanceMuteTiming,
  notificationPolicy,
  notificationPolicyArgs,
  renderDashboards,
  smtpSecret,
} from "../generators/grafana";
import { providerToken, singleSignOn, teamsAndFolderPermissions } from "./grafana-access";
import { GrafanaDatabase } from "./grafana-database";
import { grafanaEndpoint } from "./grafana-endpoint";
import { integrationKeyValues } from "./pagerduty";
import { type RefValues, secretValues, wire } from "./refs";

export interface GrafanaArgs {
  config: StackConfig;
  /** Secret config values (pulumi.secret Outputs): grafanaAdminPassword, grafanaOidcClientSecret, smtpPassword, the channel keys, sentryAuthToken. */
  secrets: Partial<Record<SecretKey, pulumi.Input<string>>>;
  /** Per team, its managed PagerDuty integration key (alerting.pagerduty.managed). */
  pagerdutyKeys?: Record<string, pulumi.Input<string>>;
  /** Password of `grafana.logs.username` and the CA of Elasticsearch's HTTP certificate (from the logging stack). */
  elasticsearchPassword?: pulumi.Input<string>;
  elasticsearchCaCert?: pulumi.Input<string>;
}

/**
 * The Elasticsearch user Grafana's logs data source logs in as (the logging stack creates it with
 * its read-only `grafana-reader` role), with its password derived from the admin password.
 */
export function elasticsearchReader(
  config: Pick<StackConfig, "grafana">,
  adminPassword: pulumi.Input<string>,
): { username: string; password: pulumi.Output<string> } {
  return {
    username: config.grafana.logs.username,
    password: pulumi.secret(pulumi.output(adminPassword).apply(elasticsearchReaderPassword)),
  };
}

/**
 * Grafana in the cluster and everything in it: the Helm release (admin login and single sign-on's
 * client secret from Kubernetes Secrets), a Grafana provider configured from that release so one
 * `pulumi up` does both (working with a service-account token the admin login mints), data
 * sources, a team and a folder per team with the folders' permissions, the dashboards from
 * dashboards/, and Grafana alerting (contact points, the notification policy tree and the
 * maintenance mute timing) from the one alert-channel definition.
 */
export class Grafana extends pulumi.ComponentResource {
  readonly provider: grafana.Provider;
  readonly outputs: {
    url: pulumi.Output<string>;
    namespace: string;
    dashboards: string[];
    dataSources: string[];
    /** Grafana's RDS database, when the stack has one. */
    database?: GrafanaDatabase["outputs"];
  };

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:grafana:Grafana", name, {}, opts);
    const { config } = args;
    const child = { parent: this };
    // Grafana's data is on the release's volume (SQLite) or reached through Secrets in it (the
    // database): deleting the namespace would delete the retained release and its volume with it.
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, grafanaNamespace(config), stateful);
    const refs: RefValues = {
      namespace: ns.metadata.name,
      ...secretValues(args.secrets),
      ...integrationKeyValues(args.pagerdutyKeys),
      ...(args.elasticsearchPassword === undefined
        ? {}
        : { "secret:elasticsearchReaderPassword": args.elasticsearchPassword }),
      ...(args.elasticsearchCaCert === undefined ? {} : { elasticsearchCaCert: args.elasticsearchCaCert }),
    };
    // Kept with the release that reads them: a destroy must not leave the kept pods without them.
    const admin = new k8s.core.v1.Secret(`${name}-admin`, wire(adminSecret(config), refs), stateful);
    const smtp = new k8s.core.v1.Secret(`${name}-smtp`, wire(smtpSecret(config), refs), stateful);
    const sso = singleSignOn(name, config, refs, stateful);
    // Grafana's data (users, alert state, annotations): in its PostgreSQL database when the stack
    // has one (production), else in SQLite on the release's volume.
    const dbSpec = grafanaDatabase(config);
    const database = dbSpec
      ? new GrafanaDatabase(`${name}-database`, { config, spec: dbSpec, namespace: ns.metadata.name }, child)
      : undefined;
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      wire(grafanaRelease(config), {
        ...refs,
        ...sso.refs,
        ...(database ? { databaseEndpoint: database.outputs.endpoint } : {}),
      }),
      { ...stateful, dependsOn: [admin, smtp, ...sso.secrets, ...(database ? [database.secret] : [])] },
    );

    // The provider reaches the release just deployed: its public host, or its in-cluster Service,
    // once what makes that URL valid exists and answers (the Ingress, certificate, DNS record).
    const url = pulumi.output(grafanaUrl(config));
    const adminPassword = refs["secret:grafanaAdminPassword"];
    if (adminPassword === undefined) throw new Error("grafana: the secret grafanaAdminPassword is not wired");
    const endpoint = grafanaEndpoint(name, { config, namespace: ns.metadata.name, release }, this);
    const ready = [release, ...endpoint.ready];
    // The admin login mints the service-account token; the provider works with the token. Same
    // resource and name as when it logged in as admin: only its `auth` input changed.
    const token = providerToken(name, { url, adminPassword, caCert: endpoint.caCert, ready }, this);
    this.provider = new grafana.Provider(
      `${name}-provider`,
      {
        url,
        auth: token.key,
        ...GRAFANA_PROVIDER_RETRY,
        ...(endpoint.caCert ? { caCert: endpoint.caCert } : {}),
      },
      { parent: this, dependsOn: ready },
    );
    const inGrafana = (extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
      parent: this,
      provider: this.provider,
      dependsOn: [release, ...endpoint.ready, ...extra],
    });

    const specs = dataSources(config, defaultUpstreams(config), {
      elasticsearchAuth: args.elasticsearchPassword !== undefined,
      elasticsearchCaCert: args.elasticsearchCaCert !== undefined,
    });
    const dataSourceResources = specs.map((ds) => {
      const { secureJsonData, ...rest } = dataSourceArgs(ds);
      const secure = wire(secureJsonData, refs);
      return new grafana.oss.DataSource(
        `${name}-ds-${ds.uid}`,
        {
          ...rest,
          ...(Object.keys(secure).length > 0
            ? { secureJsonDataEncoded: pulumi.secret(pulumi.all(secure).apply((v) => JSON.stringify(v))) }
            : {}),
        },
        inGrafana(),
      );
    });

    const folderResources = new Map(
      folders(config).map((f) => [
        f.uid,
        new grafana.oss.Folder(`${name}-folder-${f.uid}`, folderArgs(f), inGrafana()),
      ]),
    );
    teamsAndFolderPermissions(name, config, folderResources, inGrafana);
    const dashboards = renderDashboards(config);
    for (const d of dashboards) {
      const folder = folderResources.get(d.folderUid);
      if (!folder) throw new Error(`grafana: dashboard ${d.uid} is in unknown folder ${d.folderUid}`);
      new grafana.oss.Dashboard(
        `${name}-dashboard-${d.uid}`,
        wire(dashboardArgs(d), { [`folder:${d.folderUid}`]: folder.uid }),
        inGrafana([folder, ...dataSourceResources]),
      );
    }

    const contactPointResources = contactPoints(config).map(
      (cp) =>
        new grafana.alerting.ContactPoint(
          `${name}-cp-${cp.name}`,
          wire(contactPointArgs(cp), refs),
          inGrafana(),
        ),
    );
    const mute = maintenanceMuteTiming(config);
    const muteResources = mute
      ? [new grafana.alerting.MuteTiming(`${name}-mute-maintenance`, mute, inGrafana())]
      : [];
    const policy = new grafana.alerting.NotificationPolicy(
      `${name}-policy`,
      notificationPolicyArgs(notificationPolicy(config)),
      inGrafana([...contactPointResources, ...muteResources]),
    );
    // A service that stops logging while it runs: one rule group per team, in its folder.
    for (const g of logSilenceRuleGroups(config)) {
      const folder = folderResources.get(g.folderUid);
      if (!folder) throw new Error(`grafana: rule group for unknown folder ${g.folderUid}`);
      new grafana.alerting.RuleGroup(
        `${name}-rules-${g.folderUid}`,
        wire(g.args, { [`folder:${g.folderUid}`]: folder.uid }),
        inGrafana([folder, policy, ...dataSourceResources]),
      );
    }

    // DEBUG left on in production: one multi-dimensional rule per team (production stacks only).
    for (const g of debugLogsRuleGroups(config)) {
      const folder = folderResources.get(g.folderUid);
      if (!folder) throw new Error(`grafana: rule group for unknown folder ${g.folderUid}`);
      new grafana.alerting.RuleGroup(
        `${name}-log-levels-${g.folderUid}`,
        wire(g.args, { [`folder:${g.folderUid}`]: folder.uid }),
        inGrafana([folder, policy, ...dataSourceResources]),
      );
    }

    this.outputs = {
      url,
      namespace: config.grafana.namespace,
      dashboards: dashboards.map((d) => d.uid),
      dataSources: specs.map((s) => s.uid),
      ...(database ? { database: database.outputs } : {}),
    };
    this.registerOutputs(this.outputs);
  }
}
