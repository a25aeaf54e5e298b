import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { ALERT_LEVELS, PRIORITIES, type Priority } from "../infra/catalog/alert-levels";
import { CHART_GROUPS, type MANAGED_CONTROL_PLANE } from "../infra/generators/platform/chart-rules";
import { asArray, asRecord, dedupe, entries, isProductionStack, known, prop, productionConfig } from "./lib";

/**
 * Labels and annotations the spec's alerting rules require of every alert ("Set clear ownership",
 * "Document runbooks"); an alert without `service` (static or joined) names its platform
 * `component` instead, or the key business metric it watches (`business_metric`).
 */
export const REQUIRED_LABELS = ["priority", "team"] as const;
export const REQUIRED_ANNOTATIONS = ["summary", "runbook_url"] as const;

export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const GRAFANA_RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup";
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

interface AlertDefinition {
  name: string;
  labels: Record<string, unknown>;
  annotations: Record<string, unknown>;
  /** The PromQL, where the rule format has one: a label may come from a join instead of `labels`. */
  expr?: string;
  /** Labels a Grafana rule's series carry from its queries (seriesLabels). */
  seriesLabels?: Set<string>;
}

/**
 * Labels a Grafana rule's series carry from its queries: Grafana's Elasticsearch back end labels
 * each series of a terms aggregation with the field, so one rule over a team's services gives
 * each alert its `service`.
 */
export function seriesLabels(rule: unknown): Set<string> {
  const out = new Set<string>();
  for (const d of asArray(prop(rule, "datas"))) {
    const model = prop(d, "model");
    let parsed: unknown;
    try {
      parsed = typeof model === "string" ? JSON.parse(model) : model;
    } catch {
      continue;
    }
    for (const b of asArray(prop(parsed, "bucketAggs"))) {
      const field = prop(b, "field");
      if (prop(b, "type") === "terms" && typeof field === "string") out.add(field);
    }
  }
  return out;
}

/**
 * Labels an expression's `group_left (...)` / `group_right (...)` joins add to every result: one
 * alert rule for all services takes `team` from an info series this way, per service.
 */
export function joinedLabels(expr: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of (expr ?? "").matchAll(/group_(?:left|right)\s*\(([^)]*)\)/g))
    for (const l of (m[1] ?? "").split(",")) if (l.trim()) out.add(l.trim());
  return out;
}

/** The alerting rules a resource defines: PrometheusRule groups, Grafana rule groups, rules in Helm values. */
function alertsOf(type: string, props: Record<string, unknown>): AlertDefinition[] {
  const fromGroups = (groups: unknown): AlertDefinition[] =>
    asArray(groups).flatMap((g) =>
      asArray(prop(g, "rules")).flatMap((r) => {
        const alert = prop(r, "alert");
        return typeof alert === "string"
          ? [
              {
                name: alert,
                labels: asRecord(prop(r, "labels")),
                annotations: asRecord(prop(r, "annotations")),
                expr: String(prop(r, "expr") ?? ""),
              },
            ]
          : [];
      }),
    );
  if (type === PROMETHEUS_RULE) return fromGroups(prop(prop(props, "spec"), "groups"));
  if (type === GRAFANA_RULE_GROUP)
    return asArray(prop(props, "rules")).map((r) => ({
      name: String(prop(r, "name")),
      labels: asRecord(prop(r, "labels")),
      annotations: asRecord(prop(r, "annotations")),
      seriesLabels: seriesLabels(r),
    }));
  if (type === HELM_RELEASE) {
    const values = prop(props, "values");
    const extra = prop(values, "additionalPrometheusRulesMap");
    return [
      ...entries(extra).flatMap(([, v]) => fromGroups(prop(v, "groups"))),
      ...chartDefaultAlerts(values),
    ];
  }
  return [];
}

/** The scrape component some of the chart's rule groups also need (`<key>.enabled`). */
const GROUP_GATES: Record<string, keyof typeof MANAGED_CONTROL_PLANE> = {
  etcd: "kubeEtcd",
  kubeControllerManager: "kubeControllerManager",
  kubeSchedulerAlerting: "kubeScheduler",
  kubeProxy: "kubeProxy",
};

