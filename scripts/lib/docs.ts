import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FormItem, GitHubIssueFormsConfigFileSchema } from "@schemastore/github-issue-forms";
import { stringify } from "yaml";
import { z } from "zod";
import { ALERT_LEVELS, durationText, PRIORITIES } from "../../infra/catalog/alert-levels";
import { LOG_LEVEL_MEANING, LOG_LEVELS } from "../../infra/catalog/log-levels";
import {
  AUDIT_EVENT_MEANING,
  AUDIT_EVENTS,
  LOG_CLASSIFICATION,
  LOG_EXAMPLE,
  LOG_FIELDS,
  PIPELINE_FIELDS,
  SENSITIVE_FIELDS,
} from "../../infra/catalog/log-schema";
import {
  BUSINESS_ALERT_WINDOW,
  BUSINESS_COMPARISON_OFFSET,
  BUSINESS_UNIT_IDS,
  BUSINESS_UNITS,
  BUSINESS_WINDOWS,
  CONTRACT_COUNTERS,
  counterExpr,
} from "../../infra/catalog/business-metrics";
import {
  CONTAINER_SERIES,
  contractMetrics,
  METRIC_CONTRACT,
  type MetricId,
  seriesNames,
} from "../../infra/catalog/metric-contract";
import {
  ALL_RECORDS,
  FLEET_RECORDS,
  OTHER_DESTINATION,
  QUERY_IDS,
  QUERY_TEMPLATES,
  RECORDING_RULES,
  RESOURCE_RECORDS,
} from "../../infra/catalog/recording-rules";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import { PROJECT, PROVIDER_NAMESPACES, SECRET_KEYS, stackConfigSchema } from "../../infra/config";
import { DEBUG_LOGS } from "../../infra/generators/grafana/log-levels";
import { LOG_SILENCE } from "../../infra/generators/grafana/log-silence";
import {
  ALERTS,
  type AlertScope,
  BURN_PAIRS,
  burnRate,
  SERVICE_DATA,
} from "../../infra/generators/metrics/alerts";
import { BUSINESS_ALERT_FOR, BUSINESS_ALERTS } from "../../infra/generators/metrics/business";
import {
  CHART_GROUPS,
  type ChartGroup,
  MANAGED_CONTROL_PLANE,
  SEVERITY_FALLBACK,
} from "../../infra/generators/platform/chart-rules";
import { chartAlerts } from "../../infra/generators/platform/chart-values";
import { PLATFORM_ALERTS } from "../../infra/generators/platform/rules";
import { KUBE_PROMETHEUS_STACK } from "../../infra/versions";
import { PLATFORM_COMPONENTS } from "../../infra/generators/platform/components";
import { ALL_POLICIES } from "../../policy/policies";
import { FINDING_IDS, reportSchema } from "./service-check/findings";
import { DEFAULT_MAX_LABEL_VALUES } from "./service-check/metrics";
import { provable } from "./service-check/requirements";
import { REPO_ROOT } from "./stack-file";

/**
 * The reference docs that have a source of truth in code, generated from it: `npm run docs`
 * rewrites them and a test fails when a checked-in file is not what this renders now.
 */

const cell = (s: string): string => s.replaceAll("|", "\\|").replaceAll("\n", " ");
const code = (s: string): string => `\`${s}\``;
const HEADER = (source: string) =>
  `<!-- Generated from ${source} by \`npm run docs\`; edit the source, not this file. -->\n`;

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** A JSON-schema node's type as a reader wants it: `pagerduty` \| `opsgenie`, integer 1–5, list of string. */
function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => code(String(v))).join(" | ");
  if (s.const !== undefined) return code(String(s.const));
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(" or ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
  const type = Array.isArray(s.type) ? s.type.join(" or ") : (s.type ?? "any");
  if (type === "string" && s.format === "email") return "email";
  if (type === "string" && s.format === "uri") return "URL";
  const range =
    s.minimum !== undefined || s.maximum !== undefined
      ? ` ${s.minimum ?? s.exclusiveMinimum ?? ""}–${s.maximum ?? ""}`.replace(/–$/, " or more")
      : "";
  return `${type}${range}`;
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default === undefined) return required ? "required" : "—";
  if (typeof s.default === "object" && s.default !== null && Object.keys(s.default).length === 0)
    return Array.isArray(s.default) ? "`[]`" : "—";
  return code(JSON.stringify(s.default).replace(/^"(.*)"$/, "$1"));
}

interface Row {
  path: string;
  schema: JsonSchema;
  required: boolean;
}

/**
 * Every key under a schema node, depth first, as `a.b`, `list[].c`. A key without a default of its
 * own takes the one its parent object's default gives it (`alerting.email` defaults as a whole).
 */
