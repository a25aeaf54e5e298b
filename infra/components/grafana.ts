import { createHmac } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { SecretKey, StackConfig } from "../config";
import {
  ADMIN_SECRET,
  ADMIN_USER,
  type ContactPointSpec,
  contactPoints,
  dataSources,
  defaultUpstreams,
  folders,
  GRAFANA_CHART_REPO,
  GRAFANA_RELEASE,
  grafanaValues,
  maintenanceMuteTiming,
  notificationPolicy,
  type PolicyRoute,
  renderDashboards,
  SMTP_SECRET,
  type SecureSource,
} from "../generators/grafana";

export interface GrafanaArgs {
  config: StackConfig;
  /** Secret config values (pulumi.secret Outputs): grafanaAdminPassword, smtpPassword, the channel keys, sentryAuthToken. */
  secrets: Partial<Record<SecretKey, pulumi.Input<string>>>;
  /** From the metrics component; defaults to kube-prometheus-stack's in-cluster Services. */
  prometheusUrl?: pulumi.Input<string>;
  alertmanagerUrl?: pulumi.Input<string>;
  /** From the logging component; defaults to the ECK cluster's in-cluster Service. */
  elasticsearchUrl?: pulumi.Input<string>;
  /** Password of `grafana.logs.username` and the CA of Elasticsearch's HTTP certificate (secrets). */
  elasticsearchPassword?: pulumi.Input<string>;
  elasticsearchCaCert?: pulumi.Input<string>;
}

/**
 * The Elasticsearch user Grafana's logs data source logs in as (the logging stack creates it with
 * its read-only `grafana-reader` role). Its password is derived from the Grafana admin password
 * (HMAC-SHA256), so it needs no secret config key of its own, stays a secret Output, and rotates
 * with the admin password.
 */
export function elasticsearchReader(
  config: Pick<StackConfig, "grafana">,
  adminPassword: pulumi.Input<string>,
): { username: string; password: pulumi.Output<string> } {
  return {
    username: config.grafana.logs.username,
    password: pulumi.secret(
      pulumi
        .output(adminPassword)
        .apply((p) =>
          createHmac("sha256", p).update("observability/grafana/elasticsearch-reader").digest("base64url"),
        ),
    ),
  };
}

/** Fails before any Output exists: a missing secret is a config error, not an apply failure. */
function need(secrets: GrafanaArgs["secrets"], key: SecretKey): pulumi.Input<string> {
  const v = secrets[key];
  if (v === undefined)
    throw new Error(`grafana: secret ${key} is not set (pulumi config set --secret ${key} <value>)`);
  return v;
}

type ContactPointInputs = Omit<grafana.alerting.ContactPointArgs, "name">;

function integration(cp: ContactPointSpec, secret: pulumi.Input<string>): ContactPointInputs {
  const disableResolveMessage = !cp.sendResolved;
  switch (cp.kind) {
    case "pagerduty":
      return {
        pagerduties: [
          {
            integrationKey: pulumi.secret(secret),
            severity: "critical",
            ...(cp.team ? { component: cp.team, group: cp.team } : {}),
            disableResolveMessage,
          },
        ],
      };
    case "opsgenie":
      return { opsgenies: [{ apiKey: pulumi.secret(secret), autoClose: true, disableResolveMessage }] };
    case "email":
      return { emails: [{ addresses: [cp.address], singleEmail: true, disableResolveMessage }] };
    case "slack":
      return { slacks: [{ url: pulumi.secret(secret), recipient: cp.address, disableResolveMessage }] };
  }
}

function policyRoute(r: PolicyRoute): grafana.types.input.alerting.NotificationPolicyPolicy {
  return {
    matchers: r.matchers,
    ...(r.contactPoint ? { contactPoint: r.contactPoint } : {}),
    ...(r.groupWait
      ? { groupWait: r.groupWait, groupInterval: r.groupInterval, repeatInterval: r.repeatInterval }
      : {}),
    ...(r.muteTimings.length > 0 ? { muteTimings: r.muteTimings } : {}),
    ...(r.routes.length > 0 ? { policies: r.routes.map(policyRoute) } : {}),
  };
}

/**
 * Grafana in the cluster and everything in it: the Helm release (admin login from a Kubernetes
 * Secret), a Grafana provider configured from that release so one `pulumi up` does both, data
 * sources, a folder per team, the dashboards from dashboards/, and Grafana alerting (contact
 * points, the notification policy tree and the maintenance mute timing) from the one alert-channel
 * definition.
 */
