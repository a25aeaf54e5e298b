import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { SecretKey } from "../../infra/config";
import { redact, reveal } from "../../scripts/lib/recorded";
import { stackConfig } from "../../scripts/lib/stack-config";

/**
 * What the shared render does not record: each registration's provider reference and
 * dependencies. This file installs Pulumi's mocks itself and constructs the component directly,
 * with real-looking secrets and the Elasticsearch credentials the logging stack will hand over.
 */

interface Registration {
  type: string;
  name: string;
  urn: string;
  provider: string;
  dependencies: string[];
  inputs: Record<string, unknown>;
}
interface Req {
  getType(): string;
  getName(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Monitor = {
  registerResource(req: Req, cb: (err: unknown, resp: { getUrn(): string } | undefined) => void): unknown;
};

// biome-ignore lint/suspicious/noExplicitAny: internal Pulumi runtime module, untyped.
const settings: any = require("@pulumi/pulumi/runtime/settings");
const SECRET_TEXT = "s3cr3t-value-";
const registrations: Registration[] = [];
const secret = (key: string) => pulumi.secret(`${SECRET_TEXT}${key}`);

async function construct(secrets: Partial<Record<SecretKey, pulumi.Output<string>>>) {
  const { Grafana } = await import("../../infra/components/grafana.js");
  return new Grafana("grafana", {
    config: stackConfig("dev"),
    secrets,
    // dev manages PagerDuty: the PagerDuty component's integration keys, per team.
    pagerdutyKeys: { platform: secret("pd-platform"), web: secret("pd-web") },
    elasticsearchPassword: secret("es-password"),
    elasticsearchCaCert: secret("es-ca"),
  });
}

const ALL_SECRETS = () => ({
  grafanaAdminPassword: secret("admin"),
  smtpPassword: secret("smtp"),
  slackBotToken: secret("slack"),
  pagerdutyRoutingKey: secret("pagerduty"),
  sentryAuthToken: secret("sentry"),
});

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        // Grafana mints the token; its key is a secret output.
        state: args.type.endsWith("ServiceAccountRotatingToken")
          ? { ...args.inputs, key: `${SECRET_TEXT}token` }
          : args.inputs,
      }),
      call: () => ({}),
    },
    "observability",
    "dev",
    false,
  );
  const monitor = settings.getMonitor() as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp)
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          provider: req.getProvider(),
          dependencies: req.getDependenciesList(),
          inputs: req.getObject()?.toJavaScript() ?? {},
        });
      cb(err, resp);
    });
  await construct(ALL_SECRETS());
  await settings.waitForRPCs();
});

/** The service account and its token: the only resources of the bootstrap (admin) provider. */
const BOOTSTRAPPED = [
  "grafana:oss/serviceAccount:ServiceAccount",
  "grafana:oss/serviceAccountRotatingToken:ServiceAccountRotatingToken",
];

