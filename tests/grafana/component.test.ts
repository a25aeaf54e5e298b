import { beforeAll, describe, expect, it } from "vitest";
import { GRAFANA_CHART } from "../../infra/versions";
import { GROUP_BY } from "../../infra/generators/metrics/alertmanager";
import {
  ADMIN_SECRET,
  contactPoints,
  defaultUpstreams,
  MAINTENANCE_MUTE_TIMING,
  SMTP_SECRET,
} from "../../infra/generators/grafana";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { isSecret, redact } from "../../scripts/lib/recorded";
import { type RenderResult, renderFiles } from "../../scripts/lib/render-files";
import { one, ofType, rendered, STACKS } from "../helpers/render";

const T = {
  component: "observability:grafana:Grafana",
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  release: "kubernetes:helm.sh/v3:Release",
  provider: "pulumi:providers:grafana",
  dataSource: "grafana:oss/dataSource:DataSource",
  folder: "grafana:oss/folder:Folder",
  dashboard: "grafana:oss/dashboard:Dashboard",
  contactPoint: "grafana:alerting/contactPoint:ContactPoint",
  policy: "grafana:alerting/notificationPolicy:NotificationPolicy",
  mute: "grafana:alerting/muteTiming:MuteTiming",
};

const PLACEHOLDER = "offline-placeholder-";

