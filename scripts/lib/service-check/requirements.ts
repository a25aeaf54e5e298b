/**
 * What the platform needs of one service, derived from the catalogs, config and generators that
 * render the stack: the metric contract, the service's SLO, the recording rules and what reads
 * them (its alerts, the dashboards' panels), the log schema, levels and redaction list. Nothing
 * here is a list of its own: a change to a catalog changes the check.
 */
import { LOG_LEVELS } from "../../../infra/catalog/log-levels";
import { LINE_SCOPES, LOG_FIELDS, MISSING_REQUEST_ID_TAG } from "../../../infra/catalog/log-schema";
import {
  CONTAINER_SERIES,
  type ContractMetric,
  contractMetrics,
  METRIC_CONTRACT,
  type MetricId,
  type MetricOrigin,
} from "../../../infra/catalog/metric-contract";
import {
  ALL_RECORDS,
  FLEET_RECORDS,
  type FleetRecordSpec,
  leRegex,
  QUERY_TEMPLATES,
  type QueryId,
  RECORDING_RULES,
  RESOURCE_RECORDS,
  type RuleTopic,
} from "../../../infra/catalog/recording-rules";
import type { ServiceConfig, StackConfig } from "../../../infra/config";
import { vectorSelectorsOf } from "../../../infra/config/promql";
import { renderDashboards } from "../../../infra/generators/grafana/dashboards";
import { sensitiveFields } from "../../../infra/generators/logging/pipeline";
import {
  alertsFor,
  overrideGroupName,
  type PromRule,
  recordedFor,
  ruleFile,
  SERVICE_DATA,
  servesHttp,
} from "../../../infra/generators/metrics";
import type { Dependent } from "./findings";

/** Labels Prometheus sets from the scrape target, not the service: never checked on the exposition. */
export const TARGET_LABELS = new Set(["job", "namespace", "instance"]);

/** Origins of series the cluster provides about a service's containers, not the service itself. */
const CLUSTER_ORIGINS = new Set<MetricOrigin>(CONTAINER_SERIES.map((c) => c.origin));

export interface RecordRequirement {
  record: string;
  topic: RuleTopic;
  /** How the stack's rule file records it for this service: its fleet rule or the service's own. */
  recorded: "fleet" | "own";
  /** Its expression in the rendered rule file. */
  expr: string;
  /** Contract metrics it reads for this service (none where a query override replaces them). */
  reads: MetricId[];
  /** The override that replaces its query (`services[].queries.<id>`) and the series that reads. */
  override?: { query: QueryId; metrics: string[] };
  /** The service's SLO alerts read it, or a record they read reads it. */
  required: boolean;
  dependents: Dependent[];
}

/** A record the service's panels or alerts read that reads series the cluster provides. */
export interface ClusterRecord {
  record: string;
  /** What provides its series: `name (origin)` for the contract's container series, else the selector. */
  providers: string[];
  dependents: Dependent[];
}

