import {
  FLEET_RECORDS,
  fleetExpr,
  fleetShape,
  leRegex,
  overTimeExpr,
  type QueryId,
  RECORDING_RULES,
  RESOURCE_RECORDS,
  type RecordingRuleSpec,
  recordingExpr,
  SERVICE_LABELS,
  slowRateExpr,
} from "../../catalog/recording-rules";
import type { ServiceConfig } from "../../config";
import { PLATFORM_COMPONENTS } from "../platform/components";
import { ALERTS, type AlertSpec, SERVICE_DATA } from "./alerts";
import { BUSINESS_RUNBOOK, businessRuleGroups } from "./business";
import { type MetricsInput, resolveMetrics, servesHttp } from "./settings";

/** One rule in promtool's rule-file format. */
export interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: PromRule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export const runbookUrl = (config: Pick<MetricsInput, "metrics">, runbook: string): string =>
  `${config.metrics.runbookBaseUrl.replace(/\/+$/, "")}/${runbook}.md`;

/**
 * One rule per alert kind. `team` and `service` come from the join on job:service:info in the
 * expression (so `{{ $labels.service }}` is in the result); platform alerts carry the owner team,
 * and those about a component of the platform its name in `component`.
 */
function alertRule(spec: AlertSpec, config: MetricsInput, team?: string): PromRule {
  const rule: PromRule = { alert: spec.alert, expr: spec.expr(config) };
  if (spec.for) rule.for = spec.for;
  rule.labels = {
    priority: spec.priority,
    ...(team ? { team } : {}),
    ...(spec.component ? { component: spec.component } : {}),
  };
  rule.annotations = {
    summary: spec.summary,
    description: `${spec.description} Priority ${spec.priority}: ${spec.reason}.`,
    runbook_url: runbookUrl(config, spec.runbook),
  };
  return rule;
}

const HTTP_TOPICS = new Set(["traffic", "latency", "slo"]);
/** Whether a recording rule records anything for this service (HTTP records only for HTTP services). */
export const appliesTo = (r: RecordingRuleSpec, svc: ServiceConfig): boolean =>
  servesHttp(svc) || !HTTP_TOPICS.has(r.topic);

/** Services whose override of a query the rule depends on takes them out of its fleet form. */
const overriders = (r: RecordingRuleSpec, services: readonly ServiceConfig[]): ServiceConfig[] =>
  services.filter((s) => (r.dependsOn ?? [r.query]).some((id: QueryId) => s.queries?.[id] !== undefined));

/** Service names are DNS labels: no regex metacharacter needs escaping. */
const alternation = (services: readonly ServiceConfig[]): string => services.map((s) => s.name).join("|");

/**
 * The latency SLI counts requests in the bucket at each service's threshold, so its raw rules are
 * one per distinct threshold: the most common one takes every job not listed elsewhere (bytes do
 * not grow with services on the default), the others list their services.
 */
function thresholdGroups(services: readonly ServiceConfig[], excluded: readonly ServiceConfig[]) {
  const http = services.filter((s) => servesHttp(s) && !excluded.includes(s));
  const byThreshold = new Map<number, ServiceConfig[]>();
  for (const s of http) {
    const t = s.slo.latencyThresholdSeconds;
    byThreshold.set(t, [...(byThreshold.get(t) ?? []), s]);
  }
  const sorted = [...byThreshold.entries()].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
  const [main, ...rest] = sorted;
  if (!main) return [];
  const others = [...excluded, ...rest.flatMap(([, ss]) => ss)];
  return [
    { le: leRegex(main[0]), matcher: others.length ? `job!~"${alternation(others)}"` : "" },
    ...rest.map(([t, ss]) => ({ le: leRegex(t), matcher: `job=~"${alternation(ss)}"` })),
  ];
}