function rows(schema: JsonSchema, prefix: string, required: boolean): Row[] {
  const variant = schema.anyOf?.find((v) => v.properties) ?? schema;
  const out: Row[] = [{ path: prefix, schema, required }];
  const parentDefault = (schema.default ?? {}) as Record<string, unknown>;
  for (const [key, own] of Object.entries(variant.properties ?? {})) {
    const sub =
      own.default === undefined && key in parentDefault ? { ...own, default: parentDefault[key] } : own;
    const needed = (variant.required ?? []).includes(key) && sub.default === undefined;
    out.push(...rows(sub, prefix ? `${prefix}.${key}` : key, needed));
  }
  const items = variant.items ?? variant.prefixItems?.[0];
  if (items?.properties) out.push(...rows(items, `${prefix}[]`, false).slice(1));
  return out;
}

/** docs/configuration.md: every key of the stack config, from the zod schema and its descriptions. */
export function configurationDoc(): string {
  const schema = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const sections = Object.entries(schema.properties ?? {});
  const topRequired = schema.required ?? [];
  const lines = [
    HEADER("the stack-config schema (infra/config/)"),
    "# Configuration reference",
    "",
    `Every key lives in \`Pulumi.<stack>.yaml\` under the \`${PROJECT}:\` namespace; provider settings use their own namespaces (${PROVIDER_NAMESPACES.map((n) => code(`${n}:`)).join(", ")}, e.g. \`aws:region\`). One schema validates the whole file before any resource exists: an unknown key, a wrong type or an unknown team is an error naming the key, all problems in one run. Secrets are accepted only as Pulumi secrets (\`pulumi config set --secret <key> <value>\`).`,
    "",
  ];
  const table = (entries: Row[]) => [
    "| Key | Type | Default | Meaning |",
    "|---|---|---|---|",
    ...entries.map(
      (r) =>
        `| ${code(r.path)} | ${cell(typeOf(r.schema))} | ${cell(defaultOf(r.schema, r.required))} | ${cell(r.schema.description ?? "")} |`,
    ),
    "",
  ];
  const isSection = (s: JsonSchema) =>
    !!(s.properties ?? s.items?.properties ?? s.anyOf?.some((v) => v.properties));
  const top = (key: string, sub: JsonSchema): Row => ({
    path: key,
    schema: sub,
    required: topRequired.includes(key) && sub.default === undefined,
  });
  const secrets = new Set<string>(SECRET_KEYS);
  lines.push(
    "## Stack",
    "",
    ...table(sections.filter(([k, s]) => !isSection(s) && !secrets.has(k)).map(([k, s]) => top(k, s))),
  );
  for (const [key, sub] of sections.filter(([, s]) => isSection(s))) {
    lines.push(`## \`${key}\``, "", sub.description ?? "", "");
    lines.push(
      ...table(
        rows(sub, key, top(key, sub).required).filter(
          (r) => r.path !== key && !(r.schema.properties && !r.schema.items),
        ),
      ),
    );
  }
  lines.push(
    "## Secrets",
    "",
    "Set only with `pulumi config set --secret <key> <value>`: a secret in plain text is an error. Which are required depends on the settings (the paging provider, New Relic on or off); `summary.md` of each render lists the ones its stack needs.",
    "",
    ...table(sections.filter(([k]) => secrets.has(k)).map(([k, s]) => top(k, s))),
  );
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()}\n`;
}

/** docs/alerts.md: the alert levels, the SLO burn-rate pairs and every alert, from the alert catalog. */
export function alertsDoc(): string {
  const scope: Record<AlertScope, string> = {
    http: "each HTTP-serving service",
    service: "each service",
    dependency: "each declared dependency of this priority (`services[].dependencies`)",
    platform: "the platform, once",
  };
  return [
    HEADER(
      "the alert catalogs (infra/generators/metrics/alerts.ts, infra/generators/platform/, infra/generators/grafana/log-silence.ts), kube-prometheus-stack's rules as we run them (infra/generators/platform/chart-rules.ts) and the alert levels (infra/catalog/alert-levels.ts)",
    ),
    "# Alerts",
    "",
    "Every alert carries the labels `priority`, `team` (the service's owner; platform alerts: `metrics.ownerTeam`) and `service`, or for the platform's own parts `component`, and the annotations `summary`, `description` (which says why the priority) and `runbook_url` (`<metrics.runbookBaseUrl>/<runbook>.md`). kube-prometheus-stack's alerts keep the chart's own `description`; why each has its priority is below.",
    "",
    "## Alert levels",
    "",
    "| Priority | Respond within | Channel | Meaning |",
    "|---|---|---|---|",
    ...PRIORITIES.map((p) => {
      const l = ALERT_LEVELS[p];
      return `| ${p} | ${durationText(l.responseMinutes)} | ${l.channel} | ${l.meaning} |`;
    }),
    "",
    "## SLO burn rates",
    "",
    "Both windows of a pair must exceed burn rate × error budget. Burn rates follow from the share of the budget spent in the long window, so other SLO windows keep the meaning (values for 30 days):",
    "",
    "| Long / short window | Burn rate | Budget spent in the long window | Priority | Why |",
    "|---|---|---|---|---|",
    ...BURN_PAIRS.map(
      (b) =>
        `| ${b.long} / ${b.short} | ${burnRate(b, 30)} | ${b.budgetSpent * 100}% | ${b.priority} | ${cell(b.why)} |`,
    ),
    "",
    "## Catalog",
    "",
    "| Alert | Priority | For | Fires for | Runbook | Why this priority |",
    "|---|---|---|---|---|---|",
    ...ALERTS.map(
      (a) =>
        `| ${code(a.alert)} | ${a.priority} | ${a.for ?? "—"} | ${scope[a.scope]} | [${a.runbook}](../runbooks/${a.runbook}.md) | ${cell(a.reason)} |`,
    ),
    `| ${code(LOG_SILENCE.alert)} | ${LOG_SILENCE.priority} | ${LOG_SILENCE.for} | each service (Grafana-managed, on the Elasticsearch data source) | [${LOG_SILENCE.runbook}](../runbooks/${LOG_SILENCE.runbook}.md) | ${cell(LOG_SILENCE.reason)} |`,
    `| ${code(DEBUG_LOGS.alert)} | ${DEBUG_LOGS.priority} | ${DEBUG_LOGS.for} | each service of a production stack (Grafana-managed, one rule per team on the Elasticsearch data source; share from \`metrics.alerts.debugLogShareMax\`) | [${DEBUG_LOGS.runbook}](../runbooks/${DEBUG_LOGS.runbook}.md) | ${cell(DEBUG_LOGS.reason)} |`,
    ...BUSINESS_ALERTS.map(
      (a) =>
        `| ${code(a.alert)} | each threshold's | ${a.for} | each threshold of a business metric whose \`badDirection\` is ${a.direction} (label \`business_metric\`, \`team\` its owner) | [${a.runbook}](../runbooks/${a.runbook}.md) | ${cell(a.reason)} |`,
    ),
    "",
    "## Elasticsearch",
    "",
    "Watched by its exporter, with a rule group per component in `prometheus/rules.yaml`. Like every platform alert it carries `component`; a P1 inhibits the P2 and P3 alerts of its own component only.",
    "",
    "| Alert | Component | Priority | For | Runbook | Why this priority |",
    "|---|---|---|---|---|---|",
    ...PLATFORM_COMPONENTS.flatMap((c) =>
      c.alerts.map(
        (a) =>
          `| ${code(a.alert)} | ${code(c.component)} | ${a.priority} | ${a.for ?? "—"} | [${a.runbook}](../runbooks/${a.runbook}.md) | ${cell(a.reason)} |`,
      ),
    ),
    "",
    "## The platform's own parts",
    "",
    'Labelled `component` instead of `service`, and `team` the platform\'s owner team (`metrics.ownerTeam`); routed by priority and team like every other alert. "Fires within" is the latest it fires after the fault, with the default 30s scrape and evaluation intervals (tested with promtool where a scenario exists: tests/platform/, tests/thanos/ for Thanos).',
    "",
    "| Alert | Component | Priority | For | Fires within | Runbook | Why this priority |",
    "|---|---|---|---|---|---|---|",
    ...PLATFORM_ALERTS.map(
      (a) =>
        `| ${code(a.alert)} | ${a.component} | ${a.priority} | ${a.for ?? "—"} | ${a.firesWithin} | [${a.runbook}](../runbooks/${a.runbook}.md) | ${cell(a.reason)} |`,
    ),
    "",
    ...chartAlertsSection(),
  ].join("\n");
}