export interface ServiceRequirements {
  stack: string;
  service: ServiceConfig;
  /** Contract metrics the service's SLO alerts cannot do without. */
  required: Set<MetricId>;
  /** Contract metrics that something of this service reads, or that nothing in the catalog reads. */
  metrics: ContractMetric[];
  /** Labels each metric's records select or aggregate on (a missing one empties the record). */
  labelsRead: Map<MetricId, Set<string>>;
  /** Dependents of each contract metric (through the records that read it). */
  metricDependents: Map<MetricId, Dependent[]>;
  /** Series of the service's own that its query overrides read, with what reads them. */
  overrideMetrics: Map<string, { required: boolean; queries: QueryId[]; dependents: Dependent[] }>;
  latencyThresholdSeconds?: number;
  /** The regex the recording rules match the threshold bucket's `le` with. */
  thresholdLeRegex?: string;
  /** Records proved from the service's own series. */
  records: RecordRequirement[];
  /** Records that read what the cluster scrapes about the service (cAdvisor, kube-state-metrics, probes). */
  clusterRecords: ClusterRecord[];
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
export const reads = (expr: string, name: string): boolean =>
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

/** Names that are records of the rule file, not series a service exposes. */
const RECORD_NAMES = new Set<string>([...ALL_RECORDS.map((r) => r.record), ...Object.values(SERVICE_DATA)]);

/** The series names an expression selects (by name or an exact `__name__` matcher), records left out. */
function seriesRead(expr: string): { name: string; selector: string }[] {
  const out = new Map<string, { name: string; selector: string }>();
  for (const s of vectorSelectorsOf(expr)) {
    const byName = s.matchers.find((m) => m.name === "__name__" && m.op === "=")?.value;
    const name = s.name || byName;
    if (name && !RECORD_NAMES.has(name) && !out.has(name)) out.set(name, { name, selector: s.selector });
  }
  return [...out.values()];
}

/** What provides a cluster-side record's series: the contract's container series by origin, else the selector. */
function providers(expr: string): string[] {
  return seriesRead(expr).map(({ name, selector }) => {
    const known = CONTAINER_SERIES.find((c) => c.name === name);
    if (known) return `${name} (${known.origin})`;
    // `up` of the service's pods: Prometheus' own scrape, which names each target's pod and container.
    return name === "up" ? `${selector} (Prometheus' scrape of the service's pods)` : selector;
  });
}

/** Whether every series a fleet record reads is the service's own (no cAdvisor, kube-state-metrics or probe). */
export const provable = (spec: FleetRecordSpec): boolean =>
  spec.reads.length > 0 && spec.reads.every((id) => !CLUSTER_ORIGINS.has(METRIC_CONTRACT[id].origin));

export function serviceRequirements(config: StackConfig, stack: string, name: string): ServiceRequirements {
  const service = config.services.find((s) => s.name === name);
  if (!service)
    throw new Error(
      `service "${name}" is not in Pulumi.${stack}.yaml's services (${config.services.map((s) => s.name).join(", ")}): add it there first`,
    );
  const rules = ruleFile(config);
  // The rule file is what Prometheus evaluates: the service's own group, else the fleet rule.
  const own = rules.groups.find((g) => g.name === overrideGroupName(service))?.rules ?? [];
  const fleet = rules.groups.filter((g) => !g.name.endsWith(".overrides")).flatMap((g) => g.rules);
  const ruleOf = (record: string, how: "fleet" | "own"): PromRule | undefined =>
    (how === "own" ? own : fleet).find((r) => r.record === record);

  type Draft = Omit<RecordRequirement, "required" | "dependents">;
  const drafts: Draft[] = [];
  for (const spec of RECORDING_RULES) {
    const how = recordedFor(spec, service);
    const rule = how === "none" ? undefined : ruleOf(spec.record, how);
    if (how === "none" || !rule) continue;
    const override = how === "own" ? service.queries?.[spec.query] : undefined;
    drafts.push({
      record: spec.record,
      topic: spec.topic,
      recorded: how,
      expr: rule.expr,
      // An override reads what it names, never the contract metric of the default query.
      reads: override === undefined ? QUERY_TEMPLATES[spec.query].reads : [],
      ...(override === undefined
        ? {}
        : { override: { query: spec.query, metrics: seriesRead(rule.expr).map((x) => x.name) } }),
    });
  }
  const cluster: { record: string; expr: string }[] = [];
  for (const spec of [...FLEET_RECORDS, ...RESOURCE_RECORDS]) {
    const rule = ruleOf(spec.record, "fleet");
    if (!rule) continue;
    if (provable(spec))
      drafts.push({
        record: spec.record,
        topic: spec.topic,
        recorded: "fleet",
        expr: rule.expr,
        reads: spec.reads,
      });
    else cluster.push({ record: spec.record, expr: rule.expr });
  }

  const alerts = alertsFor(service).map((a) => ({ name: a.alert, expr: a.expr(config) }));
  const panels = panelQueries(config);
  const readersOf = (record: string): Dependent[] => [
    ...alerts.filter((a) => reads(a.expr, record)).map((a) => ({ kind: "alert" as const, name: a.name })),
    ...[...new Set(panels.filter((p) => reads(p.expr, record)).map((p) => p.name))].map((n) => ({
      kind: "panel" as const,
      name: n,
    })),
    ...drafts
      .filter((o) => o.record !== record && reads(o.expr, record))
      .map((o) => ({ kind: "record" as const, name: o.record })),
  ];
  // The SLO alerts read the SLO records; what those read, transitively, the SLO alerts need.
  const sloRecords = drafts.filter((d) => d.topic === "slo").map((d) => d.record);
  const needed = new Set<string>();
  const need = (record: string) => {
    if (needed.has(record)) return;
    needed.add(record);
    const d = drafts.find((x) => x.record === record);
    for (const other of drafts)
      if (d && other.record !== record && reads(d.expr, other.record)) need(other.record);
  };
  for (const a of alerts.filter((x) => sloRecords.some((r) => reads(x.expr, r))))
    for (const d of drafts) if (reads(a.expr, d.record)) need(d.record);
  const records: RecordRequirement[] = drafts.map((d) => ({
    ...d,
    required: needed.has(d.record),
    dependents: readersOf(d.record),
  }));
  const clusterRecords: ClusterRecord[] = cluster.map((c) => ({
    record: c.record,
    providers: providers(c.expr),
    dependents: readersOf(c.record).filter((d) => d.kind !== "record"),
  }));

  const required = new Set<MetricId>(records.filter((r) => r.required).flatMap((r) => r.reads));
  // What the catalog's records read at all: a metric some record reads but none of this service's
  // (the HTTP server histogram of a worker) is nothing this service is asked for.
  const readByCatalog = new Set<MetricId>([
    ...RECORDING_RULES.flatMap((r) => QUERY_TEMPLATES[r.query].reads),
    ...FLEET_RECORDS.flatMap((r) => r.reads),
    ...RESOURCE_RECORDS.flatMap((r) => r.reads),
  ]);
  const metrics = contractMetrics().filter(
    (m) => !readByCatalog.has(m.id) || records.some((r) => r.reads.includes(m.id)),
  );
  const labelsRead = new Map<MetricId, Set<string>>();
  const metricDependents = new Map<MetricId, Dependent[]>();
  for (const m of metrics) {
    const mine = records.filter((r) => r.reads.includes(m.id));
    // The labels its records' expressions, as rendered, select or aggregate on.
    labelsRead.set(
      m.id,
      new Set(
        m.labels.map((l) => l.name).filter((l) => mine.some((r) => new RegExp(`\\b${l}\\b`).test(r.expr))),
      ),
    );
    metricDependents.set(m.id, dependentsThrough(mine));
  }
  const overrideMetrics: ServiceRequirements["overrideMetrics"] = new Map();
  for (const r of records.filter((x) => x.override))
    for (const metric of r.override!.metrics) {
      const o = overrideMetrics.get(metric) ?? { required: false, queries: [], dependents: [] };
      overrideMetrics.set(metric, {
        required: o.required || r.required,
        queries: [...new Set([...o.queries, r.override!.query])],
        dependents: dedupe([...o.dependents, ...dependentsThrough([r])]),
      });
    }
  const http = servesHttp(service);
  return {
    stack,
    service,
    required,
    metrics,
    labelsRead,
    metricDependents,
    overrideMetrics,
    ...(http
      ? {
          latencyThresholdSeconds: service.slo.latencyThresholdSeconds,
          thresholdLeRegex: leRegex(service.slo.latencyThresholdSeconds),
        }
      : {}),
    records,
    clusterRecords,
    ruleFile: rules,
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

/** The records, then the alerts and panels that read them. */
const dependentsThrough = (rs: RecordRequirement[]): Dependent[] => [
  ...rs.map((r) => ({ kind: "record" as const, name: r.record })),
  ...dedupe(rs.flatMap((r) => r.dependents.filter((d) => d.kind !== "record"))),
];

function dedupe(ds: Dependent[]): Dependent[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.kind}:${d.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