/** The fleet rule of one recording rule (none when no service needs it). */
function fleetRules(r: RecordingRuleSpec, services: readonly ServiceConfig[]): PromRule[] {
  const excluded = r.helper ? [] : overriders(r, services);
  const matcher = excluded.length ? `job!~"${alternation(excluded)}"` : "";
  if (r.over) return [{ record: r.record, expr: overTimeExpr(r.over, r.window, matcher) }];
  if (r.slowRate) {
    // One rule, a union over the thresholds' disjoint sets of jobs: two rules recording the same
    // name with the same labels are what promtool's lint rejects.
    const parts = thresholdGroups(services, excluded).map((g) =>
      slowRateExpr(fleetShape(g.matcher, r.window, r.quantile, g.le)),
    );
    if (parts.length === 0) return [];
    return [
      { record: r.record, expr: parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(" or ") },
    ];
  }
  const shape = fleetShape(matcher, r.window, r.quantile);
  return [{ record: r.record, expr: r.fleet ? r.fleet(shape) : fleetExpr(r.query, shape) }];
}

/**
 * How one recording rule records a service: in its fleet rule, in the service's own rule (its
 * overrides take it out of the fleet form), or not at all (an HTTP record of a worker; the slow
 * rate of a service that overrides the latency SLI, whose own SLI rules do not read it).
 */
export function recordedFor(r: RecordingRuleSpec, svc: ServiceConfig): "fleet" | "own" | "none" {
  if (!appliesTo(r, svc)) return "none";
  if (r.helper || overriders(r, [svc]).length === 0) return "fleet";
  return r.slowRate ? "none" : "own";
}

/** The name of the group of a service's own rules. */
export const overrideGroupName = (svc: Pick<ServiceConfig, "name">): string => `${svc.name}.overrides`;

/** A service's own rules: every rule whose fleet form leaves it out because of its overrides. */
function overrideRules(svc: ServiceConfig): PromRule[] {
  const ctx = {
    job: svc.name,
    namespace: svc.namespace,
    latencyThresholdSeconds: svc.slo.latencyThresholdSeconds,
    overrides: svc.queries,
  };
  return RECORDING_RULES.filter((r) => recordedFor(r, svc) === "own").map((r) => ({
    record: r.record,
    expr: recordingExpr(r, ctx),
    // The query aggregates the labels away; these put them back, also for overrides that never had them.
    labels: { namespace: svc.namespace, job: svc.name },
  }));
}

/**
 * Services per data group: at most ~260 bytes a service (a 40-character name in the info union
 * and in the four target lists, JSON-escaped), 400 services stay below the 128 KiB object budget.
 * Up to 400 services the number of rules does not change at all.
 */
export const SERVICES_PER_DATA_GROUP = 400;

/** `value * (the listed services)`, one term per distinct value: a few bytes per service. */
function dataRule(record: string, services: readonly ServiceConfig[], value: (s: ServiceConfig) => number) {
  const byValue = new Map<number, ServiceConfig[]>();
  for (const s of services) byValue.set(value(s), [...(byValue.get(value(s)) ?? []), s]);
  const terms = [...byValue.entries()].map(
    ([v, ss]) => `${v} * group by (${SERVICE_LABELS}) (${SERVICE_DATA.info}{job=~"${alternation(ss)}"})`,
  );
  return { record, expr: terms.join(" or ") };
}

/**
 * The per-service facts the alerts join on: job:service:info {namespace, job, service, team} and
 * the SLO targets of HTTP services. The targets read job:service:info recorded just before in the
 * group. Labels are set once per (team, namespace), so a service costs its name's bytes alone.
 */
