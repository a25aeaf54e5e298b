import { RECORDING_RULES, recordingExpr } from "../../catalog/recording-rules";
import type { ServiceConfig } from "../../config";
import { ALERTS, type AlertSpec, alertsFor } from "./alerts";
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

export const runbookUrl = (config: MetricsInput, runbook: string): string =>
  `${config.metrics.runbookBaseUrl.replace(/\/+$/, "")}/${runbook}.md`;

/** `$labels` in annotations holds the query's labels only, so the service name is written in. */
const text = (template: string, service: string): string =>
  template.replaceAll("{{ $labels.service }}", service);

function alertRule(
  spec: AlertSpec,
  svc: ServiceConfig | undefined,
  team: string,
  config: MetricsInput,
): PromRule {
  const service = svc?.name;
  const rule: PromRule = { alert: spec.alert, expr: spec.expr(svc, config) };
  if (spec.for) rule.for = spec.for;
  rule.labels = { priority: spec.priority, team, ...(service ? { service } : {}) };
  rule.annotations = {
    summary: text(spec.summary, service ?? ""),
    description: `${text(spec.description, service ?? "")} Priority ${spec.priority}: ${spec.reason}.`,
    runbook_url: runbookUrl(config, spec.runbook),
  };
  return rule;
}

/** The recording rules of one service; workers skip the HTTP ones. */
function recordingRules(svc: ServiceConfig): PromRule[] {
  const ctx = {
    job: svc.name,
    latencyThresholdSeconds: svc.slo.latencyThresholdSeconds,
    overrides: svc.queries,
  };
  return RECORDING_RULES.filter(
    (r) => servesHttp(svc) || !["traffic", "latency", "slo"].includes(r.topic),
  ).map((r) => ({
    record: r.record,
    expr: recordingExpr(r, ctx),
    // The query aggregates the job away; the label puts it back, also for overrides that never had it.
    labels: { job: svc.name },
  }));
}

/**
 * Every rule group: per service its recording rules, then its alerts (which read the recordings),
 * and once the platform's own alerts. promtool 2.42 accepts no group-level labels, so every rule
 * carries its own.
 */
export function ruleFile(config: MetricsInput): RuleFile {
  const { ownerTeam } = resolveMetrics(config);
  const groups: RuleGroup[] = [];
  for (const svc of config.services) {
    groups.push({ name: `${svc.name}.recording`, rules: recordingRules(svc) });
    groups.push({
      name: `${svc.name}.alerts`,
      rules: alertsFor(svc).map((a) => alertRule(a, svc, svc.team, config)),
    });
  }
  groups.push({
    name: "platform.alerts",
    rules: ALERTS.filter((a) => a.scope === "platform").map((a) =>
      alertRule(a, undefined, ownerTeam, config),
    ),
  });
  return { groups };
}

/** Every alert rule as a flat list, for the summary and the runbook check. */
export const alertRules = (config: MetricsInput): PromRule[] =>
  ruleFile(config).groups.flatMap((g) => g.rules.filter((r) => r.alert));
