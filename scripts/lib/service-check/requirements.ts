/**
 * What the platform needs of one service, derived from the catalogs, config and generators that
 * render the stack: the metric contract, the service's SLO, the recording rules and what reads
 * them (its alerts, the dashboards' panels), the log schema, levels and redaction list. Nothing
 * here is a list of its own: a change to a catalog changes the check.
 */
import { LOG_LEVELS } from "../../../infra/catalog/log-levels";
import { LINE_SCOPES, LOG_FIELDS, MISSING_REQUEST_ID_TAG } from "../../../infra/catalog/log-schema";
import { type ContractMetric, contractMetrics, type MetricId } from "../../../infra/catalog/metric-contract";
import {
  leRegex,
  QUERY_TEMPLATES,
  RECORDING_RULES,
  type RecordingRuleSpec,
} from "../../../infra/catalog/recording-rules";
import type { ServiceConfig, StackConfig } from "../../../infra/config";
import { renderDashboards } from "../../../infra/generators/grafana/dashboards";
import { sensitiveFields } from "../../../infra/generators/logging/pipeline";
import { alertsFor, appliesTo, ruleFile, servesHttp } from "../../../infra/generators/metrics";
import type { Dependent } from "./findings";

/** Labels Prometheus sets from the scrape target, not the service: never checked on the exposition. */
export const TARGET_LABELS = new Set(["job", "namespace", "instance"]);

export interface RecordRequirement {
  spec: RecordingRuleSpec;
  /** The service's SLO alerts read it, or a record they read reads it. */
  required: boolean;
  dependents: Dependent[];
}

export interface ServiceRequirements {
  stack: string;
  service: ServiceConfig;
  /** Contract metrics the service's SLO alerts cannot do without. */
  required: Set<MetricId>;
  metrics: ContractMetric[];
  /** Labels each metric's records select on (a missing one empties the record). */
  labelsRead: Map<MetricId, Set<string>>;
  /** Dependents of each contract metric (through the records that read it). */
  metricDependents: Map<MetricId, Dependent[]>;
  latencyThresholdSeconds?: number;
  /** The regex the recording rules match the threshold bucket's `le` with. */
  thresholdLeRegex?: string;
  records: RecordRequirement[];
  /** The stack's rendered rule file, for promtool. */
  ruleFile: ReturnType<typeof ruleFile>;
  logs: {
    required: string[];
    levels: readonly string[];
    scopes: readonly string[];
    values: Map<string, readonly string[]>;
    numeric: string[];
    redacted: string[];
    missingRequestIdTag: string;
  };
}

/** Whether `expr` reads the series `name` (not a longer name that starts with it). */
const reads = (expr: string, name: string): boolean =>
  new RegExp(`(^|[^A-Za-z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_:])`).test(expr);

interface PanelModel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: PanelModel[];
}

/** Every PromQL expression of every panel, as `dashboard › panel`. */
function panelQueries(config: StackConfig): { name: string; expr: string }[] {
  const out: { name: string; expr: string }[] = [];
  const walk = (dashboard: string, panels: PanelModel[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? [])
        if (typeof t.expr === "string") out.push({ name: `${dashboard} › ${p.title ?? ""}`, expr: t.expr });
      walk(dashboard, p.panels);
    }
  };
  for (const d of renderDashboards(config)) walk(d.title, (d.model as { panels?: PanelModel[] }).panels);
  return out;
}