/**
 * One `replace` step of Prometheus's relabelling (the only action that adds labels; others are
 * left out, which can only leave a label missing): the source labels joined by the separator must
 * match the whole regex; the target gets the replacement with `$1`-style groups expanded.
 */
export function relabel(labels: Record<string, string>, configs: unknown[]): Record<string, string> {
  const out = { ...labels };
  for (const c of configs) {
    if ((prop(c, "action") ?? "replace") !== "replace") continue;
    const target = prop(c, "target_label");
    if (typeof target !== "string") continue;
    const value = asArray(prop(c, "source_labels"))
      .map((l) => out[String(l)] ?? "")
      .join(String(prop(c, "separator") ?? ";"));
    const m = new RegExp(`^(?:${String(prop(c, "regex") ?? "(.*)")})$`, "s").exec(value);
    if (!m) continue;
    const result = String(prop(c, "replacement") ?? "$1").replace(
      /\$\{?(\w+)\}?/g,
      (_, g: string) => m[Number(g)] ?? "",
    );
    if (result === "") delete out[target];
    else out[target] = result;
  }
  return out;
}

/**
 * kube-prometheus-stack's default alerts as a release's values configure them: each alert of the
 * chart (infra/generators/platform/chart-rules.ts lists them at the pinned version) whose group is
 * on and which is not disabled, with the labels the chart gives it (`severity`,
 * `additionalRuleLabels`, the group's `additionalRuleGroupLabels`), then Prometheus's alert
 * relabelling (`prometheusSpec.additionalAlertRelabelConfigs`), which is how alerts reach
 * Alertmanager. The chart writes a summary and a runbook_url on every one of them.
 */
function chartDefaultAlerts(values: unknown): AlertDefinition[] {
  const rules = prop(values, "defaultRules");
  if (rules === undefined || prop(rules, "create") === false) return [];
  const relabelling = asArray(
    prop(prop(prop(values, "prometheus"), "prometheusSpec"), "additionalAlertRelabelConfigs"),
  );
  const common = asRecord(prop(rules, "additionalRuleLabels"));
  return Object.entries(CHART_GROUPS).flatMap(([group, g]) => {
    const gate = GROUP_GATES[group];
    if (prop(prop(rules, "rules"), group) === false) return [];
    if (gate && prop(prop(values, gate), "enabled") === false) return [];
    const groupLabels = asRecord(prop(prop(rules, "additionalRuleGroupLabels"), group));
    return Object.entries(g.alerts).flatMap(([alert, bySeverity]) =>
      prop(prop(rules, "disabled"), alert) === true
        ? []
        : Object.keys(bySeverity).map((severity) => {
            const labels = Object.fromEntries(
              Object.entries({ ...common, ...groupLabels }).map(([k, v]) => [k, String(v)]),
            );
            const sent = relabel({ ...labels, alertname: alert, severity }, relabelling);
            delete sent.alertname;
            return {
              name: `${alert} (kube-prometheus-stack, ${severity})`,
              labels: sent,
              annotations: { summary: "(the chart's)", runbook_url: "(the chart's)" },
            };
          }),
    );
  });
}

/** What an alert lacks, as readable phrases. */
export function alertProblems(a: AlertDefinition): string[] {
  const problems: string[] = [];
  const priority = a.labels.priority;
  if (priority === undefined) problems.push("no priority label");
  else if (!(PRIORITIES as readonly unknown[]).includes(priority))
    problems.push(`priority "${String(priority)}" is not one of ${PRIORITIES.join(", ")}`);
  const joined = joinedLabels(a.expr);
  const has = (l: string) =>
    (typeof a.labels[l] === "string" && a.labels[l] !== "") || joined.has(l) || !!a.seriesLabels?.has(l);
  for (const l of REQUIRED_LABELS.filter((x) => x !== "priority"))
    if (!has(l)) problems.push(`no ${l} label`);
  if (!has("service") && !has("component") && !has("business_metric"))
    problems.push("no service or component label");
  for (const n of REQUIRED_ANNOTATIONS)
    if (typeof a.annotations[n] !== "string" || a.annotations[n] === "") problems.push(`no ${n} annotation`);
  return problems;
}