/** docs/alerts.md's part on kube-prometheus-stack's default rules: groups, mechanism, every alert. */
function chartAlertsSection(): string[] {
  const groups = Object.entries(CHART_GROUPS) as [string, ChartGroup][];
  const runbook = (r?: string) => (r ? `[${r}](../runbooks/${r}.md)` : "—");
  return [
    "## The platform's own components",
    "",
    `Kubernetes and the monitoring stack are watched by kube-prometheus-stack's own rules (chart ${KUBE_PROMETHEUS_STACK.version}), relabelled, not copied. The chart has no label per alert, so: \`team\` is \`defaultRules.additionalRuleLabels\` (every alert), \`component\` and the runbook are set per rule group (\`additionalRuleGroupLabels\`, \`additionalRuleGroupAnnotations\`), and \`priority\` is added by Prometheus's alert relabelling (\`prometheus.prometheusSpec.additionalAlertRelabelConfigs\`) from the alert's name and the chart's \`severity\`, on the way to Alertmanager, which routes it like every other alert. The \`ALERTS\` series in Prometheus therefore carry \`severity\`, \`team\` and \`component\` but not \`priority\`. An alert that already has a priority passes unchanged, and only alerts with the owner team (the chart's) are relabelled: another team's PrometheusRule keeps its alerts as written. A P1 below applies to objects in the platform's namespaces (metrics, logging, Grafana, the ECK operator); an application's volume or pod falls to the severity fallback, and the chart's alerts about a namespace whose services all belong to one team go to that team. \`customRules\` (which can set only \`severity\` and \`for\`) is not used: \`severity\` keeps upstream's meaning.`,
    "",
    "An alert of the chart that the table below does not list (a chart upgrade adds it) gets its priority from its severity:",
    "",
    "| Severity | Priority | Why |",
    "|---|---|---|",
    ...Object.entries(SEVERITY_FALLBACK).map(([sev, r]) => `| ${sev} | ${r.priority} | ${cell(r.reason)} |`),
    "",
    "### Rule groups",
    "",
    "`defaultRules.rules.<group>`; a group that is off renders nothing. The control plane EKS manages is also not scraped: " +
      Object.keys(MANAGED_CONTROL_PLANE)
        .map((k) => `\`${k}.enabled: false\``)
        .join(", ") +
      ".",
    "",
    "| Group | On | Component | Runbook | Why |",
    "|---|---|---|---|---|",
    ...groups.map(
      ([key, g]) =>
        `| ${code(key)} | ${g.on ? "yes" : "no"} | ${g.component ? code(g.component) : "—"} | ${runbook(g.runbook)} | ${cell(g.why)} |`,
    ),
    "",
    "### Alerts",
    "",
    "Every alert the chart ships, one row per severity; `off` is `defaultRules.disabled.<Alert>` or a group that is off. Upstream's runbook of each is at runbooks.prometheus-operator.dev.",
    "",
    "| Alert | Severity | Priority | Component | Runbook | Why |",
    "|---|---|---|---|---|---|",
    ...chartAlerts().map(
      (a) =>
        `| ${code(a.alert)} | ${a.severity} | ${a.priority} | ${a.component ? code(a.component) : "—"} | ${runbook(a.runbook)}${a.upstreamRunbook && a.priority !== "off" ? ` ([upstream](${a.upstreamRunbook}))` : ""} | ${cell(a.priority === "off" && !CHART_GROUPS[a.group].on ? CHART_GROUPS[a.group].why : a.reason)} |`,
    ),
    "",
  ];
}