export class Grafana extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly namespace: string;
  readonly dashboardUids: string[];
  readonly provider: grafana.Provider;
  readonly outputs: {
    url: pulumi.Output<string>;
    namespace: string;
    dashboards: string[];
    dataSources: string[];
  };

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:grafana:Grafana", name, {}, opts);
    const { config, secrets } = args;
    const g = config.grafana;
    const adminPassword = need(secrets, "grafanaAdminPassword");
    const smtpPassword = need(secrets, "smtpPassword");
    const cps = contactPoints(config);
    const channelSecrets = new Map(cps.map((cp) => [cp.secretKey, need(secrets, cp.secretKey)]));
    const sentryToken = g.sentryDataSource ? need(secrets, "sentryAuthToken") : undefined;
    const labels = {
      "app.kubernetes.io/part-of": "observability",
      "app.kubernetes.io/managed-by": "pulumi",
      environment: config.environment,
    };
    this.namespace = g.namespace;

    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: g.namespace, labels } },
      { parent: this },
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { name: ADMIN_SECRET, namespace: ns.metadata.name, labels },
        type: "Opaque",
        stringData: { "admin-user": ADMIN_USER, "admin-password": pulumi.secret(adminPassword) },
      },
      { parent: this },
    );
    const smtpSecret = new k8s.core.v1.Secret(
      `${name}-smtp`,
      {
        metadata: { name: SMTP_SECRET, namespace: ns.metadata.name, labels },
        type: "Opaque",
        stringData: { user: config.alerting.email.username, password: pulumi.secret(smtpPassword) },
      },
      { parent: this },
    );
    // Grafana's database (users, alert state, annotations) is on the release's volume.
    const release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: GRAFANA_RELEASE,
        chart: "grafana",
        version: g.chartVersion,
        repositoryOpts: { repo: GRAFANA_CHART_REPO },
        namespace: ns.metadata.name,
        values: grafanaValues(config),
        atomic: true,
        timeout: 600,
      },
      {
        parent: this,
        dependsOn: [adminSecret, smtpSecret],
        protect: config.production,
        retainOnDelete: config.production,
      },
    );

    // The provider reaches the release just deployed: its public host, or its in-cluster Service.
    this.url = g.hostname
      ? pulumi.output(`https://${g.hostname}`)
      : pulumi.interpolate`http://${release.name}.${release.namespace}.svc.cluster.local`;
    this.provider = new grafana.Provider(
      `${name}-provider`,
      { url: this.url, auth: pulumi.secret(pulumi.interpolate`${ADMIN_USER}:${adminPassword}`), retries: 10 },
      { parent: this, dependsOn: [release] },
    );
    const inGrafana = (extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
      parent: this,
      provider: this.provider,
      dependsOn: [release, ...extra],
    });

    const upstream = defaultUpstreams(config);
    const secureValues: Record<SecureSource, pulumi.Input<string> | undefined> = {
      elasticsearchPassword: args.elasticsearchPassword,
      elasticsearchCaCert: args.elasticsearchCaCert,
      sentryAuthToken: sentryToken,
    };
    const urls: Record<string, pulumi.Input<string>> = {
      prometheus: args.prometheusUrl ?? upstream.prometheusUrl,
      alertmanager: args.alertmanagerUrl ?? upstream.alertmanagerUrl,
      elasticsearch: args.elasticsearchUrl ?? upstream.elasticsearchUrl,
    };
    const specs = dataSources(config, upstream, {
      elasticsearchAuth: args.elasticsearchPassword !== undefined,
      elasticsearchCaCert: args.elasticsearchCaCert !== undefined,
    });
    const dataSourceResources = specs.map((ds) => {
      const secure = Object.entries(ds.secure);
      return new grafana.oss.DataSource(
        `${name}-ds-${ds.uid}`,
        {
          uid: ds.uid,
          name: ds.name,
          type: ds.type,
          url: urls[ds.type] ?? ds.url,
          isDefault: ds.isDefault,
          ...(ds.basicAuthUser ? { basicAuthEnabled: true, basicAuthUsername: ds.basicAuthUser } : {}),
          jsonDataEncoded: JSON.stringify(ds.jsonData),
          ...(secure.length > 0
            ? {
                secureJsonDataEncoded: pulumi.secret(
                  pulumi
                    .all(
                      Object.fromEntries(
                        secure.map(([field, source]) => [field, secureValues[source] ?? ""]),
                      ),
                    )
                    .apply((v) => JSON.stringify(v)),
                ),
              }
            : {}),
        },
        inGrafana(),
      );
    });

    const folderResources = new Map(
      folders(config).map((f) => [
        f.uid,
        new grafana.oss.Folder(`${name}-folder-${f.uid}`, { uid: f.uid, title: f.title }, inGrafana()),
      ]),
    );
    const dashboards = renderDashboards(config);
    for (const d of dashboards) {
      const folder = folderResources.get(d.folderUid)!;
      new grafana.oss.Dashboard(
        `${name}-dashboard-${d.uid}`,
        {
          configJson: JSON.stringify(d.model),
          folder: folder.uid,
          overwrite: true,
          message: "Managed by Pulumi (dashboards/)",
        },
        inGrafana([folder, ...dataSourceResources]),
      );
    }
    this.dashboardUids = dashboards.map((d) => d.uid);

    const contactPointResources = cps.map(
      (cp) =>
        new grafana.alerting.ContactPoint(
          `${name}-cp-${cp.name}`,
          { name: cp.name, ...integration(cp, channelSecrets.get(cp.secretKey)!) },
          inGrafana(),
        ),
    );
    const mute = maintenanceMuteTiming(config);
    const muteResources = mute
      ? [
          new grafana.alerting.MuteTiming(
            `${name}-mute-maintenance`,
            { name: mute.name, intervals: mute.intervals },
            inGrafana(),
          ),
        ]
      : [];
    // One resource for the whole tree: Grafana replaces the policy tree as a unit.
    const policy = notificationPolicy(config);
    new grafana.alerting.NotificationPolicy(
      `${name}-policy`,
      {
        contactPoint: policy.contactPoint,
        groupBies: policy.groupBy,
        groupWait: policy.groupWait,
        groupInterval: policy.groupInterval,
        repeatInterval: policy.repeatInterval,
        policies: policy.routes.map(policyRoute),
      },
      inGrafana([...contactPointResources, ...muteResources]),
    );

    this.outputs = {
      url: this.url,
      namespace: this.namespace,
      dashboards: this.dashboardUids,
      dataSources: specs.map((s) => s.uid),
    };
    this.registerOutputs(this.outputs);
  }
}
