import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KUBE_PROMETHEUS_STACK } from "../../infra/versions";
import { KPS_FULLNAME } from "../../infra/generators/metrics/settings";
import type { RuleGroup } from "../../infra/generators/metrics/rules";
import { chartDir } from "../versions/chart-data";
import { renderChart } from "./charts";

/**
 * kube-prometheus-stack's own rule templates, rendered by the real Helm (`npm run tools`) with the
 * values our program sets. The chart's files are committed verbatim under
 * tests/data/charts/kube-prometheus-stack/<version>/ (templates/_helpers.tpl and
 * templates/prometheus/rules-1.14/, and the templates of the Prometheus, Alertmanager and operator
 * resources, listed with their git blob ids in templates.sources, beside the chart's values.yaml and
 * Chart.yaml), without its subcharts: no rule template reads them (tests/helpers/charts.ts).
 */

export const CHART = KUBE_PROMETHEUS_STACK.chart;

export const templatesDir = (version: string = KUBE_PROMETHEUS_STACK.version): string =>
  join(chartDir(CHART, version), "templates");
export const rulesDir = (version?: string): string => join(templatesDir(version), "prometheus", "rules-1.14");

export interface RenderedRule {
  /** metadata.name of the PrometheusRule the chart renders. */
  object: string;
  group: string;
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ChartRender {
  groups: RuleGroup[];
  rules: RenderedRule[];
  alerts: RenderedRule[];
}

/**
 * `helm template` of the committed templates with `values`, as the release's namespace: every
 * object the chart renders from them (the rule templates, and the Prometheus resource, its
 * ServiceAccount and the Thanos sidecar's Service and ServiceMonitor).
 */
export function renderChartObjects(
  values: Record<string, unknown>,
  opts: { version?: string; namespace?: string } = {},
): Record<string, unknown>[] {
  return renderChart({
    chart: CHART,
    version: opts.version ?? KUBE_PROMETHEUS_STACK.version,
    name: KPS_FULLNAME,
    namespace: opts.namespace ?? "monitoring",
    values,
    subcharts: false,
  });
}

/** The chart's rules, rendered by `helm template` of the committed templates with `values`. */
export function renderChartRules(
  values: Record<string, unknown>,
  opts: { version?: string; namespace?: string } = {},
): ChartRender {
  const groups: RuleGroup[] = [];
  const rules: RenderedRule[] = [];
  for (const doc of renderChartObjects(values, opts)) {
    const o = doc as { kind?: string; metadata: { name: string }; spec: { groups: RuleGroup[] } };
    if (o.kind !== "PrometheusRule") continue;
    for (const g of o.spec.groups) {
      groups.push(g);
      for (const rule of g.rules)
        rules.push({
          object: o.metadata.name,
          group: g.name,
          ...rule,
          labels: rule.labels ?? {},
          annotations: rule.annotations ?? {},
        });
    }
  }
  return { groups, rules, alerts: rules.filter((x) => x.alert) };
}

/** The `defaultRules.rules.<key>` switches the rule templates read, per template file. */
export function templateSwitches(version?: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of readdirSync(rulesDir(version))) {
    const text = readFileSync(join(rulesDir(version), f), "utf8");
    out.set(f, [...new Set([...text.matchAll(/\.Values\.defaultRules\.rules\.(\w+)/g)].map((m) => m[1]!))]);
  }
  return out;
}

/**
 * Values that turn on every rule template: each switch the templates read, and the scrape
 * components some of them also require. What the chart ships, whatever its defaults.
 */
export function everythingOn(version?: string): Record<string, unknown> {
  const keys = [...new Set([...templateSwitches(version).values()].flat())];
  return {
    defaultRules: { create: true, rules: Object.fromEntries(keys.map((k) => [k, true])) },
    kubeEtcd: { enabled: true },
    kubeControllerManager: { enabled: true },
    kubeScheduler: { enabled: true },
    kubeProxy: { enabled: true },
    kubeApiServer: { enabled: true },
    kubelet: { enabled: true },
    windowsMonitoring: { enabled: true },
  };
}