/** docs/metrics.md: the application metric contract, the recording rules and the query ids. */
export function metricsDoc(): string {
  return [
    HEADER(
      "the metric contract (infra/catalog/metric-contract.ts) and the recording rules (infra/catalog/recording-rules.ts)",
    ),
    "# Metric contract",
    "",
    "What every monitored service exposes, in Prometheus form, with the service name in `job`. OpenTelemetry semantic-convention names where a convention exists (Prometheus' translation turns dots into underscores and appends the unit); **ours** where none does.",
    "",
    "| Metric | Type | Labels | Meaning | Origin |",
    "|---|---|---|---|---|",
    ...contractMetrics().map(
      (m) =>
        `| ${seriesNames(m).map(code).join(", ")} | ${m.type} (${m.unit}) | ${m.labels.map((l) => `${code(l.name)}${l.values ? ` (${cell(l.values)})` : ""}`).join(", ")} | ${cell(m.meaning)}${m.optional ? ` *Optional*: ${cell(m.optional)}` : ""} | ${m.origin === "ours" ? "**ours**" : m.otelName ? `OTel ${code(m.otelName)}` : m.origin} |`,
    ),
    "",
    "## Container resources (scraped by the platform)",
    "",
    "Not exposed by the service: kube-prometheus-stack scrapes them (the kubelet's cAdvisor endpoint as `job=\"kubelet\"`, and kube-state-metrics). They label a container by `namespace`, `pod` and `container`; the `job:container_*` records give them the service's `job` through the pods and container of the service's own scrape targets (prometheus-operator labels each with `pod` and `container`), so sidecars and same-named pods of other namespaces are left out and no naming convention is needed. A service whose metrics port is not declared on its container (`ports[].containerPort`) has no `container` label on its targets, and no container records.",
    "",
    "| Metric | Type | Labels | Meaning | Origin |",
    "|---|---|---|---|---|",
    ...CONTAINER_SERIES.map(
      (m) =>
        `| ${code(m.name)} | ${m.type} (${m.unit}) | ${m.labels.map((l) => `${code(l.name)}${l.values ? ` (${cell(l.values)})` : ""}`).join(", ")} | ${cell(m.meaning)} | ${m.origin} |`,
    ),
    "",
    "## Recording rules",
    "",
    "Dashboards and alerts read only these names (`level:metric:operations`, one series per service with `job`; the `job_le` helpers one per service and bucket bound; `job_server` one per service and destination, `job_instance` one per service and declared dependency). Records without a query id evaluate every service at once and have no override.",
    "",
    "| Record | Query id | Window | Meaning |",
    "|---|---|---|---|",
    ...ALL_RECORDS.map(
      (r) =>
        `| ${code(r.record)} | ${r.query ? code(r.query) : "—"} | ${r.window || "—"} | ${cell(r.meaning)} |`,
    ),
    "",
    "## Outbound calls: bounded destinations",
    "",
    `A service may call any number of hosts, and \`server_address\` would make a series of each. The \`job_server\` records keep each service's busiest destinations by name (\`metrics.externalCalls.topDestinations\`, by request rate over 5 minutes, with \`topk by (namespace, job)\`) and add up the rest, and calls without a \`server_address\`, as \`server_address="${OTHER_DESTINATION}"\`: at most that many + 1 series per service and record. The rate record chooses; the failed-call ratio and the p99 join on its destinations at the same evaluation (the rules of one group run in order), so \`${OTHER_DESTINATION}\` means the same calls in all three. A destination near the cut may move in and out of it between evaluations; its series then pause, and the other series carries its calls meanwhile.`,
    "",
    ...businessMetricsSection(),
    "## Query overrides",
    "",
    "A service whose metrics differ sets `services[].queries.<id>` to a PromQL template; its recording rules keep their names and `namespace` and `job` labels, so its alerts and dashboards need no change. Placeholders: `{{job}}` (the service), `{{namespace}}` (its Kubernetes namespace: every selector that uses `{{job}}` must also match it, or a same-named Service of another namespace would be counted too), `{{window}}` (the range), `{{quantile}}` (0–1), `{{le}}` (a regex matching the latency threshold's bucket).",
    "",
    "| Query id | Reads | Meaning | Default template |",
    "|---|---|---|---|",
    ...QUERY_IDS.map((id) => {
      const q = QUERY_TEMPLATES[id];
      return `| ${code(id)} | ${q.reads.join(", ")} | ${cell(q.meaning)} | ${code(cell(q.template))} |`;
    }),
    "",
  ].join("\n");
}

