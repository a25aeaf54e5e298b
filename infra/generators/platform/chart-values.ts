import { PRIORITIES, type Priority } from "../../catalog/alert-levels";
import { runbookUrl } from "../metrics/rules";
import type { StackConfig } from "../../config";
import { type MetricsInput, resolveMetrics } from "../metrics/settings";
import { podSecurityTable } from "../pod-security";
import {
  CHART_GROUPS,
  type ChartGroup,
  type ChartGroupKey,
  type ChartPriority,
  type ChartSeverity,
  SEVERITY_FALLBACK,
  UPSTREAM_RUNBOOKS,
} from "./chart-rules";

/**
 * What kube-prometheus-stack lets us set on its default alerts (templates/prometheus/rules-1.14/
 * at the pinned version), and so how our labels reach them:
 * - `defaultRules.rules.<group>` and `defaultRules.disabled.<Alert>` turn groups and alerts off;
 *   `disabled` acts on the name, so both severities of a two-threshold alert go together.
 * - `customRules.<Alert>` sets only `severity` and `for`, for every rule of that name; we keep the
 *   chart's, so that `severity` means what upstream says and the priority table can key on it.
 * - `defaultRules.additionalRuleLabels` adds labels to every alert and
 *   `additionalRuleGroupLabels.<group>` to a group's: both are written after `severity`, unmerged,
 *   so neither may repeat a key (a YAML map with a key twice). There is no per-alert label.
 * - `additionalRuleGroupAnnotations.<group>` and `additionalRuleAnnotations.<Alert>` are merged
 *   (the alert's win) and replace the chart's annotation of the same name (`runbook_url` too).
 * So `team` is a label of every alert, `component` of each group's and `runbook_url` of each
 * group's, while `priority`, which differs per alert, is added on the way to Alertmanager by
 * Prometheus's alert relabelling (priorityRelabelling).
 */

export interface ChartAlert {
  alert: string;
  severity: ChartSeverity;
  group: ChartGroupKey;
  priority: ChartPriority;
  reason: string;
  /** The group's component and runbook (undefined for alerts of a group that is off). */
  component?: string;
  runbook?: string;
  /** Upstream's runbook of the alert (runbooks.prometheus-operator.dev). */
  upstreamRunbook?: string;
}

const groups = (): [ChartGroupKey, ChartGroup][] =>
  Object.entries(CHART_GROUPS) as [ChartGroupKey, ChartGroup][];

/** Every alert of the chart, one entry per name and severity, with what we do with it. */
export function chartAlerts(): ChartAlert[] {
  return groups().flatMap(([group, g]) =>
    Object.entries(g.alerts).flatMap(([alert, bySeverity]) =>
      (Object.entries(bySeverity) as [ChartSeverity, { priority: ChartPriority; reason: string }][]).map(
        ([severity, r]) => ({
          alert,
          severity,
          group,
          priority: g.on ? r.priority : "off",
          reason: r.reason,
          ...(g.on ? { component: g.component, runbook: g.runbook } : {}),
          ...(g.upstream
            ? { upstreamRunbook: `${UPSTREAM_RUNBOOKS}/${g.upstream}/${alert.toLowerCase()}` }
            : {}),
        }),
      ),
    ),
  );
}

/** The chart's alerts that fire in our stack, with their priority. */
export const enabledChartAlerts = (): (ChartAlert & { priority: Priority })[] =>
  chartAlerts().filter((a): a is ChartAlert & { priority: Priority } => a.priority !== "off");

/**
 * What is wrong with the table itself: an alert whose severities are partly off (`disabled` turns
 * off the name), or an enabled alerting group without component or runbook.
 */
export function tableProblems(): string[] {
  const problems: string[] = [];
  const byName = new Map<string, ChartAlert[]>();
  for (const a of chartAlerts()) byName.set(a.alert, [...(byName.get(a.alert) ?? []), a]);
  for (const [name, rows] of byName) {
    if (new Set(rows.map((r) => r.group)).size > 1) problems.push(`${name} is listed in more than one group`);
    const offs = rows.filter((r) => r.priority === "off").length;
    if (offs > 0 && offs < rows.length)
      problems.push(`${name}: defaultRules.disabled turns off every severity of it, not one`);
  }
  for (const [key, g] of groups())
    if (g.on && Object.keys(g.alerts).length > 0 && (!g.component || !g.runbook))
      problems.push(`group ${key} is on but has no component or runbook`);
  return problems;
}

