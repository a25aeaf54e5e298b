import { configProblems } from "../helpers/config";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError, PROJECT, parseStackConfig } from "../../infra/config";
import { alertmanagerConfig, maintenanceIntervals } from "../../infra/generators/metrics/alertmanager";
import { ruleFile } from "../../infra/generators/metrics";
import { stackConfig } from "../../scripts/lib/stack-config";
import { REPO_ROOT, readStackFile } from "../../scripts/lib/stack-file";
import { runTool, tempFiles } from "../helpers/tools";
import { render } from "../helpers/variant";
import { toYaml } from "../../infra/artifacts";

/**
 * Hostile and careless stack configs: every value the schema accepts must become something the
 * real tools accept and that means what was written; everything else is a config error that
 * names the key.
 */

type Json = unknown;

/** The dev stack file with one value replaced at a path such as `services.0.name`. */
function withValue(
  path: string,
  value: Json,
  stack = "dev",
): { config: Record<string, string>; secretKeys: Set<string> } {
  const file = readStackFile(stack);
  const [top, ...rest] = path.split(".");
  const full = `${PROJECT}:${top}`;
  if (rest.length === 0) {
    file.config[full] = typeof value === "string" ? value : JSON.stringify(value);
  } else {
    const root = JSON.parse(file.config[full] ?? "{}") as Record<string, Json>;
    let node = root as Record<string, Json>;
    for (const key of rest.slice(0, -1)) {
      node[key] ??= /^\d+$/.test(key) ? [] : {};
      node = node[key] as Record<string, Json>;
    }
    node[rest.at(-1)!] = value;
    file.config[full] = JSON.stringify(root);
  }
  return { config: file.config, secretKeys: new Set(file.secretKeys) };
}

/** The problems of the dev stack with one value replaced, or [] when it is accepted. */
function problems(path: string, value: Json, stack = "dev"): string[] {
  const { config, secretKeys } = withValue(path, value, stack);
  return configProblems(config, secretKeys);
}

/** Where the error names the key: `services.0.name` -> `observability:services[0].name`. */
const keyText = (path: string): string => `${PROJECT}:${path.replace(/\.(\d+)/g, "[$1]")}`;

/** The namespace matcher every override selector that uses {{job}} needs. */
const NS = 'namespace="{{namespace}}"';

/** Overrides that have {{namespace}}, but not in every selector that picks the service by {{job}}. */
const SELECTORS_WITHOUT_NAMESPACE = [
  // the second selector lacks it
  `sum(rate(x{${NS},job="{{job}}",code=~"5.."}[{{window}}])) / sum(rate(x{job="{{job}}"}[{{window}}]))`,
  // excluded, not selected
  `sum(rate(x{namespace!="{{namespace}}",job="{{job}}"}[{{window}}]))`,
  // one namespace among others
  `sum(rate(x{namespace=~"{{namespace}}|marketing",job="{{job}}"}[{{window}}]))`,
  // {{job}} in the metric name
  `sum(rate({{job}}_errors_total[{{window}}])) + 0 * sum(rate(x{${NS}}[{{window}}]))`,
  // {{job}} in no selector at all: every service's series recorded under this one's name
  `label_replace(sum(rate(x{${NS}}[{{window}}])), "job", "{{job}}", "", "")`,
];