/** docs/metrics.md's part on `businessMetrics`: records, windows, units, alerts, dashboard. */
function businessMetricsSection(): string[] {
  return [
    "## Key business metrics",
    "",
    `Each entry of \`businessMetrics\` in the stack config (docs/configuration.md) is recorded as ${BUSINESS_WINDOWS.map((w) => code(`business:<name>:${w}`)).join(" and ")} in the rule group \`business.recording\`: one rule per metric and window, so the rules grow with the number of business metrics, never with the number of services. Why these windows: \`${BUSINESS_ALERT_WINDOW}\` is what the alerts compare and the dashboard compares week over week, because business events are sparse (a few sign-ups a minute) and a shorter window is mostly noise, and an hour is the unit they are talked about in; \`5m\` shows a step (a release that breaks checkout) within minutes on the dashboard, too noisy to alert on.`,
    "",
    `- \`expr\`: PromQL of the value in its unit, with \`{{window}}\` as the range, such as \`sum(rate(user_signups_total{namespace="apps",job="api"}[{{window}}])) * 3600\` for sign-ups per hour. Checked like the query overrides, with Prometheus's own grammar and type checker: the result must be an instant vector (not a range vector, scalar or string), a selector that picks a service by \`job\` must also match its \`namespace\`, a name of our recording rules must exist (and no business record is read: the records of two metrics have no order), and a contract metric must be read by one of its series.`,
    `- \`counter\`: a counter of the metric contract (${CONTRACT_COUNTERS.map(code).join(", ")}), recorded as its rate over the configured services in a rate unit: ${code(counterExpr(CONTRACT_COUNTERS[0]!, "perMinute", SERVICE_DATA.info))} for \`perMinute\`.`,
    `- \`unit\`: ${BUSINESS_UNIT_IDS.map((u) => `${code(u)} (${BUSINESS_UNITS[u].text}, Grafana unit ${code(BUSINESS_UNITS[u].grafana)})`).join(", ")}. Thresholds must lie within the unit's range.`,
    `- \`badDirection\` and \`thresholds\`: each threshold is one alert rule in \`business.alerts\` on \`business:<name>:${BUSINESS_ALERT_WINDOW}\` for ${BUSINESS_ALERT_FOR}: \`BusinessMetricLow\` below it when \`down\` is bad, \`BusinessMetricHigh\` above it when \`up\` is. Labels: \`priority\` (the threshold's), \`team\` (the owner), \`business_metric\` (the name; Alertmanager lets a P1 quiet only the lesser alerts of the same metric). A metric without a value (0/0, its service gone) does not fire. One threshold per priority, the more urgent at the worse value. Runbook: [business-metrics](../runbooks/business-metrics.md).`,
    `- Dashboard **Business metrics** (\`obs-business\`): a panel per metric with the last ${BUSINESS_ALERT_WINDOW}, the same ${BUSINESS_ALERT_WINDOW} a week earlier (\`offset ${BUSINESS_COMPARISON_OFFSET}\`; Grafana reads Thanos, which keeps 5-minute data at least 10 days (\`thanos.retention\`), so last week is there whatever Prometheus's own retention), the last 5m and the thresholds.`,
    "",
  ];
}