/** The `defaultRules` values: groups, disabled alerts, and the labels and runbook of each group. */
export function defaultRulesValues(config: Pick<MetricsInput, "metrics">): Record<string, unknown> {
  const on = groups().filter(([, g]) => g.on && g.component);
  const disabled = chartAlerts()
    .filter((a) => a.priority === "off" && CHART_GROUPS[a.group].on)
    .map((a) => a.alert);
  return {
    create: true,
    rules: Object.fromEntries(groups().map(([key, g]) => [key, g.on])),
    disabled: Object.fromEntries([...new Set(disabled)].map((a) => [a, true])),
    additionalRuleLabels: { team: resolveMetrics(config).ownerTeam },
    additionalRuleGroupLabels: Object.fromEntries(on.map(([key, g]) => [key, { component: g.component }])),
    additionalRuleGroupAnnotations: Object.fromEntries(
      on.map(([key, g]) => [key, { runbook_url: runbookUrl(config, g.runbook as string) }]),
    ),
  };
}

/** One `alert_relabel_configs` entry of Prometheus's configuration (its own field names). */
export interface AlertRelabelConfig {
  source_labels: string[];
  separator: string;
  regex: string;
  target_label: string;
  replacement: string;
  action: "replace";
}

/** What the chart's alert relabelling reads of the stack config. */
export type RelabelInput = Pick<StackConfig, "metrics" | "logging" | "grafana" | "services">;

/**
 * Where the platform runs (every namespace it creates, node-exporter's and Filebeat's included): a
 * P1 of the chart's table is a page only about these namespaces' objects.
 */
export function platformNamespaces(config: Omit<RelabelInput, "services">): string[] {
  return [...new Set(podSecurityTable(config).map((n) => n.namespace))];
}

/**
 * Prometheus's alert relabelling that gives each of the chart's alerts its priority: the first
 * matching rule sets `priority`, and every rule requires it to be empty, so alerts that carry
 * their own (ours, and every alert of infra/generators) pass unchanged. Rules by name and severity
 * first, then the severity fallback for alerts the table does not know. Every rule also requires
 * the owner team that the chart's rules carry (`additionalRuleLabels`): another team's
 * PrometheusRule, which this Prometheus also evaluates, keeps its alerts as its authors wrote them.
 * The table's P1s (the platform losing data or unable to alert) page only for objects in the
 * platform's namespaces: an application's volume filling up falls to the fallback (P2), its team's.
 */
export function priorityRelabelling(config: Omit<RelabelInput, "services">): AlertRelabelConfig[] {
  const owner = resolveMetrics(config).ownerTeam;
  const platform = platformNamespaces(config).join("|");
  const rule = (regex: string, priority: Priority, source: string[]): AlertRelabelConfig => ({
    source_labels: ["priority", "team", ...source],
    separator: ";",
    regex,
    target_label: "priority",
    replacement: priority,
    action: "replace",
  });
  const alerts = enabledChartAlerts();
  const byName = PRIORITIES.flatMap((priority) =>
    (["critical", "warning", "info", "none"] as const).flatMap((severity) => {
      const names = [
        ...new Set(
          alerts.filter((a) => a.priority === priority && a.severity === severity).map((a) => a.alert),
        ),
      ].sort();
      const where = priority === "P1" ? `(${platform})` : ".*";
      return names.length > 0
        ? [
            rule(`;${owner};(${names.join("|")});${severity};${where}`, priority, [
              "alertname",
              "severity",
              "namespace",
            ]),
          ]
        : [];
    }),
  );
  const fallback = (Object.entries(SEVERITY_FALLBACK) as [ChartSeverity, { priority: ChartPriority }][]).map(
    ([severity, r]) => rule(`;${owner};${severity}`, r.priority as Priority, ["severity"]),
  );
  return [...byName, ...fallback];
}

/**
 * After the priority: the chart's alerts about an application namespace go to the team whose
 * services live there (`services[].namespace`), not the platform's owner team. A namespace shared
 * by several teams' services keeps the owner team, who can tell which service it is.
 */
export function teamRelabelling(config: RelabelInput): AlertRelabelConfig[] {
  const owner = resolveMetrics(config).ownerTeam;
  const platform = new Set(platformNamespaces(config));
  const teams = new Map<string, Set<string>>();
  for (const s of config.services) teams.set(s.namespace, (teams.get(s.namespace) ?? new Set()).add(s.team));
  return [...teams]
    .filter(([ns, t]) => t.size === 1 && !platform.has(ns) && !t.has(owner))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, t]) => ({
      source_labels: ["team", "namespace"],
      separator: ";",
      regex: `${owner};${ns}`,
      target_label: "team",
      replacement: [...t][0] as string,
      action: "replace" as const,
    }));
}

/** The whole alert relabelling: priorities first (they read the owner team), then teams. */
export const alertRelabelling = (config: RelabelInput): AlertRelabelConfig[] => [
  ...priorityRelabelling(config),
  ...teamRelabelling(config),
];
