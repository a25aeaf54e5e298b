/**
 * Config keys that hold secrets. They are accepted only as Pulumi secrets
 * (`pulumi config set --secret`), never appear in the validated plain config, and reach the
 * program as `pulumi.Output<string>` marked secret.
 */
export const SECRET_KEYS = [
  "slackBotToken",
  "pagerdutyRoutingKey",
  "pagerdutyToken",
  "opsgenieApiKey",
  "smtpPassword",
  "sentryAuthToken",
  "grafanaAdminPassword",
  "grafanaOidcClientSecret",
  "newrelicApiKey",
  "deadMansSwitchUrl",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Secrets every stack needs, whatever its settings; the others depend on the settings. */
export const ALWAYS_REQUIRED = [
  "slackBotToken",
  "smtpPassword",
  "grafanaAdminPassword",
  "sentryAuthToken",
  "deadMansSwitchUrl",
] as const;

/** A stack's secret values after loading: the ones every stack needs are always there. */
export type StackSecrets = Record<(typeof ALWAYS_REQUIRED)[number], string> &
  Partial<Record<SecretKey, string>>;

export const SECRET_MEANING: Readonly<Record<SecretKey, string>> = {
  slackBotToken:
    "Slack app bot token (`xoxb-...`, scope `chat:write`) that posts P3 alerts to each team's channel with chat.postMessage; invite the app to every channel",
  pagerdutyRoutingKey:
    "PagerDuty Events v2 routing key for P1 pages (pagingProvider: pagerduty, without alerting.pagerduty.managed: managed PagerDuty pages through each team's own integration key)",
  pagerdutyToken:
    "PagerDuty REST API token for the PagerDuty provider (only when alerting.pagerduty.managed is on)",
  opsgenieApiKey: "Opsgenie API key for P1 pages (pagingProvider: opsgenie)",
  smtpPassword: "SMTP password for P2 email",
  sentryAuthToken:
    "Sentry API token (scopes org:read, team:write, project:write, alerts:write) for the Sentry provider, the data-scrubbing settings and the metric alert rules",
  grafanaAdminPassword:
    "Grafana admin password: the break-glass account, and the login the program mints its service-account token with (set it before the first deploy: Grafana applies it only when it creates the admin, see docs/design/grafana.md#break-glass)",
  grafanaOidcClientSecret:
    "OAuth client secret of Grafana at the identity provider (only with grafana.auth.oidc); it reaches Grafana through the Kubernetes Secret grafana-oauth",
  newrelicApiKey: "New Relic user API key (only when frontend.newRelic is enabled)",
  deadMansSwitchUrl:
    "Dead man's switch webhook URL (e.g. a healthchecks.io ping URL) that receives the always-firing Watchdog every minute and raises the alarm when it stops (give it a grace of at least 3 minutes: one gap can reach about 2m15s when an Alertmanager replica dies); whoever has it can silence the switch",
};

/** How each secret's value is checked; messages never echo the value. */
export const SECRET_FORMAT: Readonly<Record<SecretKey, "url" | "token" | "password">> = {
  slackBotToken: "token",
  pagerdutyRoutingKey: "token",
  pagerdutyToken: "token",
  opsgenieApiKey: "token",
  smtpPassword: "password",
  sentryAuthToken: "token",
  grafanaAdminPassword: "password",
  grafanaOidcClientSecret: "token",
  newrelicApiKey: "token",
  deadMansSwitchUrl: "url",
};