/** docs/logs.md: the structured log contract, log levels, log types and their retention. */
export function logsDoc(): string {
  return [
    HEADER("the log contract (infra/catalog/log-schema.ts), the log levels and the retention table"),
    "# Log contract",
    "",
    "Applications write one JSON object per line to stdout; Filebeat ships it, the ingest pipeline parses, classifies and masks it, and each log type lives in its own data stream and archive bucket. The spec's example line:",
    "",
    "```json",
    JSON.stringify(LOG_EXAMPLE),
    "```",
    "",
    "| Field | Type | Required | Example | Meaning |",
    "|---|---|---|---|---|",
    ...LOG_FIELDS.map(
      (f) =>
        `| ${code(f.name)} | ${f.esType === "alias" ? `alias of ${code(f.aliasOf ?? "")}` : f.esType} | ${f.required ? "yes" : "no"} | ${code(String(f.example))} | ${cell(f.meaning)}${f.values ? `; one of ${f.values.map(code).join(", ")}` : ""} |`,
    ),
    "",
    "Added by the pipeline:",
    "",
    "| Field | Type | Meaning |",
    "|---|---|---|",
    ...PIPELINE_FIELDS.map((f) => `| ${code(f.name)} | ${f.esType} | ${cell(f.meaning)} |`),
    "",
    "## Levels",
    "",
    "| Level | Meaning |",
    "|---|---|",
    ...LOG_LEVELS.map((l) => `| ${code(l)} | ${LOG_LEVEL_MEANING[l]} |`),
    "",
    "## Log types and retention",
    "",
    "A line's `log_type` decides its data stream, its retention in Elasticsearch and its archive bucket. A line without one is classified by the first matching rule:",
    "",
    ...LOG_CLASSIFICATION.map(
      (r, i) =>
        `${i + 1}. ${r.when ? `${code(r.when.field)} is ${r.when.oneOf.map(code).join(" or ")}` : "otherwise"}: ${code(r.logType)}`,
    ),
    "",
    "| Log type | Retention | Audit events |",
    "|---|---|---|",
    ...LOG_TYPES.map(
      (t) =>
        `| ${code(t)} | ${RETENTION[t].period} | ${t === "audit" ? AUDIT_EVENTS.map((e) => `${code(e)} (${AUDIT_EVENT_MEANING[e]})`).join(", ") : "—"} |`,
    ),
    "",
    `Sensitive fields removed wherever they occur, any case: ${SENSITIVE_FIELDS.map(code).join(", ")} (plus \`logging.redactFields\`).`,
    "",
  ].join("\n");
}

/** docs/policies.md: the policy pack's policies. */
export function policiesDoc(): string {
  return [
    HEADER("the policy pack (policy/)"),
    "# Policy pack",
    "",
    "`pulumi preview --policy-pack policy` runs these on every pull request; a mandatory violation fails the preview.",
    "",
    "| Policy | Enforcement | What it checks |",
    "|---|---|---|",
    ...ALL_POLICIES.map((p) => `| ${code(p.name)} | ${p.enforcementLevel} | ${cell(p.description)} |`),
    "",
  ].join("\n");
}