/** The prod stack's grafana.auth.oidc with some keys replaced (undefined removes one): for the dev stack. */
function oidc(extra: Record<string, Json>): Json {
  const grafana = JSON.parse(readStackFile("prod").config[`${PROJECT}:grafana`]!) as {
    auth: { oidc: Record<string, Json> };
  };
  const out: Record<string, Json> = { ...grafana.auth.oidc, ...extra };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

const service = (extra: Record<string, Json>) => [
  { name: "api", team: "platform", namespace: "apps", ...extra },
];

// [key the error names, path to set, bad value]
const REJECTED: [string, string, Json][] = [
  // names that collide with generated names
  ["teams[0].name", "teams.0.name", "default"],
  ["services[0].name", "services", [{ name: "kubelet", team: "platform" }]],
  ["services[0].name", "services", [{ name: "kps-operator", team: "platform" }]],
  ["services[0].namespace", "services", service({ namespace: "logging" })],
  // Filebeat's own namespace (logging.namespace + "-filebeat"), whose containers it does not ship either
  ["services[0].namespace", "services", service({ namespace: "logging-filebeat" })],
  // namespaces the stack creates for itself, each with its own Pod Security level
  ["grafana.namespace", "grafana.namespace", "monitoring-node-exporter"],
  ["grafana.namespace", "grafana.namespace", "logging-filebeat"],
  ["logging.namespace", "logging.namespace", "elastic-system"],
  ["metrics.namespace", "metrics.namespace", "elastic-system"],
  ["grafana.namespace", "grafana.namespace", "monitoring"],
  ["logging.namespace", "logging.namespace", "monitoring-node-exporter"],
  // SLO targets whose burn-rate thresholds reach 100% of requests: those alerts could never fire
  ["services[0].slo.latencyTarget", "services", service({ slo: { latencyTarget: 0.9 } })],
  ["services[0].slo.availability", "services", service({ slo: { availability: 0.97, windowDays: 90 } })],
  // Below 1e-4 Prometheus stores `le` in exponent form (5e-05), which the threshold regex cannot meet
  [
    "services[0].slo.latencyThresholdSeconds",
    "services",
    service({ slo: { latencyThresholdSeconds: 0.00005 } }),
  ],
  // derived identifiers over their limits
  ["teams[0].name", "teams.0.name", "a".repeat(36)],
  ["logging.clusterName", "logging.clusterName", "c".repeat(37)],
  // a switch written as text or a number: "false" would otherwise read as on (a non-empty string)
  ["kubernetes.networkPolicies", "kubernetes.networkPolicies", "false"],
  ["kubernetes.networkPolicies", "kubernetes.networkPolicies", "yes"],
  ["kubernetes.networkPolicies", "kubernetes.networkPolicies", 0],
  ["kubernetes.networkPolicies", "kubernetes.networkPolicies", null],
  ["sentry.organization", "sentry.organization", "o".repeat(51)],
  ["sentry.organization", "sentry.organization", "12345"],
  ["archive.bucketPrefix", "archive.bucketPrefix", "xn--acme"],
  ["archive.bucketPrefix", "archive.bucketPrefix", "sthree-acme"],
  ["environment", "environment", "dev-eu"],
  ["teams[0].slackChannel", "teams.0.slackChannel", `#${"s".repeat(81)}`],
  // query overrides (each would be accepted but for its one fault: namespace and job are both there)
  [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: `sum(rate(x{${NS},job="{{job}}"}[{{window}}])` } }),
  ],
  [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: `sum(rate(x{${NS}}[{{window}}]))` } }),
  ],
  [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: `sum(rate(x{${NS},job="{{job}}",env="{{env}}"}[{{window}}]))` } }),
  ],
  [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: `sum(rate(x{${NS},job="{{job}}",le=~"{{le}}"}[{{window}}]))` } }),
  ],
  [
    "services[0].queries.requestRate",
    "services",
    service({ queries: { requestRate: `rate(x{${NS},job="{{job}}"})[{{window}}]` } }),
  ],
  [
    "services[0].queries.memoryBytes",
    "services",
    service({ queries: { memoryBytes: `x{${NS},job="{{job}}"}[5m]` } }),
  ],
  [
    "services[0].queries.latencyQuantile",
    "services",
    service({
      queries: {
        latencyQuantile: `histogram_quantile(0.99, sum by (le) (rate(x_bucket{${NS},job="{{job}}"}[{{window}}])))`,
      },
    }),
  ],
  // {{job}} without {{namespace}}: a same-named Service of another namespace would be counted too
  [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: 'sum(rate(x{job="{{job}}"}[{{window}}]))' } }),
  ],
  ...SELECTORS_WITHOUT_NAMESPACE.map((q): [string, string, Json] => [
    "services[0].queries.errorRate",
    "services",
    service({ queries: { errorRate: q } }),
  ]),
  // URLs
  ["metrics.runbookBaseUrl", "metrics.runbookBaseUrl", "javascript:alert(1)"],
  ["metrics.runbookBaseUrl", "metrics.runbookBaseUrl", "file:///etc/passwd"],
  ["metrics.runbookBaseUrl", "metrics.runbookBaseUrl", "https://example.com/run books"],
  ["metrics.runbookBaseUrl", "metrics.runbookBaseUrl", "https://example.com/{{ $labels.x }}"],
  ["metrics.runbookBaseUrl", "metrics.runbookBaseUrl", "http://wiki.example.com/runbooks"],
  ["sentry.baseUrl", "sentry.baseUrl", "http://sentry.example.com"],
  ["sentry.baseUrl", "sentry.baseUrl", "https://user:pass@sentry.example.com"],
  // time windows
  [
    "alerting.maintenance.windows[0].location",
    "alerting.maintenance.windows",
    [{ startTime: "01:00", endTime: "02:00", location: "Mars/Olympus" }],
  ],
  [
    "alerting.maintenance.windows[0].daysOfMonth[0]",
    "alerting.maintenance.windows",
    [{ daysOfMonth: ["0"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].daysOfMonth[0]",
    "alerting.maintenance.windows",
    [{ daysOfMonth: ["7:1"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].daysOfMonth[0]",
    "alerting.maintenance.windows",
    [{ daysOfMonth: ["27:-3"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].daysOfMonth[0]",
    "alerting.maintenance.windows",
    [{ daysOfMonth: ["-5:5"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].weekdays[0]",
    "alerting.maintenance.windows",
    [{ weekdays: ["friday:monday"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].months[0]",
    "alerting.maintenance.windows",
    [{ months: ["febuary"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].months[0]",
    "alerting.maintenance.windows",
    [{ months: ["12:1"], startTime: "01:00", endTime: "02:00" }],
  ],
  [
    "alerting.maintenance.windows[0].months[0]",
    "alerting.maintenance.windows",
    [{ months: ["13"], startTime: "01:00", endTime: "02:00" }],
  ],
  // Kubernetes and Elasticsearch formats
  ["services[0].metricsPort", "services", service({ metricsPort: "http_metrics" })],
  ["services[0].metricsPort", "services", service({ metricsPort: "a-very-long-port-name" })],
  ["services[0].metricsPath", "services", service({ metricsPath: "/metrics?format=json" })],
  ["services[0].metricsPath", "services", service({ metricsPath: "/metrics\nHost: evil" })],
  ["kubernetes.storageClassName", "kubernetes.storageClassName", "Fast SSD"],
  ["kubernetes.storageClassName", "kubernetes.storageClassName", "gp3_"],
  ["kubernetes.storageClassName", "kubernetes.storageClassName", ""],
  ["kubernetes.storageClassName", "kubernetes.storageClassName", `${"a".repeat(254)}`],
  ["logging.elasticsearch.zoneTopologyKey", "logging.elasticsearch.zoneTopologyKey", "zone']"],
  [
    "logging.elasticsearch.zoneTopologyKey",
    "logging.elasticsearch.zoneTopologyKey",
    "topology.kubernetes.io/",
  ],
  ["grafana.hostname", "grafana.hostname", "grafana..example.com"],
  ["grafana.hostname", "grafana.hostname", `${"a".repeat(64)}.example.com`],
  ["grafana.ingressClassName", "grafana.ingressClassName", "nginx public"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 1 * * *"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 */5 * * * ?"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "* 30 1 * * ?"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 25 * * ?"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "@daily"],
  // Not every day: a log type's last snapshot would outlive its expiry until the next run.
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 1 ? * MON"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 1 1 * ?"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 1 * 1-6 ?"],
  ["logging.snapshots.schedule", "logging.snapshots.schedule", "0 30 1 * * ? 2030"],
  ["logging.redactFields[0]", "logging.redactFields", ["payment..iban"]],
  ["logging.redactFields[0]", "logging.redactFields", ["payment.iban."]],
  ["grafana.logs.username", "grafana.logs.username", "reader:x"],
  ["grafana.logs.username", "grafana.logs.username", "elastic"],
  ["grafana.logs.timeField", "grafana.logs.timeField", "@timestamp "],
  ["grafana.logs.indexPattern", "grafana.logs.indexPattern", "logs-*,secrets"],
  ["alerting.email.username", "alerting.email.username", "alerts\r\nRCPT TO:<x@evil.example>"],
  ["alerting.email.smarthost", "alerting.email.smarthost", "smtp..example.com:587"],
  ["alerting.email.smarthost", "alerting.email.smarthost", "smtp.example.com:99999"],
  ["kubernetes.clusterName", "kubernetes.clusterName", "observability dev"],
  ["kubernetes.clusterName", "kubernetes.clusterName", "-observability"],
  ["kubernetes.clusterName", "kubernetes.clusterName", "{{ .Release.Name }}"],
  ["kubernetes.clusterName", "kubernetes.clusterName", "a".repeat(101)],
  ["kubernetes.clusterName", "kubernetes.clusterName", ""],
  [
    "kubernetes.oidcProvider.issuer",
    "kubernetes.oidcProvider.issuer",
    "oidc.eks.us-east-1.amazonaws.com/id/OTHER",
  ],
  [
    "kubernetes.oidcProvider.issuer",
    "kubernetes.oidcProvider.issuer",
    "https://oidc.eks.us-east-1.amazonaws.com/id/X",
  ],
  [
    "kubernetes.oidcProvider.arn",
    "kubernetes.oidcProvider.arn",
    "arn:aws:iam::111111111111:role/not-a-provider",
  ],
  ["kubernetes.oidcProvider.arn", "kubernetes.oidcProvider.arn", "arn:aws:iam::1111:oidc-provider/x/y"],
  ["kubernetes.oidcProvider.extra", "kubernetes.oidcProvider.extra", "x"],
  ["metrics.prometheus.retention", "metrics.prometheus.retention", "1d"],
  ["metrics.prometheus.scrapeInterval", "metrics.prometheus.scrapeInterval", "5s"],
  ["metrics.prometheus.evaluationInterval", "metrics.prometheus.evaluationInterval", "10m"],
  // 45s evaluations never land exactly 5 minutes back: the tiled SLI windows would overlap or leave gaps.
  ["metrics.prometheus.evaluationInterval", "metrics.prometheus.evaluationInterval", "45s"],
  ["metrics.prometheus.requests.cpu", "metrics.prometheus.requests.cpu", "500Mi"],
  ["metrics.prometheus.requests.memory", "metrics.prometheus.requests.memory", "2G"],
  ["sentry.scrubbing.sensitiveFields[0]", "sentry.scrubbing.sensitiveFields", ["credit card"]],
  ["sentry.metricAlertDataset", "sentry.metricAlertDataset", "generic_metrics"],
  // dev pages through PagerDuty: Sentry names its service by number, an Opsgenie team `<id>-<team>`.
  ["sentry.integrations.paging.targetId", "sentry.integrations.paging.targetId", "100003-ops"],
  ["sentry.integrations.paging.targetId", "sentry.integrations.paging.targetId", "ops team"],
  ["frontend.newRelic.appName", "frontend.newRelic.appName", "web\nfrontend"],
  // The Compactor refuses to start with raw data kept less than 40h or 5-minute data less than 10d.
  ["thanos.retention.raw", "thanos.retention.raw", "39h"],
  ["thanos.retention.fiveMinutes", "thanos.retention.fiveMinutes", "9d"],
  ["thanos.retention.raw", "thanos.retention.raw", "30 days"],
  // Coarser data kept for less time than finer data: a zoom-out would find holes.
  ["thanos.retention.fiveMinutes", "thanos.retention.fiveMinutes", "20d"],
  ["thanos.retention.oneHour", "thanos.retention.oneHour", "300d"],
  ["thanos.deleteDelay", "thanos.deleteDelay", "1h"],
  ["thanos.query.replicas", "thanos.query.replicas", 0],
  ["thanos.storeGateway.replicas", "thanos.storeGateway.replicas", 1.5],
  ["thanos.storeGateway.storageSize", "thanos.storeGateway.storageSize", "20G"],
  ["thanos.queryFrontend.cacheMaxSize", "thanos.queryFrontend.cacheMaxSize", "256 MB"],
  ["thanos.queryFrontend.cacheMaxSize", "thanos.queryFrontend.cacheMaxSize", "0MB"],
  // Over half of the default 512Mi request.
  ["thanos.queryFrontend.cacheMaxSize", "thanos.queryFrontend.cacheMaxSize", "1GB"],
  // Exactly one Compactor per bucket: there is no key to run more.
  ["thanos.compactor.replicas", "thanos.compactor.replicas", 2],
  // Grafana sign-in. Group names sit in a JMESPath literal, an ini line and Helm's tpl: a quote ends
  // the literal, braces run as a template, a newline starts an ini key, '#' and ';' end the value.
  ...(
    [
      "it's",
      "a{{ .Release.Name }}",
      "g\n[auth]\ndisable_login_form = false",
      "g\\x",
      "g#x",
      "g;x",
      '"g"',
      " g",
      "g ",
      "",
      "g".repeat(129),
    ] as string[]
  ).map((g): [string, string, Json] => [
    "grafana.auth.oidc.roles.admin[0]",
    "grafana.auth.oidc",
    oidc({ roles: { admin: [g] } }),
  ]),
  ["grafana.auth.oidc.roles", "grafana.auth.oidc", oidc({ roles: { admin: [], editor: [], viewer: [] } })],
  ["grafana.auth.oidc.roles", "grafana.auth.oidc", oidc({ roles: {} })],
  [
    "grafana.auth.oidc.roles.viewer[0]",
    "grafana.auth.oidc",
    oidc({ roles: { admin: ["ops"], viewer: ["ops"] } }),
  ],
  ["grafana.auth.oidc.roles.admin", "grafana.auth.oidc", oidc({ roles: { admin: ["ops", "ops"] } })],
  ["grafana.auth.oidc.roles.owner", "grafana.auth.oidc", oidc({ roles: { owner: ["ops"] } })],
  ["grafana.auth.oidc.authUrl", "grafana.auth.oidc", oidc({ authUrl: "http://sso.acme.example.com/auth" })],
  ["grafana.auth.oidc.authUrl", "grafana.auth.oidc", oidc({ authUrl: "https://u:p@sso.acme.example.com/a" })],
  ["grafana.auth.oidc.authUrl", "grafana.auth.oidc", oidc({ authUrl: "https://sso.acme.example.com/a;b" })],
  ["grafana.auth.oidc.authUrl", "grafana.auth.oidc", oidc({ authUrl: "https://sso/{{ .Values }}" })],
  ["grafana.auth.oidc.authUrl", "grafana.auth.oidc", oidc({ authUrl: "https://sso.acme.example.com/a#x" })],
  ["grafana.auth.oidc.tokenUrl", "grafana.auth.oidc", oidc({ tokenUrl: "ftp://sso.acme.example.com/token" })],
  ["grafana.auth.oidc.apiUrl", "grafana.auth.oidc", oidc({ apiUrl: "sso.acme.example.com/userinfo" })],
  ["grafana.auth.oidc.apiUrl", "grafana.auth.oidc", oidc({ apiUrl: undefined })],
  // The end-session endpoint may carry a query, but nothing that breaks the ini line or Helm's tpl.
  ...[
    "http://x.example/",
    "https://sso.acme.example.com/logout?post_logout_redirect_uri=https://g.example#frag",
    "https://sso.acme.example.com/logout#frag",
    "https://sso.acme.example.com/logout?client_id=grafana;x=1",
    "https://sso.acme.example.com/logout?post_logout_redirect_uri={{ .Values.url }}",
    "https://sso.acme.example.com/logout?x=1\n[auth]\ndisable_login_form = false",
    "https://sso.acme.example.com/logout?x=1\r\nx",
    "https://sso.acme.example.com/logout?redirect=a b",
    "https://sso.acme.example.com/logout?redirect=a\tb",
    'https://sso.acme.example.com/logout?redirect="x"',
    "https://u:p@sso.acme.example.com/logout?client_id=grafana",
    "sso.acme.example.com/logout?client_id=grafana",
  ].map((url): [string, string, Json] => [
    "grafana.auth.oidc.signoutRedirectUrl",
    "grafana.auth.oidc",
    oidc({ signoutRedirectUrl: url }),
  ]),
  // The generic OAuth client has no discovery: an issuer alone is not a key.
  [
    "grafana.auth.oidc.issuer",
    "grafana.auth.oidc",
    oidc({ issuer: "https://sso.acme.example.com/realms/acme" }),
  ],
  ["grafana.auth.oidc.clientId", "grafana.auth.oidc", oidc({ clientId: "grafana prod" })],
  ["grafana.auth.oidc.clientId", "grafana.auth.oidc", oidc({ clientId: "{{ .Values.x }}" })],
  ["grafana.auth.oidc.clientId", "grafana.auth.oidc", oidc({ clientId: "grafana#prod" })],
  // The secret is a Pulumi secret, never a plain key of the block.
  ["grafana.auth.oidc.clientSecret", "grafana.auth.oidc", oidc({ clientSecret: "s3cr3t" })],
  ["grafana.auth.oidc.groupsClaim", "grafana.auth.oidc", oidc({ groupsClaim: "groups[*]" })],
  ["grafana.auth.oidc.groupsClaim", "grafana.auth.oidc", oidc({ groupsClaim: "cognito:groups" })],
  ["grafana.auth.oidc.groupsClaim", "grafana.auth.oidc", oidc({ groupsClaim: "groups || 'Admin'" })],
  ["grafana.auth.oidc.loginClaim", "grafana.auth.oidc", oidc({ loginClaim: "preferred username" })],
  ["grafana.auth.oidc.scopes", "grafana.auth.oidc", oidc({ scopes: ["openid", "profile"] })],
  ["grafana.auth.oidc.scopes", "grafana.auth.oidc", oidc({ scopes: ["openid", "email", "email"] })],
  ["grafana.auth.oidc.scopes[2]", "grafana.auth.oidc", oidc({ scopes: ["openid", "email", "a b"] })],
  ["grafana.auth.oidc.name", "grafana.auth.oidc", oidc({ name: "SSO {{ x }}" })],
  [
    "grafana.auth.oidc.allowedDomains[0]",
    "grafana.auth.oidc",
    oidc({ allowedDomains: ["*.acme.example.com"] }),
  ],
  // A switch written as text: "false" would otherwise read as on.
  ["grafana.auth.loginForm", "grafana.auth.loginForm", "false"],
  // Without single sign-on, the form is the only way into the UI.
  ["grafana.auth.loginForm", "grafana.auth", { loginForm: false }],
  ["teams[0].grafana.members[0]", "teams.0.grafana", { members: ["not-an-email"] }],
  [
    "teams[0].grafana.members",
    "teams.0.grafana",
    { members: ["ann@acme.example.com", "Ann@acme.example.com"] },
  ],
  [
    "teams[0].grafana.admins[0]",
    "teams.0.grafana",
    { members: ["ann@acme.example.com"], admins: ["ann@acme.example.com"] },
  ],
  // Team sync from IdP groups is Grafana Enterprise's; this program deploys Grafana OSS.
  ["teams[0].grafana.groups", "teams.0.grafana", { groups: ["platform-team"] }],
  ["teams[0].grafana.role", "teams.0.grafana", { role: "Editor" }],
  // Declared dependencies: each target is probed as written and becomes the `instance` label.
  ...(
    [
      ["ftp://files.example.com/health", "a scheme the HTTP prober cannot speak"],
      ["file:///etc/passwd", "a local file"],
      ["https://user:secret@api.example.com/health", "a credential in a label"],
      ["https://api.example.com/health?token=abc", "a query string (a token in a label)"],
      ["https://api.example.com/health#status", "a fragment"],
      ["https://API.example.com/health", "a host not written in its normal form"],
      ["https://api.example.com:0/health", "port 0"],
      ["https://api.example.com:65536/health", "a port over 65535"],
      ["https://[::1]:8080/health", "an IPv6 literal"],
      ["https://api.example.com/he alth", "a space"],
      [" https://api.example.com/health", "a leading space"],
      ["https://api.example.com/health\n", "a newline"],
      ["https://api_x.example.com/health", "an underscore in the host"],
      ["https://256.1.1.1/health", "an IPv4 address out of range"],
      ["http://localhost:8080/health", "the exporter's own pod"],
      ["http://127.0.0.1:8080/health", "the exporter's own pod"],
      ["api.example.com/health", "no scheme"],
      ["https://kps-prometheus.monitoring.svc:9090/-/healthy", "the platform's own namespace"],
      ["https://elastic-webhook-server.elastic-system.svc/", "the ECK operator's namespace"],
      [`https://api.example.com/${"x".repeat(512)}`, "over 512 characters"],
    ] as const
  ).map(([url]): [string, string, Json] => [
    "services[0].dependencies[0].url",
    "services",
    service({ dependencies: [{ url }] }),
  ]),
  ...[
    "orders-db.data.svc",
    "orders-db.data.svc:0",
    "orders-db.data.svc:65536",
    "orders-db.data.svc:05432",
    "tcp://orders-db.data.svc:5432",
    "orders db.data.svc:5432",
    "orders-db.data.svc:5432 ",
    "[::1]:5432",
    "127.0.0.1:5432",
    "Orders-DB.data.svc:5432",
    "logs-es-http.logging.svc:9200",
  ].map((tcp): [string, string, Json] => [
    "services[0].dependencies[0].tcp",
    "services",
    service({ dependencies: [{ tcp }] }),
  ]),
  [
    "services[0].dependencies[0].priority",
    "services",
    service({ dependencies: [{ tcp: "db.data.svc:5432", priority: "P4" }] }),
  ],
  [
    "services[0].dependencies[0].priority",
    "services",
    service({ dependencies: [{ tcp: "db.data.svc:5432", priority: "p1" }] }),
  ],
  ["services[0].dependencies[0]", "services", service({ dependencies: [{ priority: "P1" }] })],
  [
    "services[0].dependencies[0].tcp",
    "services",
    service({ dependencies: [{ url: "https://api.example.com/health", tcp: "api.example.com:443" }] }),
  ],
  ["services[0].dependencies[0].host", "services", service({ dependencies: [{ host: "db.data.svc" }] })],
  // The same target twice, once in another spelling of the same URL.
  [
    "services[0].dependencies[1].url",
    "services",
    service({
      dependencies: [
        { url: "https://api.example.com/health" },
        { url: "https://api.example.com:443/health" },
      ],
    }),
  ],
  [
    "services[0].dependencies[1].tcp",
    "services",
    service({ dependencies: [{ tcp: "db.data.svc:5432" }, { tcp: "db.data.svc:5432", priority: "P1" }] }),
  ],
  [
    "services[0].dependencies",
    "services",
    service({ dependencies: Array.from({ length: 51 }, (_, i) => ({ tcp: `db-${i}.data.svc:5432` })) }),
  ],
  ["services[0].dependencies", "services", service({ dependencies: "https://api.example.com/health" })],
  // The dependency prober's own job: the service's alerts would read the probes' series as its own.
  ["services[0].name", "services", [{ name: "dependency-probe", team: "platform" }]],
  ["metrics.externalCalls.topDestinations", "metrics.externalCalls.topDestinations", 0],
  ["metrics.externalCalls.topDestinations", "metrics.externalCalls.topDestinations", 51],
  ["metrics.externalCalls.topDestinations", "metrics.externalCalls.topDestinations", 2.5],
  ["metrics.externalCalls.topDestinations", "metrics.externalCalls.topDestinations", "10"],
  ["metrics.alerts.externalErrorRatioMax", "metrics.alerts.externalErrorRatioMax", 0],
  ["metrics.alerts.externalErrorRatioMax", "metrics.alerts.externalErrorRatioMax", 0.6],
  ["metrics.alerts.externalErrorRatioMax", "metrics.alerts.externalErrorRatioMax", "5%"],
  ["metrics.alerts.externalP99Seconds", "metrics.alerts.externalP99Seconds", 0],
  ["metrics.alerts.externalP99Seconds", "metrics.alerts.externalP99Seconds", 61],
  // A share of all lines: 0 would fire on any DEBUG line, 1 could never be exceeded.
  ["metrics.alerts.debugLogShareMax", "metrics.alerts.debugLogShareMax", 0],
  ["metrics.alerts.debugLogShareMax", "metrics.alerts.debugLogShareMax", 1],
  ["metrics.alerts.debugLogShareMax", "metrics.alerts.debugLogShareMax", -0.1],
  ["metrics.alerts.debugLogShareMax", "metrics.alerts.debugLogShareMax", "10%"],
  ["metrics.alerts.debugLogShareMax", "metrics.alerts.debugLogShareMax", null],
  ["frontend.newRelic.alerts.ajaxP75Seconds", "frontend.newRelic.alerts.ajaxP75Seconds", 0],
  ["frontend.newRelic.alerts.ajaxP75Seconds", "frontend.newRelic.alerts.ajaxP75Seconds", 61],
  ["frontend.newRelic.alerts.ajaxP75Seconds", "frontend.newRelic.alerts.ajaxP75Seconds", "2s"],
  ["frontend.newRelic.alerts.ajaxErrorRatePercent", "frontend.newRelic.alerts.ajaxErrorRatePercent", 0],
  ["frontend.newRelic.alerts.ajaxErrorRatePercent", "frontend.newRelic.alerts.ajaxErrorRatePercent", 101],
  // Unclosed resources and resource usage (issue 26 §2).
  ["metrics.alerts.leakHorizonHours", "metrics.alerts.leakHorizonHours", 0],
  ["metrics.alerts.leakHorizonHours", "metrics.alerts.leakHorizonHours", 1.5],
  ["metrics.alerts.leakHorizonHours", "metrics.alerts.leakHorizonHours", 169],
  ["metrics.alerts.leakHorizonHours", "metrics.alerts.leakHorizonHours", "24h"],
  ["metrics.alerts.cpuThrottledRatioMax", "metrics.alerts.cpuThrottledRatioMax", 0],
  // A throttled share never exceeds 1: at 1 the alert could never fire.
  ["metrics.alerts.cpuThrottledRatioMax", "metrics.alerts.cpuThrottledRatioMax", 1],
  ["metrics.alerts.cpuThrottledRatioMax", "metrics.alerts.cpuThrottledRatioMax", "25%"],
  ["metrics.alerts.memoryLimitRatioMax", "metrics.alerts.memoryLimitRatioMax", 0.4],
  ["metrics.alerts.memoryLimitRatioMax", "metrics.alerts.memoryLimitRatioMax", 1.1],
  ["metrics.alerts.memoryLimitRatioMax", "metrics.alerts.memoryLimitRatioMax", null],
];

const subnets = (...zones: string[]) =>
  zones.map((zone, i) => ({ id: `subnet-0a1b2c3d4e5f600${i.toString(16).padStart(2, "0")}`, zone }));

// Grafana's database and replicas, on the prod stack (which has a database): [key, path, bad value]
const REJECTED_PROD: [string, string, Json][] = [
  // Kibana's public name taken from Grafana's (grafana.hostname is grafana.acme.example.com).
  ["logging.kibana.endpoint.hostname", "logging.kibana.endpoint.hostname", "grafana.acme.example.com"],
  // Multi-AZ needs two zones; RDS refuses a subnet group in one zone, so the schema does first.
  ["grafana.database.subnets", "grafana.database.subnets", subnets("us-east-1a", "us-east-1a")],
  ["grafana.database.subnets", "grafana.database.subnets", subnets("us-east-1a")],
  ["grafana.database.subnets", "grafana.database.subnets", subnets("us-east-1a", "eu-west-1b")],
  ["grafana.database.subnets", "grafana.database.subnets", subnets(...Array(21).fill("us-east-1a"))],
  [
    "grafana.database.subnets[1].id",
    "grafana.database.subnets",
    [
      { id: "subnet-0a1b2c3d4e5f60001", zone: "us-east-1a" },
      { id: "subnet-0a1b2c3d4e5f60001", zone: "us-east-1b" },
    ],
  ],
  ["grafana.database.subnets[0].id", "grafana.database.subnets.0.id", "subnet-xyz"],
  ["grafana.database.subnets[0].id", "grafana.database.subnets.0.id", "sg-0a1b2c3d4e5f60001"],
  ["grafana.database.subnets[0].zone", "grafana.database.subnets.0.zone", "us-east-1"],
  ["grafana.database.subnets[0].zone", "grafana.database.subnets.0.zone", "use1-az1"],
  ["grafana.database.subnets[0].cidr", "grafana.database.subnets.0.cidr", "10.0.0.0/24"],
  ["grafana.database.securityGroupIds", "grafana.database.securityGroupIds", []],
  ["grafana.database.securityGroupIds[0]", "grafana.database.securityGroupIds", ["sg-123"]],
  [
    "grafana.database.securityGroupIds[1]",
    "grafana.database.securityGroupIds",
    ["sg-0123456789abcdef0", "sg-0123456789abcdef0"],
  ],
  [
    "grafana.database.securityGroupIds",
    "grafana.database.securityGroupIds",
    Array.from({ length: 6 }, (_, i) => `sg-0123456789abcdef${i}`),
  ],
  ["grafana.database.instanceClass", "grafana.database.instanceClass", "t4g.medium"],
  ["grafana.database.instanceClass", "grafana.database.instanceClass", "db.t4g.medium; drop"],
  ["grafana.database.allocatedStorageGb", "grafana.database.allocatedStorageGb", 10],
  ["grafana.database.allocatedStorageGb", "grafana.database.allocatedStorageGb", 20.5],
  ["grafana.database.allocatedStorageGb", "grafana.database.allocatedStorageGb", 70000],
  // Storage autoscaling's ceiling must be 10% above the allocation (prod allocates 20 GiB).
  ["grafana.database.maxAllocatedStorageGb", "grafana.database.maxAllocatedStorageGb", 21],
  ["grafana.database.backupRetentionDays", "grafana.database.backupRetentionDays", 0],
  ["grafana.database.backupRetentionDays", "grafana.database.backupRetentionDays", 36],
  // The engine is pinned in infra/versions.ts, and the identifier is Pulumi's, so neither is a key.
  ["grafana.database.engineVersion", "grafana.database.engineVersion", "16"],
  ["grafana.database.identifier", "grafana.database.identifier", "grafana"],
  ["grafana.replicas", "grafana.replicas", 1],
  ["grafana.replicas", "grafana.replicas", 0],
  ["grafana.replicas", "grafana.replicas", 11],
  ["grafana.replicas", "grafana.replicas", 2.5],
  ["grafana.replicas", "grafana.replicas", "2"],
  // A volume size beside the database would mean nothing.
  ["grafana.storageSize", "grafana.storageSize", "20Gi"],
  // Production signs in through single sign-on only, with the form off.
  ["grafana.auth.loginForm", "grafana.auth.loginForm", true],
  ["grafana.auth.loginForm", "grafana.auth", { loginForm: false }],
  ["grafana.auth.oidc", "grafana.auth", {}],
];

describe("values the schema refuses, naming the key", () => {
  it.each(REJECTED)("%s = %j", (key, path, value) => {
    const found = problems(path, value);
    expect(found.join("\n"), `accepted: ${JSON.stringify(value)}`).not.toBe("");
    expect(
      found.some((p) => p.startsWith(`${keyText(key)}:`)),
      found.join("\n"),
    ).toBe(true);
  });

  it.each(REJECTED_PROD)("prod: %s = %j", (key, path, value) => {
    const found = problems(path, value, "prod");
    expect(found.join("\n"), `accepted: ${JSON.stringify(value)}`).not.toBe("");
    expect(
      found.some((p) => p.startsWith(`${keyText(key)}:`)),
      found.join("\n"),
    ).toBe(true);
  });

  it("refuses several Grafana replicas without a database, and a production stack without one", () => {
    expect(problems("grafana.replicas", 2)).toEqual([
      expect.stringMatching(/^observability:grafana\.replicas: more than one replica needs `database`/),
    ]);
    const file = readStackFile("prod");
    const grafana = JSON.parse(file.config[`${PROJECT}:grafana`]!) as Record<string, Json>;
    delete grafana.database;
    delete grafana.replicas;
    file.config[`${PROJECT}:grafana`] = JSON.stringify(grafana);
    expect(configProblems(file.config, new Set(file.secretKeys))).toEqual([
      expect.stringMatching(
        /^observability:grafana\.database: production runs Grafana on a PostgreSQL database/,
      ),
    ]);
  });

  it("refuses subnets outside the stack's aws:region", () => {
    const file = withValue("grafana.database.subnets", subnets("eu-west-1a", "eu-west-1b"), "prod");
    expect(configProblems(file.config, file.secretKeys)).toEqual([
      "observability:grafana.database.subnets: expected subnets in the stack's region aws:region us-east-1; found eu-west-1",
    ]);
    file.config["aws:region"] = "eu-west-1";
    // In eu-west-1 only the ACM certificates of Grafana's and Kibana's ALBs (us-east-1) are still
    // out of region, not the subnets.
    expect(configProblems(file.config, file.secretKeys)).toEqual([
      expect.stringMatching(/^observability:grafana\.tls\.certificateArn: the certificate is in us-east-1/),
      expect.stringMatching(
        /^observability:logging\.kibana\.endpoint\.tls\.certificateArn: the certificate is in us-east-1/,
      ),
    ]);
  });

  it("accepts single sign-on on the dev stack, every character a group name may have, and needs its secret then", () => {
    const names = ["Grafana Admins", "ops.team_1", "urn:acme:grafana", "/platform/sre", "a@b=c+d-e", "9"];
    expect(problems("grafana.auth.oidc", oidc({ roles: { admin: names } }))).toEqual([]);
    expect(problems("grafana.auth.oidc", oidc({ groupsClaim: "realm_access.roles" }))).toEqual([]);
    // An end-session endpoint with a query: Keycloak's client_id and post_logout_redirect_uri.
    for (const url of [
      "https://sso.acme.example.com/realms/acme/protocol/openid-connect/logout?client_id=grafana&post_logout_redirect_uri=https%3A%2F%2Fgrafana.acme.example.com%2Flogin",
      "https://sso.acme.example.com/logout?post_logout_redirect_uri=https://grafana.acme.example.com/&state=a%23b%3Bc",
      "https://sso.acme.example.com/logout?",
    ])
      expect(problems("grafana.auth.oidc", oidc({ signoutRedirectUrl: url })), url).toEqual([]);
    expect(
      problems("teams.0.grafana", { members: ["ann@acme.example.com"], admins: ["bo@acme.example.com"] }),
    ).toEqual([]);
    const file = withValue("grafana.auth.oidc", oidc({}));
    delete file.config[`${PROJECT}:grafanaOidcClientSecret`];
    expect(configProblems(file.config, file.secretKeys)).toEqual([
      "observability:grafanaOidcClientSecret: missing secret: set it with `pulumi config set --secret grafanaOidcClientSecret <value>`",
    ]);
    // Without single sign-on the secret is not needed.
    const dev = readStackFile("dev");
    delete dev.config[`${PROJECT}:grafanaOidcClientSecret`];
    expect(configProblems(dev.config, new Set(dev.secretKeys))).toEqual([]);
  });

  it("refuses the client secret in plain text, without repeating it", () => {
    const file = readStackFile("prod");
    file.config[`${PROJECT}:grafanaOidcClientSecret`] = "plain-client-secret-value";
    const text = configProblems(
      file.config,
      new Set(file.secretKeys.filter((k) => k !== `${PROJECT}:grafanaOidcClientSecret`)),
    ).join("\n");
    expect(text).toContain("observability:grafanaOidcClientSecret: must be a secret");
    expect(text).not.toContain("plain-client-secret-value");
  });

  it("accepts the edges: two zones, the largest counts, the ceiling exactly 10% above", () => {
    expect(problems("grafana.database.subnets", subnets("us-east-1a", "us-east-1b"), "prod")).toEqual([]);
    const twenty = Array.from({ length: 20 }, (_, i) => `us-east-1${"ab"[i % 2]}`);
    expect(problems("grafana.database.subnets", subnets(...twenty), "prod")).toEqual([]);
    expect(problems("grafana.database.maxAllocatedStorageGb", 22, "prod")).toEqual([]);
    expect(problems("grafana.replicas", 10, "prod")).toEqual([]);
    expect(problems("grafana.database.backupRetentionDays", 35, "prod")).toEqual([]);
  });
});

describe("secrets and credentials", () => {
  it("refuses a dependency URL with a credential without repeating it", () => {
    const text = problems(
      "services",
      service({ dependencies: [{ url: "https://probe:s3cr3t@api.example.com/h" }] }),
    ).join("\n");
    expect(text).toContain(`${PROJECT}:services[0].dependencies[0].url: expected no user:password@`);
    expect(text).not.toContain("s3cr3t");
  });

  it.each([
    ["deadMansSwitchUrl", "javascript:alert(1)"],
    ["deadMansSwitchUrl", "http://hc-ping.com/abc"],
    ["slackBotToken", "xoxb-1 2"],
    ["pagerdutyRoutingKey", "abc def"],
    ["smtpPassword", "pass\nword"],
  ])("refuses a malformed %s without repeating it", (key, value) => {
    const file = readStackFile("dev");
    file.config[`${PROJECT}:${key}`] = value;
    const text = configProblems(file.config, new Set(file.secretKeys)).join("\n");
    expect(text).toContain(`${PROJECT}:${key}:`);
    expect(text).not.toContain(value);
  });

  it("tells a stack that still sets the retired Slack webhook what replaced it, without echoing it", () => {
    const file = readStackFile("dev");
    const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    file.config[`${PROJECT}:slackWebhookUrl`] = url;
    const secrets = new Set([...file.secretKeys, `${PROJECT}:slackWebhookUrl`]);
    const text = configProblems(file.config, secrets).join("\n");
    expect(text).toMatch(
      /observability:slackWebhookUrl: no longer used: .*pulumi config set --secret slackBotToken/,
    );
    expect(text).not.toContain("XXXXSECRET");
  });

  it("points the old grafana maintenance keys at alerting.maintenance", () => {
    const file = readStackFile("prod");
    const grafana = JSON.parse(file.config[`${PROJECT}:grafana`]!) as Record<string, Json>;
    grafana.maintenanceWindows = [{ weekdays: ["sunday"], startTime: "02:00", endTime: "04:00" }];
    grafana.mutedPriorities = ["P3"];
    file.config[`${PROJECT}:grafana`] = JSON.stringify(grafana);
    expect(configProblems(file.config, new Set(file.secretKeys))).toEqual([
      "observability:grafana.maintenanceWindows: moved to alerting.maintenance.windows (it now mutes Alertmanager too); move it there",
      "observability:grafana.mutedPriorities: moved to alerting.maintenance.mutedPriorities (it now mutes Alertmanager too); move it there",
    ]);
  });

  it("points the old storage class keys at kubernetes.storageClassName, and requires it", () => {
    const file = readStackFile("prod");
    const logging = JSON.parse(file.config[`${PROJECT}:logging`]!) as Record<string, Record<string, Json>>;
    (logging.elasticsearch as Record<string, Json>).storageClassName = "gp3";
    file.config[`${PROJECT}:logging`] = JSON.stringify(logging);
    const metrics = JSON.parse(file.config[`${PROJECT}:metrics`] ?? "{}") as Record<
      string,
      Record<string, Json>
    >;
    metrics.prometheus = { ...(metrics.prometheus ?? {}), storageClassName: "gp3" };
    file.config[`${PROJECT}:metrics`] = JSON.stringify(metrics);
    const found = configProblems(file.config, new Set(file.secretKeys));
    expect(found).toHaveLength(2);
    for (const key of ["logging.elasticsearch.storageClassName", "metrics.prometheus.storageClassName"])
      expect(found.find((p) => p.startsWith(`observability:${key}: `))).toMatch(
        /moved to kubernetes\.storageClassName, .*kubectl get pvc -A/,
      );
    delete file.config[`${PROJECT}:kubernetes`];
    expect(configProblems(file.config, new Set(file.secretKeys))).toContainEqual(
      expect.stringMatching(/^observability:kubernetes: missing section: set kubernetes\.storageClassName/),
    );
  });

  it("points the old logging.oidcProvider at kubernetes.oidcProvider, without echoing it, and requires the new key", () => {
    const file = readStackFile("dev");
    const kubernetes = JSON.parse(file.config[`${PROJECT}:kubernetes`]!) as Record<string, Json>;
    const logging = JSON.parse(file.config[`${PROJECT}:logging`]!) as Record<string, Json>;
    // The stack file as it was before the move: the provider under logging, none under kubernetes.
    logging.oidcProvider = kubernetes.oidcProvider as Json;
    delete kubernetes.oidcProvider;
    file.config[`${PROJECT}:logging`] = JSON.stringify(logging);
    file.config[`${PROJECT}:kubernetes`] = JSON.stringify(kubernetes);
    const found = configProblems(file.config, new Set(file.secretKeys));
    expect(found).toEqual([
      "observability:logging.oidcProvider: moved to kubernetes.oidcProvider (the cluster's IAM OIDC provider, which the Thanos roles trust too); move the same arn and issuer there",
      expect.stringMatching(/^observability:kubernetes\.oidcProvider: missing: set kubernetes\.oidcProvider/),
    ]);
    expect(found.join("\n")).not.toContain("EXAMPLEDEV");
  });

  it("refuses provider credentials in plain text and accepts them as secrets", () => {
    for (const key of ["aws:secretKey", "aws:accessKey", "kubernetes:kubeconfig"]) {
      const file = readStackFile("dev");
      file.config[key] = key === "kubernetes:kubeconfig" ? "apiVersion: v1\nkind: Config\n" : "AKIAEXAMPLE";
      expect(() => parseStackConfig(file.config, new Set(file.secretKeys)), key).toThrow(
        new RegExp(`${key}: a credential in plain text`),
      );
      expect(() => parseStackConfig(file.config, new Set([...file.secretKeys, key])), key).not.toThrow();
    }
    // A kubeconfig path is not a credential.
    const file = readStackFile("dev");
    file.config["kubernetes:kubeconfig"] = "~/.kube/config";
    expect(() => parseStackConfig(file.config, new Set(file.secretKeys))).not.toThrow();
  });

  it("reports a YAML alias bomb as a config error of that stack file", () => {
    const root = mkdtempSync(join(tmpdir(), "obs-bomb-"));
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    writeFileSync(
      join(root, "Pulumi.bomb.yaml"),
      `${lines.join("\n")}\nconfig:\n  observability:environment: *j\n`,
    );
    expect(() => readStackFile("bomb", root)).toThrow(ConfigError);
    expect(() => readStackFile("bomb", root)).toThrow(/Pulumi\.bomb\.yaml: cannot read the config/);
  });
});

describe("edge values the schema accepts become what the tools accept", () => {
  it("query overrides with every placeholder: promtool accepts the rules", () => {
    const config = stackConfig("dev", {
      services: [
        {
          name: "api",
          team: "platform",
          namespace: "apps",
          queries: {
            errorRate: `(sum(rate(legacy_requests_total{${NS},job="{{job}}",code=~"5.."}[{{window}}])) or vector(0))`,
            // The namespace under another label name, by a regex of exactly that value, a quoted name.
            slowRatio:
              '1 - sum(rate(legacy_latency_bucket{kubernetes_namespace=~"{{namespace}}",job="{{job}}",le=~"{{le}}"}[{{window}}])) / sum(rate(legacy_latency_count{"namespace"="{{namespace}}",job="{{job}}"}[{{window}}]))',
            latencyQuantile: `histogram_quantile({{quantile}}, sum by (le) (rate(legacy_latency_bucket{${NS},job="{{job}}"}[{{window}}])))`,
          },
        },
      ],
    });
    const dir = tempFiles({ "rules.yaml": stringify(ruleFile(config)) });
    const r = runTool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("an override names the selector that picks the service by {{job}} without {{namespace}}", () => {
    expect(problems("services", service({ queries: { errorRate: SELECTORS_WITHOUT_NAMESPACE[0] } }))).toEqual(
      [
        'observability:services[0].queries.errorRate: x{job="{{job}}"} selects the service by {{job}} without {{namespace}}, so a Service of the same name in another namespace would be counted too: add a matcher such as namespace="{{namespace}}"',
      ],
    );
    expect(problems("services", service({ queries: { errorRate: SELECTORS_WITHOUT_NAMESPACE[4] } }))).toEqual(
      [
        'observability:services[0].queries.errorRate: expected {{job}} in a selector, such as job="{{job}}": elsewhere it selects no series',
      ],
    );
  });

  it("an accepted override counts its own namespace's series only (promtool)", () => {
    // legacy_requests_total of api in apps (4/s) and of another team's api in marketing (400/s).
    const config = stackConfig("dev", {
      services: stackConfig("dev").services.map((s) =>
        s.name === "api"
          ? {
              ...s,
              queries: {
                requestRate:
                  'sum(rate(legacy_requests_total{kubernetes_namespace="{{namespace}}",app="{{job}}"}[{{window}}]))',
              },
            }
          : s,
      ),
    });
    const dir = tempFiles({ "rules.yaml": toYaml(ruleFile(config)) });
    const test = {
      rule_files: [join(dir, "rules.yaml")],
      evaluation_interval: "1m",
      group_eval_order: ruleFile(config).groups.map((g) => g.name),
      tests: [
        {
          interval: "1m",
          input_series: [
            { series: 'legacy_requests_total{kubernetes_namespace="apps",app="api"}', values: "0+240x20" },
            {
              series: 'legacy_requests_total{kubernetes_namespace="marketing",app="api"}',
              values: "0+24000x20",
            },
          ],
          promql_expr_test: [
            {
              expr: 'job:http_server_requests:rate5m{job="api"}',
              eval_time: "15m",
              exp_samples: [
                { labels: 'job:http_server_requests:rate5m{namespace="apps",job="api"}', value: 4 },
              ],
            },
          ],
        },
      ],
    };
    const t = tempFiles({ "t.yaml": toYaml(test) });
    const r = runTool("promtool", ["test", "rules", join(t, "t.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("team names at the longest: Grafana folder uids fit and amtool accepts the receivers", () => {
    const long = `t${"x".repeat(34)}`;
    const pagerduty = { scheduleId: "PABC123" };
    const teams = [
      {
        name: long,
        email: "t@example.com",
        slackChannel: `#${"c".repeat(80)}`,
        slackChannelId: "G0123456789AB",
        pagerduty,
      },
      { name: "web", email: "web@example.com", slackChannel: "#web", slackChannelId: "C01234567", pagerduty },
    ];
    const config = stackConfig("dev", {
      teams,
      services: [{ name: "api", team: long, namespace: "apps" }],
      // The example's business metrics belong to teams this stack does not have.
      businessMetrics: [],
    });
    expect(`team-${long}`.length).toBeLessThanOrEqual(40);
    const dir = tempFiles({ "am.yaml": toYaml(alertmanagerConfig(config)) });
    const r = runTool("amtool", ["check-config", join(dir, "am.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
  });

  /** The maintenance windows as the Alertmanager time intervals we render (Grafana uses the same parser). */
  function amtoolAccepts(windows: Json[]): { accepted: boolean; output: string } {
    const file = withValue("alerting.maintenance.windows", windows);
    const parsed =
      configProblems(file.config, file.secretKeys).length === 0
        ? parseStackConfig(file.config, file.secretKeys).config
        : undefined;
    // Accepted windows go to amtool as the generator renders them; rejected ones as written, to
    // show that Alertmanager refuses them too.
    const intervals = parsed
      ? maintenanceIntervals(parsed)
      : (windows as Record<string, Json>[]).map((w) => ({
          ...(w.weekdays ? { weekdays: w.weekdays } : {}),
          ...(w.daysOfMonth ? { days_of_month: w.daysOfMonth } : {}),
          ...(w.months ? { months: w.months } : {}),
          times: [{ start_time: w.startTime, end_time: w.endTime }],
          location: w.location ?? "UTC",
        }));
    const am = {
      route: { receiver: "d", routes: [{ receiver: "d", mute_time_intervals: ["m"] }] },
      time_intervals: [{ name: "m", time_intervals: intervals }],
      receivers: [{ name: "d" }],
    };
    const dir = tempFiles({ "am.yaml": stringify(am) });
    const r = runTool("amtool", ["check-config", join(dir, "am.yaml")]);
    return { accepted: r.status === 0, output: r.stdout + r.stderr };
  }

  const window = (w: Record<string, Json>) => ({ startTime: "01:00", endTime: "24:00", ...w });
  const WINDOWS: Record<string, Json>[] = [
    window({ weekdays: ["monday:friday", "sunday"], location: "Europe/Berlin" }),
    window({ daysOfMonth: ["1", "25:-3", "-3:-1", "1:-1", "31"], location: "America/New_York" }),
    window({ months: ["january:march", "12", "may", "1:12"] }),
    window({ weekdays: ["friday:monday"] }),
    window({ weekdays: ["saturday:sunday"] }),
    window({ daysOfMonth: ["0"] }),
    window({ daysOfMonth: ["26:-3"] }),
    window({ daysOfMonth: ["-1:-3"] }),
    window({ daysOfMonth: ["-5:5"] }),
    window({ months: ["febuary"] }),
    window({ months: ["may:march"] }),
    window({ location: "Mars/Olympus" }),
  ];

  it.each(WINDOWS.map((w) => [JSON.stringify(w), w]))(
    "maintenance window %s: the schema and Alertmanager's parser agree",
    (_, w) => {
      const schemaAccepts = problems("alerting.maintenance.windows", [w]).length === 0;
      const { accepted, output } = amtoolAccepts([w]);
      expect(schemaAccepts, output).toBe(accepted);
    },
  );

  it("accepted windows are most of the table: the comparison is not vacuous", () => {
    const accepted = WINDOWS.filter((w) => problems("alerting.maintenance.windows", [w]).length === 0);
    expect(accepted).toHaveLength(3);
  });
});

describe("derived names stay within their targets' limits", () => {
  it("every name, uid, slug and label value fits at the longest names the schema accepts", async () => {
    const longest = (first: string, length: number) => first + "x".repeat(length - 1);
    const team = longest("t", 35);
    const svc = longest("s", 40);
    const prodStack = readStackFile("prod").config;
    const value = (key: string) => JSON.parse(prodStack[`${PROJECT}:${key}`]!) as Record<string, Json>;
    const logging = value("logging");
    const result = await render("prod", {
      environment: longest("e", 20),
      // The example's business metrics, owned by the longest team and named at the longest.
      businessMetrics: (JSON.parse(prodStack[`${PROJECT}:businessMetrics`]!) as Record<string, Json>[]).map(
        (m, i) => ({ ...m, team, name: `${i}`.padStart(40, "b") }),
      ),
      teams: [
        {
          name: team,
          email: "t@example.com",
          slackChannel: `#${"c".repeat(80)}`,
          slackChannelId: "G0123456789AB",
          pagerduty: { scheduleId: "PABC123", escalateToScheduleId: "PDEF456" },
        },
      ],
      services: [{ name: svc, team, namespace: longest("n", 40) }],
      archive: { ...value("archive"), bucketPrefix: longest("b", 42) },
      logging: { ...logging, clusterName: longest("c", 36), namespace: longest("l", 40) },
      sentry: { ...value("sentry"), organization: longest("o", 50), slugPrefix: longest("p", 9) },
      frontend: {
        ...value("frontend"),
        newRelic: { ...(value("frontend").newRelic as object), appName: "A".repeat(64) },
      },
    });
    const over: string[] = [];
    const check = (what: string, text: unknown, max: number) => {
      if (typeof text === "string" && text.length > max)
        over.push(`${what}: ${text.length} > ${max}: ${text}`);
    };
    let seen = 0;
    let seenPagerduty = 0;
    for (const r of result.resources) {
      const inputs = r.inputs as Record<string, Json>;
      const meta = inputs.metadata as { name?: string; labels?: Record<string, string> } | undefined;
      if (r.type.startsWith("kubernetes:") && meta) {
        seen++;
        // Namespaces and Services are DNS labels; every other object a DNS subdomain.
        check(`${r.type} name`, meta.name, /core\/v1:(Namespace|Service)$/.test(r.type) ? 63 : 253);
        for (const [k, v] of Object.entries(meta.labels ?? {})) check(`${r.type} label ${k}`, v, 63);
      }
      if (r.type.includes("elasticsearch.k8s.elastic.co") || r.type.includes("kibana.k8s.elastic.co"))
        check(`${r.type} (ECK)`, meta?.name, 36);
      if (r.type.startsWith("grafana:oss/")) check(`${r.type} uid`, inputs.uid, 40);
      if (r.type === "aws:s3/bucket:Bucket") check("S3 bucket", inputs.bucket, 63);
      if (r.type === "aws:iam/role:Role") check("IAM role", inputs.name, 64);
      if (r.type.startsWith("sentry:")) check(`${r.type} slug`, inputs.slug, 50);
      if (r.type.startsWith("newrelic:")) check(`${r.type} name`, inputs.name, 128);
      // PagerDuty's API caps service, escalation policy and integration names at 255 characters.
      if (r.type.startsWith("pagerduty:index/")) {
        seenPagerduty++;
        check(`${r.type} name`, inputs.name, 255);
      }
    }
    expect(seen).toBeGreaterThan(10);
    expect(seenPagerduty).toBe(3);
    expect(over).toEqual([]);
  });
});

describe("the stack's deploy account (aws:allowedAccountIds)", () => {
  const OIDC = "kubernetes.oidcProvider";
  const oidc = (account: string) => ({
    arn: `arn:aws:iam::${account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEDEV0000000000000000000000`,
    issuer: "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEDEV0000000000000000000000",
  });

  it("keeps the examples in the accounts CI deploys them to", () => {
    // The workflows assume roles in these accounts; a role there can trust only a provider there.
    const workflows = ["deploy.yml", "pull-request.yml"]
      .map((f) => readFileSync(join(REPO_ROOT, ".github", "workflows", f), "utf8"))
      .join("\n");
    for (const [stack, account] of [
      ["dev", "111111111111"],
      ["prod", "222222222222"],
    ] as const) {
      const file = readStackFile(stack);
      expect(JSON.parse(file.config["aws:allowedAccountIds"]!)).toEqual([account]);
      expect(workflows).toContain(`arn:aws:iam::${account}:role/`);
      const { config } = parseStackConfig(file.config, new Set(file.secretKeys));
      // The cluster CI deploys to is the one the `cluster` label names.
      expect(workflows).toContain(`eks-cluster: ${config.kubernetes.clusterName}`);
      expect(config.kubernetes.oidcProvider.arn).toMatch(
        new RegExp(`^arn:aws:iam::${account}:oidc-provider/`),
      );
    }
  });

  it("refuses an OIDC provider of another account, naming the key and both accounts", () => {
    expect(problems(OIDC, oidc("123456789012"))).toEqual([
      expect.stringMatching(
        /^observability:kubernetes\.oidcProvider\.arn: names account 123456789012, but the stack deploys to 111111111111 \(aws:allowedAccountIds\): an IAM role's trust policy/,
      ),
    ]);
    // Another stack's account is as wrong as a made-up one.
    expect(problems(OIDC, oidc("222222222222"))).toHaveLength(1);
  });

  it("refuses prod's ACM certificate from another account", () => {
    const file = readStackFile("prod");
    const grafana = JSON.parse(file.config["observability:grafana"]!);
    grafana.tls.certificateArn = grafana.tls.certificateArn.replace("222222222222", "111111111111");
    file.config["observability:grafana"] = JSON.stringify(grafana);
    expect(configProblems(file.config, new Set(file.secretKeys))).toEqual([
      expect.stringMatching(
        /^observability:grafana\.tls\.certificateArn: names account 111111111111, but the stack deploys to 222222222222/,
      ),
    ]);
  });

  it("accepts any of several allowed accounts, and checks nothing when the stack states none", () => {
    const file = withValue(OIDC, oidc("333333333333"));
    file.config["aws:allowedAccountIds"] = JSON.stringify(["111111111111", "333333333333"]);
    expect(configProblems(file.config, file.secretKeys)).toEqual([]);
    delete file.config["aws:allowedAccountIds"];
    expect(configProblems(file.config, file.secretKeys)).toEqual([]);
  });

  it.each([
    ["an unquoted number (loses leading zeros)", [11111111111]],
    ["an 11-digit id", ["11111111111"]],
    ["a 13-digit id", ["1111111111111"]],
    ["an alias", ["dev-account"]],
    ["an empty list", []],
    ["a bare string", "111111111111"],
    ["an object", { dev: "111111111111" }],
  ])("refuses aws:allowedAccountIds as %s", (_, value) => {
    const file = readStackFile("dev");
    file.config["aws:allowedAccountIds"] = typeof value === "string" ? value : JSON.stringify(value);
    expect(configProblems(file.config, new Set(file.secretKeys))).toEqual([
      expect.stringMatching(/^aws:allowedAccountIds: expected a list of 12-digit AWS account ids/),
    ]);
  });
});

describe("teams[].slackChannelId", () => {
  it.each(["C01234567", "G0123456789AB", "C0DEVPLAT01"])("accepts the Slack channel id %s", (id) => {
    expect(problems("teams.0.slackChannelId", id)).toEqual([]);
  });

  it.each([
    ["a channel name", "#platform-alerts"],
    ["lower case", "c0123456789"],
    ["a user id", "U0123456789"],
    ["a DM id", "D0123456789"],
    ["too short", "C0123456"],
    ["too long", "C0123456789ABC"],
    ["with a space", "C0123 456789"],
    ["with a newline", "C0123456789\nC0123456789"],
    ["a URL", "https://acme.slack.com/archives/C0123456789"],
  ])("refuses %s, naming the key", (_, value) => {
    expect(problems("teams.0.slackChannelId", value)).toEqual([
      `${keyText("teams.0.slackChannelId")}: expected a Slack channel id such as C0123456789 (C or G and 8-12 upper-case letters or digits, from the channel's About tab)`,
    ]);
  });

  it("refuses a number, naming the key", () => {
    expect(problems("teams.0.slackChannelId", 123456789)).toEqual([
      expect.stringMatching(/^observability:teams\[0\]\.slackChannelId: /),
    ]);
  });

  it("is required: without it Sentry's Slack rules depend on an asynchronous name lookup", () => {
    const { config, secretKeys } = withValue("teams.0.slackChannelId", null);
    const teams = JSON.parse(config["observability:teams"]!) as Record<string, unknown>[];
    delete teams[0]!.slackChannelId;
    config["observability:teams"] = JSON.stringify(teams);
    expect(configProblems(config, secretKeys)).toEqual([
      expect.stringMatching(/^observability:teams\[0\]\.slackChannelId: /),
    ]);
  });
});