describe("Grafana component wiring", () => {
  it("creates every Grafana resource through the provider built from the release, after the release", () => {
    const release = registrations.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    const provider = registrations.find(
      (r) => r.type === "pulumi:providers:grafana" && r.name === "grafana-provider",
    )!;
    const bootstrap = registrations.find(
      (r) => r.type === "pulumi:providers:grafana" && r.name === "grafana-bootstrap-provider",
    )!;
    expect(registrations.filter((r) => r.type === "pulumi:providers:grafana")).toHaveLength(2);
    for (const p of [provider, bootstrap]) expect(p.dependencies, p.name).toContain(release.urn);
    const grafanaResources = registrations.filter((r) => r.type.startsWith("grafana:"));
    expect(grafanaResources.length).toBeGreaterThan(20);
    for (const r of grafanaResources) {
      const via = BOOTSTRAPPED.includes(r.type) ? bootstrap : provider;
      expect(r.provider.startsWith(`${via.urn}::`), `${r.type} ${r.name} uses ${r.provider}`).toBe(true);
      expect(r.dependencies, `${r.type} ${r.name}`).toContain(release.urn);
    }
    expect(grafanaResources.filter((r) => BOOTSTRAPPED.includes(r.type)).map((r) => r.type)).toEqual(
      BOOTSTRAPPED,
    );
    for (const r of registrations.filter((x) => x.type.startsWith("kubernetes:")))
      expect(r.provider).not.toContain("providers:grafana");
  });

  it("logs the main provider in with the service account's token, the bootstrap one with the admin login", () => {
    const provider = registrations.find((r) => r.name === "grafana-provider")!;
    const bootstrap = registrations.find((r) => r.name === "grafana-bootstrap-provider")!;
    const token = registrations.find((r) => r.type === BOOTSTRAPPED[1])!;
    const account = registrations.find((r) => r.type === BOOTSTRAPPED[0])!;
    expect(provider.dependencies).toContain(token.urn);
    expect(reveal(provider.inputs.auth)).toBe(`${SECRET_TEXT}token`);
    expect(reveal(bootstrap.inputs.auth)).toBe(`admin:${SECRET_TEXT}admin`);
    for (const p of [provider, bootstrap]) expect(redact(p.inputs.auth), p.name).toBe("[secret]");
    expect(account.inputs).toMatchObject({ name: "pulumi", role: "Admin" });
    expect(token.dependencies).toContain(account.urn);
    expect(token.inputs).toMatchObject({
      serviceAccountId: `${account.name}-id`,
      secondsToLive: 90 * 86_400,
      earlyRotationWindowSeconds: 30 * 86_400,
      deleteOnDestroy: true,
    });
  });

  it("creates the policy after the contact points and the mute timing it names", () => {
    const policy = registrations.find(
      (r) => r.type === "grafana:alerting/notificationPolicy:NotificationPolicy",
    )!;
    const named = registrations.filter(
      (r) =>
        r.type === "grafana:alerting/contactPoint:ContactPoint" ||
        r.type === "grafana:alerting/muteTiming:MuteTiming",
    );
    expect(named.length).toBe(8);
    for (const r of named) expect(policy.dependencies, r.name).toContain(r.urn);
  });

  it("passes Elasticsearch credentials only through secureJsonData, as secrets", () => {
    const es = registrations.find(
      (r) => r.type === "grafana:oss/dataSource:DataSource" && r.inputs.uid === "elasticsearch-logs",
    )!;
    expect(es.inputs).toMatchObject({ basicAuthEnabled: true, basicAuthUsername: "grafana-reader" });
    expect(JSON.parse(es.inputs.jsonDataEncoded as string)).toMatchObject({ tlsAuthWithCACert: true });
    expect(redact(es.inputs.secureJsonDataEncoded)).toBe("[secret]");
  });

  it("pages each team's P1 contact point with the team's own integration key, as a secret", () => {
    for (const team of ["platform", "web"]) {
      const cp = registrations.find(
        (r) => r.type === "grafana:alerting/contactPoint:ContactPoint" && r.inputs.name === `P1-${team}`,
      )!;
      const key = (cp.inputs.pagerduties as { integrationKey: unknown }[])[0]!.integrationKey;
      expect(JSON.stringify(key)).toContain(`${SECRET_TEXT}pd-${team}`);
      expect(redact(key)).toBe("[secret]");
    }
  });

  it("never shows a secret value outside a secret", () => {
    expect(registrations.length).toBeGreaterThan(25);
    for (const r of registrations)
      expect(JSON.stringify(redact(r.inputs)), `${r.type} ${r.name}`).not.toContain(SECRET_TEXT);
  });

  it("derives the Elasticsearch reader's password from the admin password, as a secret", async () => {
    const { elasticsearchReader } = await import("../../infra/components/grafana.js");
    const value = (o: pulumi.Output<string>) => new Promise<string>((resolve) => o.apply(resolve));
    const a = elasticsearchReader(stackConfig("dev"), pulumi.secret("admin-one"));
    const b = elasticsearchReader(stackConfig("dev"), pulumi.secret("admin-two"));
    expect(a.username).toBe("grafana-reader");
    expect(await pulumi.isSecret(a.password)).toBe(true);
    const [pa, pa2, pb] = await Promise.all([
      value(a.password),
      value(elasticsearchReader(stackConfig("dev"), "admin-one").password),
      value(b.password),
    ]);
    expect(pa).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pa).toBe(pa2);
    expect(pa).not.toBe(pb);
    expect(pa).not.toContain("admin-one");
  });

  it("refuses to start without the admin password, before any Output exists", async () => {
    const { grafanaAdminPassword: _, ...rest } = ALL_SECRETS();
    await expect(construct(rest)).rejects.toThrow(/no value wired for reference secret:grafanaAdminPassword/);
  });
});