function dataGroup(name: string, services: readonly ServiceConfig[]): RuleGroup {
  const byOwner = new Map<string, ServiceConfig[]>();
  for (const s of services) {
    const key = JSON.stringify([s.team, s.namespace]);
    byOwner.set(key, [...(byOwner.get(key) ?? []), s]);
  }
  const info = [...byOwner.values()]
    .map((ss) => {
      const jobs = ss.map((s) => `label_replace(vector(1), "job", "${s.name}", "", "")`).join(" or ");
      return `label_replace(label_replace(${jobs}, "namespace", "${ss[0]!.namespace}", "", ""), "team", "${ss[0]!.team}", "", "")`;
    })
    .join(" or ");
  const http = services.filter(servesHttp);
  const rules: PromRule[] = [
    { record: SERVICE_DATA.info, expr: `label_replace(${info}, "service", "$1", "job", "(.*)")` },
  ];
  if (http.length > 0)
    rules.push(
      dataRule(SERVICE_DATA.availability, http, (s) => s.slo.availability),
      dataRule(SERVICE_DATA.latencyTarget, http, (s) => s.slo.latencyTarget),
      dataRule(SERVICE_DATA.windowDays, http, (s) => s.slo.windowDays),
      dataRule(SERVICE_DATA.latencyThreshold, http, (s) => s.slo.latencyThresholdSeconds),
    );
  return { name, rules };
}

/**
 * Every rule group. The number of rules does not depend on the number of services (except for
 * overrides): the per-service facts are data (`services.data`), the recording rules evaluate all
 * services at once (`http.recording`, `resources.recording`; the long SLO windows come from the 5m
 * records in the same group, evaluated in order; `external.recording`, outbound calls per
 * destination and the dependency probes, which no service overrides), and one alert rule per kind
 * joins on SERVICE_LABELS. Declared dependencies add no rule: the Probes carry them.
 * Every rule carries its own labels rather than group-level `labels`: each alert rule is then
 * complete on its own, as the policy pack and the generated docs read it.
 */
export function ruleFile(config: MetricsInput): RuleFile {
  const { ownerTeam } = resolveMetrics(config);
  const { services } = config;
  const groups: RuleGroup[] = [];
  for (let i = 0; i * SERVICES_PER_DATA_GROUP < services.length; i++)
    groups.push(
      dataGroup(
        i === 0 ? "services.data" : `services.data.${i + 1}`,
        services.slice(i * SERVICES_PER_DATA_GROUP, (i + 1) * SERVICES_PER_DATA_GROUP),
      ),
    );
  const fleet = (http: boolean) =>
    RECORDING_RULES.filter((r) => HTTP_TOPICS.has(r.topic) === http).flatMap((r) => fleetRules(r, services));
  groups.push({ name: "http.recording", rules: fleet(true) });
  groups.push({ name: "resources.recording", rules: fleet(false) });
  // Outbound calls per destination and the dependency probes: one rule each for every service.
  const input = {
    topDestinations: config.metrics.externalCalls.topDestinations,
    probeNamespace: resolveMetrics(config).namespace,
  };
  groups.push({
    name: "external.recording",
    rules: FLEET_RECORDS.map((r) => ({ record: r.record, expr: r.expr(input) })),
  });
  // Unclosed resources, container usage and job inputs: one rule each for every service.
  groups.push({
    name: "usage.recording",
    rules: RESOURCE_RECORDS.map((r) => ({ record: r.record, expr: r.expr(input) })),
  });
  for (const svc of services) {
    const own = overrideRules(svc);
    if (own.length > 0) groups.push({ name: overrideGroupName(svc), rules: own });
  }
  // Key business metrics: a record per metric and window, an alert per threshold (none per service).
  groups.push(...businessRuleGroups(config, runbookUrl(config, BUSINESS_RUNBOOK)));
  groups.push({
    name: "services.alerts",
    rules: ALERTS.filter((a) => a.scope !== "platform").map((a) => alertRule(a, config)),
  });
  groups.push({
    name: "platform.alerts",
    rules: ALERTS.filter((a) => a.scope === "platform").map((a) => alertRule(a, config, ownerTeam)),
  });
  // The platform's own components, a group each (infra/generators/platform).
  for (const c of PLATFORM_COMPONENTS)
    groups.push({
      name: `${c.component}.alerts`,
      rules: c.alerts.map((a) => alertRule(a, config, ownerTeam)),
    });
  return { groups };
}

/** Every alert rule as a flat list, for the summary and the runbook check. */
export const alertRules = (config: MetricsInput): PromRule[] =>
  ruleFile(config).groups.flatMap((g) => g.rules.filter((r) => r.alert));