/** The post-mortem template's sections: `## ` headings, each with its guidance paragraph(s). */
export function postmortemSections(template: string): { title: string; guidance: string }[] {
  return template
    .split(/^## /m)
    .slice(1)
    .map((block) => {
      const [title = "", ...rest] = block.split("\n");
      return {
        title: title.trim(),
        guidance: rest
          .join("\n")
          .trim()
          .replace(/\s*\n\s*/g, " "),
      };
    });
}

/**
 * The GitHub issue form for post-mortems, one required text area per section of
 * docs/postmortem-template.md, so that the form and the template never disagree.
 */
export function postmortemForm(): string {
  const template = readFileSync(join(REPO_ROOT, "docs/postmortem-template.md"), "utf8");
  const [first, ...rest] = postmortemSections(template);
  if (!first) throw new Error("docs/postmortem-template.md has no ## sections");
  const item = (s: { title: string; guidance: string }): FormItem => ({
    type: "textarea",
    id: s.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, ""),
    attributes: { label: s.title, description: s.guidance },
    validations: { required: true },
  });
  const form: GitHubIssueFormsConfigFileSchema = {
    name: "Post-mortem",
    description: "Blameless post-mortem of an incident (docs/postmortem-template.md).",
    title: "Post-mortem: ",
    labels: ["post-mortem"],
    body: [item(first), ...rest.map(item)],
  };
  return `# Generated from docs/postmortem-template.md by \`npm run docs\`; edit the template, not this file.\n${stringify(form, { lineWidth: 0 })}`;
}

/** Every generated doc, by its path in the repository. */
export const GENERATED_DOCS: readonly { path: string; build: () => string }[] = [
  { path: "docs/configuration.md", build: configurationDoc },
  { path: "docs/alerts.md", build: alertsDoc },
  { path: "docs/metrics.md", build: metricsDoc },
  { path: "docs/logs.md", build: logsDoc },
  { path: "docs/policies.md", build: policiesDoc },
  { path: ".github/ISSUE_TEMPLATE/postmortem.yml", build: postmortemForm },
  { path: "docs/service-check.md", build: serviceCheckDoc },
];