/** Component tests on the real program's render of each stack (Pulumi mocks). */
describe.each(STACKS)("Grafana component (%s)", (stack) => {
  let result: RenderResult;
  let mine: RecordedResource[];
  const byType = (type: string) => mine.filter((r) => r.type === type);

  beforeAll(() => {
    result = rendered(stack);
    const component = one(result, T.component, "grafana");
    mine = result.resources.filter((r) => r.parent === component.urn);
  });

  it("deploys the pinned grafana chart with its logins from Kubernetes Secrets", () => {
    const g = result.config.grafana;
    expect(one(result, T.namespace, "grafana-ns").inputs).toMatchObject({
      metadata: { name: g.namespace },
    });
    const release = one(result, T.release, "grafana-release");
    expect(release.inputs).toMatchObject({
      chart: "grafana",
      version: g.chartVersion,
      namespace: g.namespace,
      repositoryOpts: { repo: GRAFANA_CHART.repo },
    });
    expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = release.inputs.values as Record<string, { existingSecret?: string }>;
    expect(values.admin?.existingSecret).toBe(ADMIN_SECRET);
    expect(values.smtp?.existingSecret).toBe(SMTP_SECRET);
    expect(values).not.toHaveProperty("adminPassword");
    const admin = one(result, T.secret, "grafana-admin");
    expect(admin.inputs).toMatchObject({ metadata: { name: ADMIN_SECRET, namespace: g.namespace } });
    expect(isSecret(admin.inputs.stringData)).toBe(true);
    expect(isSecret(one(result, T.secret, "grafana-smtp").inputs.stringData)).toBe(true);
    expect(release.protect).toBe(result.config.production);
    expect(release.retainOnDelete).toBe(result.config.production);
  });

  it("configures the Grafana provider from the release, with secret credentials", () => {
    const provider = one(result, T.provider, "grafana-provider");
    const g = result.config.grafana;
    expect(provider.inputs.url).toBe(
      g.hostname ? `https://${g.hostname}` : `http://grafana.${g.namespace}.svc.cluster.local`,
    );
    expect(isSecret(provider.inputs.auth)).toBe(true);
    for (const r of result.resources.filter((x) => x.type.startsWith("grafana:")))
      expect(r.parent, r.name).toBe(provider.parent);
  });

  it("puts no secret value in plain text into any input or rendered file", () => {
    const component = one(result, T.component, "grafana");
    for (const r of [component, ...mine]) {
      expect(JSON.stringify(redact(r.inputs)), `${r.type} ${r.name}`).not.toContain(PLACEHOLDER);
    }
    for (const f of renderFiles(result).filter((x) => x.path.startsWith("grafana/")))
      expect(f.content).not.toContain(PLACEHOLDER);
  });

  it("creates the data sources, wired to the metrics and logging stacks", () => {
    const ds = Object.fromEntries(byType(T.dataSource).map((r) => [r.inputs.uid as string, r.inputs]));
    expect(Object.keys(ds).sort()).toEqual(["alertmanager", "elasticsearch-logs", "prometheus", "sentry"]);
    const outputs = result.outputs as {
      metrics: { prometheusUrl: string; alertmanagerUrl: string };
      thanos: { queryFrontendUrl: string };
      logging: { elasticsearchUrl: string };
    };
    // The default data source reads Thanos's Query Frontend (deduplicated, long-term), never one
    // Prometheus replica through its Service.
    expect(ds.prometheus!.url).toBe(outputs.thanos.queryFrontendUrl);
    expect(ds.prometheus!.url).not.toBe(outputs.metrics.prometheusUrl);
    expect(ds.prometheus!.isDefault).toBe(true);
    expect(JSON.parse(ds.prometheus!.jsonDataEncoded as string)).toMatchObject({ prometheusType: "Thanos" });
    expect(ds.alertmanager!.url).toBe(outputs.metrics.alertmanagerUrl);
    expect(ds["elasticsearch-logs"]!.url).toBe(outputs.logging.elasticsearchUrl);
    // The generator's defaults (summary, standalone use) name the same Services.
    expect(defaultUpstreams(result.config)).toEqual({
      prometheusUrl: outputs.thanos.queryFrontendUrl,
      alertmanagerUrl: outputs.metrics.alertmanagerUrl,
      elasticsearchUrl: outputs.logging.elasticsearchUrl,
    });
    expect(JSON.parse(ds["elasticsearch-logs"]!.jsonDataEncoded as string)).toMatchObject({
      index: "logs-*",
      timeField: "@timestamp",
    });
    expect(JSON.parse(ds.sentry!.jsonDataEncoded as string)).toEqual({
      url: result.config.sentry.baseUrl,
      orgSlug: result.config.sentry.organization,
    });
    expect(isSecret(ds.sentry!.secureJsonDataEncoded)).toBe(true);
    // The logs data source logs in as the reader user the logging stack creates.
    expect(ds["elasticsearch-logs"]).toMatchObject({
      basicAuthEnabled: true,
      basicAuthUsername: result.config.grafana.logs.username,
    });
    expect(isSecret(ds["elasticsearch-logs"]!.secureJsonDataEncoded)).toBe(true);
    const reader = one(result, T.secret, "logging-grafana-reader");
    expect(isSecret(reader.inputs.stringData)).toBe(true);
  });

  it("verifies Elasticsearch's TLS with the logging stack's CA, never skipping verification", () => {
    const logs = one(result, T.dataSource, "grafana-ds-elasticsearch-logs").inputs;
    const jsonData = JSON.parse(logs.jsonDataEncoded as string);
    expect(jsonData.tlsAuthWithCACert).toBe(true);
    expect(jsonData).not.toHaveProperty("tlsSkipVerify");
    expect(isSecret(logs.secureJsonDataEncoded)).toBe(true);
    // The mocks keep the secret's value wrapped; the CA in it is the one the logging stack exports.
    const secure = JSON.parse((logs.secureJsonDataEncoded as { value: string }).value);
    const ca = (result.outputs as { logging: { elasticsearchCaCert: string } }).logging.elasticsearchCaCert;
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(secure.tlsCACert).toBe(ca);
    expect(secure.basicAuthPassword).toEqual(expect.any(String));
    for (const ds of byType(T.dataSource))
      expect(ds.inputs.jsonDataEncoded as string, ds.name).not.toContain("tlsSkipVerify");
  });

  it("creates a folder per team and every dashboard in its folder", () => {
    const folders = byType(T.folder).map((r) => r.inputs.uid as string);
    expect(folders.sort()).toEqual(
      ["observability-shared", ...result.config.teams.map((t) => `team-${t.name}`)].sort(),
    );
    const dashboards = byType(T.dashboard);
    expect(dashboards).toHaveLength(10);
    for (const d of dashboards) {
      const model = JSON.parse(d.inputs.configJson as string) as { uid: string; title: string };
      expect(d.name).toBe(`grafana-dashboard-${model.uid}`);
      expect(folders).toContain(d.inputs.folder);
      expect(model.title.length).toBeGreaterThan(0);
    }
    expect(result.artifacts.filter((a) => a.path.startsWith("grafana/dashboards/"))).toHaveLength(10);
  });

  it("creates the contact points of the alert-channel table with secret keys and the Slack bot token", () => {
    const cps = byType(T.contactPoint);
    expect(cps.map((c) => c.inputs.name).sort()).toEqual(
      contactPoints(result.config)
        .map((c) => c.name)
        .sort(),
    );
    for (const c of cps) {
      const pd = (c.inputs.pagerduties as { integrationKey: unknown }[] | undefined)?.[0];
      const slack = (
        c.inputs.slacks as { token: unknown; url?: unknown; recipient: string }[] | undefined
      )?.[0];
      const email = (c.inputs.emails as { addresses: string[] }[] | undefined)?.[0];
      expect([pd, slack, email].filter(Boolean), c.name).toHaveLength(1);
      if (pd) expect(isSecret(pd.integrationKey)).toBe(true);
      if (slack) {
        // The bot token posts to the contact point's own channel; no webhook URL is involved.
        expect(isSecret(slack.token)).toBe(true);
        expect(slack.url).toBeUndefined();
        const spec = contactPoints(result.config).find((p) => p.name === c.inputs.name)!;
        expect(slack.recipient).toBe(spec.address);
      }
      if (email) expect(email.addresses[0]).toMatch(/@/);
    }
  });

  it("replaces the whole policy tree with one notification policy and mutes maintenance windows", () => {
    const [policy, ...more] = byType(T.policy);
    expect(more).toHaveLength(0);
    expect(policy!.inputs.groupBies).toEqual(GROUP_BY);
    const routes = policy!.inputs.policies as { matchers: { value: string }[]; muteTimings?: string[] }[];
    expect(routes.map((r) => r.matchers[0]!.value)).toEqual(["P1", "P2", "P3"]);
    const mute = byType(T.mute);
    expect(mute.map((m) => m.inputs.name)).toEqual([MAINTENANCE_MUTE_TIMING]);
    for (const r of routes) {
      const muted = result.config.alerting.maintenance.mutedPriorities.includes(
        r.matchers[0]!.value as never,
      );
      expect(r.muteTimings ?? [], r.matchers[0]!.value).toEqual(muted ? [MAINTENANCE_MUTE_TIMING] : []);
    }
  });

  it("exports the Grafana URL and what it provisioned", () => {
    const out = (result.outputs as { grafana: { url: string; dashboards: string[]; dataSources: string[] } })
      .grafana;
    expect(out.url).toBe(one(result, T.provider, "grafana-provider").inputs.url);
    expect(out.dashboards).toHaveLength(10);
    expect(ofType(result, T.component)).toHaveLength(1);
  });
});