export const alertRulesLabelled: ResourceValidationPolicy = {
  name: "alert-rules-labelled",
  description:
    "Every alerting rule carries the labels priority (P1-P3), team (static, or joined per service with `group_left (team)` from an info series) and service (likewise, or for a Grafana rule from its queries' terms split on `service`) or, for the platform's own parts, component (for a key business metric, business_metric), and the annotations summary and runbook_url: without them an alert is misrouted or reaches someone who cannot act on it. kube-prometheus-stack's default alerts are checked as the release's values configure them: the chart's labels per rule and group, then Prometheus's alert relabelling.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Generate rules through infra/generators/metrics, which sets priority, team, service or component, summary and runbook_url; give the chart's default alerts their labels in infra/generators/platform/chart-rules.ts.",
  validateResource: (args, reportViolation) => {
    const alerts = known(() => alertsOf(args.type, args.props)) ?? [];
    for (const a of alerts) {
      const problems = alertProblems(a);
      if (problems.length > 0) reportViolation(`alert ${a.name} in ${args.name}: ${problems.join(", ")}`);
    }
  },
};

// ---- P1 routing -------------------------------------------------------------------------------

type Labels = Record<string, string>;

/** One matcher: `name op "value"` strings, or objects as in AlertmanagerConfig / Grafana. */
function matcherMatches(m: unknown, labels: Labels): boolean {
  let name: string;
  let op: string;
  let value: string;
  if (typeof m === "string") {
    const parsed = /^\s*\{?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*\}?\s*$/.exec(m);
    if (!parsed) return false;
    [, name = "", op = "=", value = ""] = parsed;
  } else {
    name = String(prop(m, "name") ?? prop(m, "label") ?? "");
    value = String(prop(m, "value") ?? "");
    const type = prop(m, "matchType") ?? prop(m, "match") ?? (prop(m, "regex") === true ? "=~" : "=");
    op = String(type);
  }
  const actual = labels[name] ?? "";
  switch (op) {
    case "=":
      return actual === value;
    case "!=":
      return actual !== value;
    case "=~":
      return new RegExp(`^(?:${value})$`).test(actual);
    case "!~":
      return !new RegExp(`^(?:${value})$`).test(actual);
    default:
      return false;
  }
}

function routeMatches(route: unknown, labels: Labels): boolean {
  const matchers = [
    ...asArray(prop(route, "matchers")),
    ...asArray(prop(route, "object_matchers")),
    ...entries(prop(route, "match")).map(([k, v]) => `${k}="${String(v)}"`),
    ...entries(prop(route, "match_re")).map(([k, v]) => `${k}=~"${String(v)}"`),
  ];
  return matchers.every((m) => matcherMatches(m, labels));
}

/** Child routes: Alertmanager `routes`, Grafana notification policy `policies`. */
const children = (route: unknown): unknown[] => [
  ...asArray(prop(route, "routes")),
  ...asArray(prop(route, "policies")),
];

/** Alertmanager's routing: depth first, first matching child unless `continue`; the node itself if none matches. */
export function routeReceivers(route: unknown, labels: Labels, inherited = ""): string[] {
  const receiver = String(prop(route, "receiver") ?? prop(route, "contactPoint") ?? inherited);
  const found: string[] = [];
  for (const child of children(route)) {
    if (!routeMatches(child, labels)) continue;
    found.push(...routeReceivers(child, labels, receiver));
    if (prop(child, "continue") !== true) break;
  }
  return found.length > 0 ? found : [receiver];
}

/** Values of `team` matchers in a routing tree, so that every team's P1 route is checked. */
function teamsIn(route: unknown, out = new Set<string>()): Set<string> {
  for (const m of asArray(prop(route, "matchers"))) {
    const parsed = typeof m === "string" ? /^\s*team\s*=\s*"?([^"]*)"?\s*$/.exec(m) : undefined;
    if (parsed?.[1]) out.add(parsed[1]);
    const label = prop(m, "label") ?? prop(m, "name");
    const value = prop(m, "value");
    if (
      label === "team" &&
      typeof value === "string" &&
      (prop(m, "match") ?? prop(m, "matchType") ?? "=") === "="
    )
      out.add(value);
  }
  const team = prop(prop(route, "match"), "team");
  if (typeof team === "string") out.add(team);
  for (const c of children(route)) teamsIn(c, out);
  return out;
}