export function serviceRequirements(config: StackConfig, stack: string, name: string): ServiceRequirements {
  const service = config.services.find((s) => s.name === name);
  if (!service)
    throw new Error(
      `service "${name}" is not in Pulumi.${stack}.yaml's services (${config.services.map((s) => s.name).join(", ")}): add it there first`,
    );
  const alerts = alertsFor(service).map((a) => ({ name: a.alert, expr: a.expr(config), slo: false }));
  const panels = panelQueries(config);
  const specs = RECORDING_RULES.filter((r) => appliesTo(r, service));
  // The SLO alerts read the SLO records; those read the 5m records (`over`), the slow rate reads
  // the bucket rates: what they read, transitively, is what the SLO alerts need.
  const sloAlerts = new Set(
    alertsFor(service)
      .filter((a) => specs.some((r) => r.topic === "slo" && reads(a.expr(config), r.record)))
      .map((a) => a.alert),
  );
  const needed = new Set<string>();
  const need = (record: string) => {
    if (needed.has(record)) return;
    needed.add(record);
    const spec = specs.find((r) => r.record === record);
    if (!spec) return;
    if (spec.over) {
      need(spec.over.numerator);
      need(spec.over.denominator);
    }
    for (const other of specs)
      if (other.record !== record && spec.fleet && reads(spec.fleet(fleetProbe), other.record))
        need(other.record);
  };
  for (const a of alerts.filter((x) => sloAlerts.has(x.name)))
    for (const r of specs) if (reads(a.expr, r.record)) need(r.record);
  const records: RecordRequirement[] = specs.map((spec) => ({
    spec,
    required: needed.has(spec.record),
    dependents: [
      ...alerts
        .filter((a) => reads(a.expr, spec.record))
        .map((a) => ({ kind: "alert" as const, name: a.name })),
      ...[...new Set(panels.filter((p) => reads(p.expr, spec.record)).map((p) => p.name))].map((n) => ({
        kind: "panel" as const,
        name: n,
      })),
      ...specs
        .filter((o) => o.over && (o.over.numerator === spec.record || o.over.denominator === spec.record))
        .map((o) => ({ kind: "record" as const, name: o.record })),
    ],
  }));
  const required = new Set<MetricId>(
    records.filter((r) => r.required).flatMap((r) => QUERY_TEMPLATES[r.spec.query].reads),
  );
  const metrics = contractMetrics();
  const labelsRead = new Map<MetricId, Set<string>>();
  const metricDependents = new Map<MetricId, Dependent[]>();
  for (const m of metrics) {
    const mine = records.filter((r) => QUERY_TEMPLATES[r.spec.query].reads.includes(m.id));
    const templates = mine.map((r) => QUERY_TEMPLATES[r.spec.query].template);
    labelsRead.set(
      m.id,
      new Set(
        m.labels.map((l) => l.name).filter((l) => templates.some((t) => new RegExp(`\\b${l}\\b`).test(t))),
      ),
    );
    metricDependents.set(m.id, [
      ...mine.map((r) => ({ kind: "record" as const, name: r.spec.record })),
      ...dedupe(mine.flatMap((r) => r.dependents.filter((d) => d.kind !== "record"))),
    ]);
  }
  const http = servesHttp(service);
  return {
    stack,
    service,
    required,
    metrics,
    labelsRead,
    metricDependents,
    ...(http
      ? {
          latencyThresholdSeconds: service.slo.latencyThresholdSeconds,
          thresholdLeRegex: leRegex(service.slo.latencyThresholdSeconds),
        }
      : {}),
    records,
    ruleFile: ruleFile(config),
    logs: {
      required: LOG_FIELDS.filter((f) => f.required).map((f) => f.name),
      levels: LOG_LEVELS,
      scopes: LINE_SCOPES,
      values: new Map(LOG_FIELDS.filter((f) => f.values).map((f) => [f.name, f.values!])),
      numeric: LOG_FIELDS.filter((f) => f.esType === "long").map((f) => f.name),
      redacted: sensitiveFields(config).map((f) => f.toLowerCase()),
      missingRequestIdTag: MISSING_REQUEST_ID_TAG,
    },
  };
}

/** A fleet shape whose placeholders are plain, to see which records a fleet expression reads. */
const fleetProbe = {
  sel: () => "",
  sum: () => "sum",
  zero: (t: string) => t,
  window: "5m",
  quantile: "0.99",
  le: "",
};

function dedupe(ds: Dependent[]): Dependent[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.kind}:${d.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
