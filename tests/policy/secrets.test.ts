import { describe, expect, it } from "vitest";
import { isSecretField, noPlaintextSecrets } from "../../policy/secrets";
import { resource, runPolicies, secretValue, violationsOf } from "./harness";

const run = async (...resources: Parameters<typeof runPolicies>[1]) =>
  violationsOf(await runPolicies([noPlaintextSecrets], resources), "no-plaintext-secrets");

describe("no-plaintext-secrets", () => {
  it("tells credential fields from references to them", () => {
    for (const k of [
      "adminPassword",
      "auth_password",
      "routing_key",
      "api_key",
      "apiKey",
      "slack_api_url",
      "GF_SECURITY_ADMIN_PASSWORD",
      "token",
    ])
      expect(isSecretField(k), k).toBe(true);
    for (const k of [
      "existingSecret",
      "routing_key_file",
      "auth_password_file",
      "passwordKey",
      "secretName",
      "userKey",
      "url",
      "opsgenie_api_url",
    ])
      expect(isSecretField(k), k).toBe(false);
  });
  it("passes Helm values that reference Secrets and files, and a Secret holding the credential", async () => {
    const release = resource("kubernetes:helm.sh/v3:Release", "kps", {
      values: {
        grafana: { admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" } },
        alertmanager: {
          config: {
            receivers: [
              { name: "p", pagerduty_configs: [{ routing_key_file: "/etc/alertmanager/secrets/x/key" }] },
              {
                name: "s",
                slack_configs: [
                  {
                    // Slack's public Web API method; the bot token is read from a file into a header.
                    api_url: "https://slack.com/api/chat.postMessage",
                    http_config: { authorization: { credentials_file: "/etc/alertmanager/secrets/x/token" } },
                  },
                ],
              },
            ],
          },
        },
        env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
        ini: "[security]\nadmin_password = $__file{/run/secrets/admin}\n",
      },
    });
    const secret = resource("kubernetes:core/v1:Secret", "s", {
      stringData: { "admin-password": secretValue("x9!long-random") },
    });
    expect(await run(release, secret)).toEqual([]);
  });
  it("flags credentials inline in Helm values, in embedded YAML, in env vars and in ini or Logstash text", async () => {
    const release = resource("kubernetes:helm.sh/v3:Release", "kps", {
      values: {
        grafana: { adminPassword: "hunter2" },
        alertmanager: {
          configText: "global:\n  slack_api_url: https://hooks.slack.com/services/T/B/X\n",
          // Only an exact Web API method URL passes: a path smuggling a token does not.
          config: {
            receivers: [{ slack_configs: [{ api_url: "https://slack.com/api/chat.postMessage/xoxb-1" }] }],
          },
        },
      },
    });
    const deployment = resource("kubernetes:apps/v1:Deployment", "app", {
      spec: { template: { spec: { containers: [{ env: [{ name: "SMTP_PASSWORD", value: "p4ss" }] }] } } },
    });
    const cm = resource("kubernetes:core/v1:ConfigMap", "ini", {
      data: { "grafana.ini": "[security]\nadmin_password = s3cret\n" },
    });
    const logstash = resource("kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "ls", {
      spec: {
        pipelines: [{ "config.string": "output {\n  elasticsearch {\n    password => 'plain'\n  }\n}" }],
      },
    });
    expect(await run(release, deployment, cm, logstash)).toEqual([
      "kps.values.grafana.adminPassword: credential in plaintext",
      "kps.values.alertmanager.configText.global.slack_api_url: credential in plaintext",
      "kps.values.alertmanager.config.receivers[0].slack_configs[0].api_url: credential in plaintext",
      "app.spec.template.spec.containers[0].env[0] (SMTP_PASSWORD): credential in plaintext",
      "ini.data.grafana.ini (admin_password): credential in plaintext",
      "ls.spec.pipelines[0].config.string (password): credential in plaintext",
    ]);
  });
  it("takes a Grafana sign-in section's api_url for the public userinfo endpoint it is, and nothing else", async () => {
    const release = (oauth: Record<string, unknown>) =>
      resource("kubernetes:helm.sh/v3:Release", "grafana", {
        values: { "grafana.ini": { "auth.generic_oauth": oauth } },
      });
    const userinfo = "https://sso.example.com/realms/acme/protocol/openid-connect/userinfo";
    expect(await run(release({ api_url: userinfo }))).toEqual([]);
    expect(
      await run(release({ api_url: "https://id:pw@sso.example.com/userinfo", client_secret: "s3cret" })),
    ).toEqual([
      "grafana.values.grafana.ini.auth.generic_oauth.api_url: URL with an embedded password",
      "grafana.values.grafana.ini.auth.generic_oauth.client_secret: credential in plaintext",
    ]);
    // Outside a sign-in section, api_url stays a credential field (Alertmanager's Slack webhook).
    const other = resource("kubernetes:helm.sh/v3:Release", "am", {
      values: { receiver: { api_url: userinfo } },
    });
    expect(await run(other)).toEqual(["am.values.receiver.api_url: credential in plaintext"]);
  });

  it("flags URLs with embedded passwords, also in provider config, and default passwords in Secrets", async () => {
    const ds = resource("kubernetes:core/v1:ConfigMap", "ds", {
      data: {
        url: "https://admin:pw@es.example.com:9200",
        hook: "https://hooks.slack.com/services/T0/B0/abc",
        "tls.key": "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n",
      },
    });
    const provider = resource("pulumi:providers:grafana", "grafana", {
      url: "https://admin:pw@grafana.example.com",
      auth: "admin:pw",
    });
    const secret = resource("kubernetes:core/v1:Secret", "grafana-admin", {
      stringData: { "admin-user": "admin", "admin-password": "prom-operator" },
    });
    expect(await run(ds, provider, secret)).toEqual([
      "ds.data.url: URL with an embedded password",
      "ds.data.hook: Slack webhook URL in plaintext",
      "ds.data.tls.key: private key in plaintext",
      "provider config grafana.url: URL with an embedded password",
      "Secret grafana-admin: stringData.admin-password holds a well-known default password",
    ]);
  });
});