const PHONE_INTEGRATIONS = [
  "pagerduty_configs",
  "opsgenie_configs",
  "pagerdutyConfigs",
  "opsgenieConfigs",
  "pagerduties",
  "opsgenies",
];

export const SENTRY_ISSUE_ALERT = "sentry:index/sentryIssueAlert:SentryIssueAlert";
/** Sentry's issue-alert actions that page: its PagerDuty and Opsgenie integrations. */
const SENTRY_PAGING_ACTIONS = /^sentry\.integrations\.(pagerduty|opsgenie)\./;

export const GRAFANA_NOTIFICATION_POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy";
export const GRAFANA_CONTACT_POINT = "grafana:alerting/contactPoint:ContactPoint";

interface FoundConfig {
  where: string;
  urn: string;
  config: unknown;
}

/** Alertmanager configurations in a stack: in kube-prometheus-stack values, in Secrets, in AlertmanagerConfig resources. */
export function alertmanagerConfigs(resources: PolicyResource[]): FoundConfig[] {
  const found: FoundConfig[] = [];
  for (const r of resources) {
    if (r.type === HELM_RELEASE) {
      const cfg = known(() => prop(prop(r.props.values, "alertmanager"), "config"));
      if (cfg && typeof cfg === "object")
        found.push({ where: `Helm release ${r.name}`, urn: r.urn, config: cfg });
    } else if (r.type === "kubernetes:core/v1:Secret") {
      const text =
        prop(
          known(() => r.props.stringData),
          "alertmanager.yaml",
        ) ??
        (() => {
          const b64 = prop(
            known(() => r.props.data),
            "alertmanager.yaml",
          );
          return typeof b64 === "string" ? Buffer.from(b64, "base64").toString("utf8") : undefined;
        })();
      if (typeof text === "string")
        found.push({ where: `Secret ${r.name}`, urn: r.urn, config: parseYaml(text) });
    } else if (r.type === "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig") {
      const spec = known(() => r.props.spec);
      found.push({ where: `AlertmanagerConfig ${r.name}`, urn: r.urn, config: spec });
    } else if (r.type === GRAFANA_NOTIFICATION_POLICY) {
      // Grafana's tree routes to contact points, which play the part of receivers.
      const receivers = resources
        .filter((c) => c.type === GRAFANA_CONTACT_POINT)
        .map((c) => Object.fromEntries(entries(c.props)));
      found.push({
        where: `Grafana notification policy ${r.name}`,
        urn: r.urn,
        config: { route: r.props, receivers },
      });
    }
  }
  return found;
}

export const PAGERDUTY = {
  service: "pagerduty:index/service:Service",
  escalationPolicy: "pagerduty:index/escalationPolicy:EscalationPolicy",
  integration: "pagerduty:index/serviceIntegration:ServiceIntegration",
} as const;
/** Production stacks must escalate an unacknowledged P1 to a second person. */
export const MIN_ESCALATION_LEVELS = 2;

const parentOf = (r: PolicyResource): string | undefined => r.opts.parent ?? r.parent?.urn;

/**
 * The one resource of a type a resource references through `key`: by the engine's property
 * dependencies under `pulumi preview`, else the only one of that type under the same parent (the
 * program groups each team's PagerDuty resources in one component; the render records no
 * dependencies).
 */
function referenced(
  r: PolicyResource,
  key: string,
  type: string,
  all: PolicyResource[],
): PolicyResource | undefined {
  const dep = (r.propertyDependencies?.[key] ?? []).find((d) => d.type === type);
  if (dep) return dep;
  const siblings = all.filter((x) => x.type === type && parentOf(x) === parentOf(r) && parentOf(r));
  return siblings.length === 1 ? siblings[0] : undefined;
}

/**
 * Where a PagerDuty key file's pages end: the escalation levels of the managed policy behind it, or
 * why that cannot be known. A managed integration names its key file (`... (key <file>)`).
 */