/** docs/service-check.md: how to run the service check, and its JSON report's schema (from zod). */
function serviceCheckDoc(): string {
  const schema = JSON.stringify(z.toJSONSchema(reportSchema), null, 2);
  const names = (ids: readonly MetricId[]) => ids.map((id) => `\`${METRIC_CONTRACT[id].name}\``).join(", ");
  const fleetOnly = [...FLEET_RECORDS, ...RESOURCE_RECORDS];
  const proved = fleetOnly
    .filter(provable)
    .map((r) => `  - \`${r.record}\` (${names(r.reads)})`)
    .join("\n");
  const cluster = fleetOnly
    .filter((r) => !provable(r))
    .map((r) => `  - \`${r.record}\`: ${r.meaning}`)
    .join("\n");
  return `<!-- Generated by \`npm run docs\` from scripts/lib/docs.ts, scripts/lib/service-check/findings.ts and the recording-rule catalog. Do not edit. -->
# Checking a service before it is onboarded

\`npm run check:service -- --stack <stack> --service <name> --metrics <url> [--metrics <url>] [--logs <file>|-] [--format table|json] [--fail-on error|warning] [--max-label-values <n>] [--interval <seconds>]\`

The service must already be in the stack's \`services\`: its kind, namespace and SLO decide what is
required. The check reads its requirements from the same catalogs that render the stack (the
[metric contract](metrics.md), the service's SLO, the recording rules and the alerts and panels that
read them, the [log contract](logs.md) and the redaction list), then:

- scrapes \`--metrics\` with the Accept header Prometheus 3 sends (OpenMetrics, then the text
  format); give the URL twice (with \`--interval\`, and traffic meanwhile) for two scrapes;
- runs \`promtool check metrics\` on the scrape (its lint lines are warnings on the families the
  platform reads and notes on the rest, such as a client library's own metrics; a service that
  answered in OpenMetrics is asked once more for the text format, the only one promtool's lint reads);
- checks each contract metric's name, type, unit and labels, the SLO latency threshold as a bucket
  bound after Prometheus 3's normalization of \`le\` (\`0.250\` is stored as \`0.25\`, \`1\` as
  \`1.0\`), bucket bounds that look like milliseconds, label values that look unbounded (ids in
  \`http_route\`, more distinct values than \`--max-label-values\`, default ${DEFAULT_MAX_LABEL_VALUES}) and labels that look like
  personal data;
- proves the SLIs: the scraped samples (the second scrape's increase continued, or one scrape's
  values repeated each minute) go through the real \`promtool test rules\` with this stack's rendered
  recording rules; every record the service's panels and alerts read is reported with its value
  ([what the proof covers](#what-the-proof-covers));
- checks \`--logs\` (a file, or \`-\` for standard input): one JSON object a line, the contract's
  fields and types, one of the five levels (the pipeline upper-cases them), \`service\` equal to the
  configured name, \`request_id\` on request-scoped lines, and no field the pipeline removes.

It exits 0 when no finding is at or above \`--fail-on\` (default \`error\`), 1 when one is, 2 when it
could not run. promtool comes from \`.tools/bin\` (\`npm run tools\`) or \`PATH\`.

## What the proof covers

Each record the stack's rule file records for the service, with the expression it records it by:
the fleet rule, or the service's own rule where an override of \`services[].queries\` takes it out
of the fleet rule. Records an SLO alert of the service reads, directly or through other records, are
\`required\` (\`sli.no-value\` is an error); the others are reported with their value, and those
without one in a single \`sli.optional-no-value\` finding. HTTP records apply to backends and
frontends alike (a frontend's server side has the same contract); a worker gets none, and is asked
for no metric that only HTTP records read.

- The records of the metric contract's queries, the ones an override may replace
  (${RECORDING_RULES.length} records; topics ${[...new Set(RECORDING_RULES.map((r) => r.topic))].join(", ")}; [metrics.md](metrics.md)).
- The records every service shares and none overrides whose series the service exposes itself:
${proved}
- Not provable from the service's scrape, because they read what the cluster scrapes about it (the
  kubelet's cAdvisor, kube-state-metrics, the blackbox exporter's dependency probes, Prometheus'
  \`up\` of the service's pods); one \`sli.cluster-side\` finding names them and those series
  rather than reporting them without a value:
${cluster}

A contract metric's labels that its records' expressions select or aggregate on are required of it
(\`label.missing\`: an error when the service's SLO alerts need the record, else a warning), for
example \`server_address\` of \`http_client_request_duration_seconds\` and
\`db_client_connection_pool_name\` of the pool metrics.

**Query overrides.** A record that uses an override reads the series the filled-in override names
(parsed with Prometheus' own PromQL grammar, \`@prometheus-io/lezer-promql\`), not the contract
metric of the default query: each such series must be exposed (\`override.missing\`, an error when
the SLO alerts need the record), and the contract metric and its labels are no longer asked for by
that record. An override's rules name the service's namespace and job, so its samples keep its
configured namespace in the proof; others may get a \`check-<n>\` namespace (and the service's
\`job:service:info\` there). Services checked together share one \`promtool test rules\` run
unless they need different rule files or the same (namespace, job): then as few runs as that allows,
run at once.

## In an application's pull requests

\`.github/workflows/check-service.yml\` is a reusable workflow for the applications' repositories.
It checks out the application and this repository at the ref the caller gives (a called workflow
cannot tell its own ref, so the caller names it twice), installs Node 20, \`npm ci\` and
\`npm run tools -- --only promtool\` (the one tool it needs), starts the service with \`start\`, waits for \`metrics-url\`, runs \`traffic\`
once, then over and over while the check scrapes twice \`interval\` seconds apart, checks the logs of
\`log-file\` (else the service's standard output) and runs the check with \`--format json\`. The
job fails by the check's exit code (\`fail-on\`); the table goes to the job summary and, in a
second job that runs nothing of the application and alone may write to pull requests, to one
comment per service on the pull request (none for forks, which get no such token).

\`\`\`yaml
jobs:
  service-check:
    permissions: { contents: read, pull-requests: write }
    uses: example/observability/.github/workflows/check-service.yml@v1.4.0
    with:
      platform-repository: example/observability
      platform-ref: v1.4.0
      stack: prod
      service: checkout
      start: npm start
      traffic: for i in $(seq 50); do curl -fsS http://127.0.0.1:8000/health; done
      metrics-url: http://127.0.0.1:8000/metrics
\`\`\`

Its inputs reach the scripts only through environment variables; \`tests/ci/\` lints it with
actionlint, holds it to the repository's workflow rules and runs its scripts on a real service.
When this repository is private, the caller's token cannot read it: pass a token that can
(a fine-grained one with contents read on this repository alone) as the secret \`platform-token\`
(\`secrets: { platform-token: \${{ secrets.OBSERVABILITY_READ_TOKEN }} }\`). Only the platform's
checkout sees it, and it is not kept for the application's code. GitHub passes no secrets to a
workflow run for a fork's pull request, so with a private platform repository the check cannot run
on those: their platform checkout fails.
The check trusts the service it checks: it is a contract check, not a gate against a hostile branch.

## JSON report

\`--format json\` prints one object of this schema (\`schemaVersion\` 1). Finding \`id\`s are stable:

| id | meaning |
| --- | --- |
${Object.entries(FINDING_IDS)
  .map(([id, meaning]) => `| \`${id}\` | ${meaning.replaceAll("|", "\\|")} |`)
  .join("\n")}

\`\`\`json
${schema}
\`\`\`
`;
}