export function escalationOfKeyFile(file: string, resources: PolicyResource[]): number | string {
  const key = file.split("/").pop() ?? file;
  const integration = resources.find(
    (r) =>
      r.type === PAGERDUTY.integration && String(known(() => r.props.name) ?? "").includes(`(key ${key})`),
  );
  if (!integration)
    return `its key ${key} comes from no PagerDuty integration managed in this stack, so its escalation cannot be checked`;
  const service = referenced(integration, "service", PAGERDUTY.service, resources);
  if (!service) return `the integration of key ${key} belongs to no service of this stack`;
  const policy = referenced(service, "escalationPolicy", PAGERDUTY.escalationPolicy, resources);
  if (!policy) return `the service ${service.name} has no escalation policy of this stack`;
  return asArray(known(() => policy.props.rules)).length;
}

export const p1PagesPhone: StackValidationPolicy = {
  name: "p1-routes-to-phone",
  description: `Every P1 alert reaches a phone-paging receiver (PagerDuty or Opsgenie) in the Alertmanager and Grafana routing trees, for every team, and every P1 Sentry issue alert pages: the spec answers P1 within ${ALERT_LEVELS.P1.responseMinutes} minutes by phone. In production every team's P1 through PagerDuty ends in an escalation policy of this stack with at least ${MIN_ESCALATION_LEVELS} levels, so an unacknowledged page reaches a second person.`,
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const configs = alertmanagerConfigs(args.resources);
    const sentryP1 = args.resources.filter(
      (r) => r.type === SENTRY_ISSUE_ALERT && /^\[P1\]/.test(String(known(() => r.props.name) ?? "")),
    );
    if (configs.length === 0 && sentryP1.length === 0)
      args.notApplicable("the stack has no Alertmanager configuration and no P1 Sentry alert");
    for (const r of sentryP1) {
      const actions = asArray(known(() => r.props.actions)).map((a) => String(prop(a, "id") ?? ""));
      if (!actions.some((id) => SENTRY_PAGING_ACTIONS.test(id)))
        report(
          `Sentry alert "${String(known(() => r.props.name))}" is P1 but has no PagerDuty/Opsgenie action (${actions.join(", ") || "no action"})`,
          r.urn,
        );
    }
    const production = isProductionStack(args);
    for (const { where, urn, config } of configs) {
      const route = prop(config, "route");
      if (route === undefined) {
        report(`${where}: the Alertmanager configuration has no routing tree`, urn);
        continue;
      }
      const receivers = new Map(asArray(prop(config, "receivers")).map((r) => [String(prop(r, "name")), r]));
      const pages = (name: string) =>
        PHONE_INTEGRATIONS.some((k) => asArray(prop(receivers.get(name), k)).length > 0);
      for (const team of [...teamsIn(route), ""]) {
        const labels: Labels = {
          priority: "P1" satisfies Priority,
          alertname: "PolicyProbe",
          ...(team ? { team } : {}),
        };
        const reached = routeReceivers(route, labels);
        if (!reached.some(pages))
          report(
            `${where}: a P1 alert${team ? ` of team ${team}` : " without a team"} is routed to ${reached.join(", ")}, which has no phone paging (PagerDuty/Opsgenie)`,
            urn,
          );
        if (!team || !production) continue;
        for (const name of reached)
          for (const pd of asArray(prop(receivers.get(name), "pagerduty_configs"))) {
            const file = prop(pd, "routing_key_file");
            const levels =
              typeof file === "string"
                ? escalationOfKeyFile(file, args.resources)
                : "it has no routing_key_file naming its key";
            if (typeof levels === "string")
              report(`${where}: team ${team}'s P1 pages through receiver ${name}, but ${levels}`, urn);
            else if (levels < MIN_ESCALATION_LEVELS)
              report(
                `${where}: team ${team}'s P1 pages through receiver ${name}, whose escalation policy has ${levels} level(s); production needs at least ${MIN_ESCALATION_LEVELS}`,
                urn,
              );
          }
      }
    }
  },
};

export const alertPolicies = [alertRulesLabelled, p1PagesPhone];
