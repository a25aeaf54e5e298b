import { ERROR_STATUS_REGEX, METRIC_CONTRACT } from "../../../infra/catalog/metric-contract";
import type { ServiceConfig, StackConfig } from "../../../infra/config";
// The burn-rate pairs and the rule-file shapes are facts both forms share, not part of the frozen form.
import type { Priority } from "../../../infra/catalog/alert-levels";
import { SLO_WINDOWS, type SloWindow } from "../../../infra/catalog/recording-rules";
import { BURN_PAIRS, burnRate, round } from "../../../infra/generators/metrics/alerts";
import type { PromRule, RuleFile } from "../../../infra/generators/metrics/rules";

/**
 * The per-service rule set as the project rendered it before issue 16: every service gets its own
 * copy of every recording rule (`{job="<service>"}` selectors, long SLI windows as `rate()` over
 * raw series) and of every alert. Kept here, frozen, as the benchmark's baseline: it reads only the
 * metric contract's names, so the catalog and alert modules can change without moving it. When it
 * was written it produced exactly what `ruleFile(config)` produced for the same config.
 */

type Input = Pick<StackConfig, "metrics" | "services">;

/** The rule-file shapes are the rendered ones: the two forms must load into one Prometheus the same way. */
export type BaselineRule = PromRule;
export type BaselineRuleFile = RuleFile;

const http = METRIC_CONTRACT.httpServerDuration.name;
const db = METRIC_CONTRACT.dbClientDuration.name;
const mem = METRIC_CONTRACT.processMemory.name;
const cache = METRIC_CONTRACT.cacheRequests.name;
const jobs = METRIC_CONTRACT.backgroundJobDuration.name;

const sel = (extra = ""): string => `{job="{{job}}"${extra}}`;
const errors = `sum(rate(${http}_count${sel(`,http_response_status_code=~"${ERROR_STATUS_REGEX}"`)}[{{window}}]))`;
const total = `sum(rate(${http}_count${sel()}[{{window}}]))`;
const quantile = (metric: string) =>
  `histogram_quantile({{quantile}}, sum by (le) (rate(${metric}_bucket${sel()}[{{window}}])))`;

export const TEMPLATES = {
  requestRate: total,
  errorRate: `(${errors} or vector(0))`,
  errorRatio: `(${errors} or vector(0)) / ${total}`,
  slowRatio: `1 - (sum(rate(${http}_bucket${sel(',le=~"{{le}}"')}[{{window}}])) / ${total})`,
  latencyQuantile: quantile(http),
  dbRate: `sum(rate(${db}_count${sel()}[{{window}}]))`,
  dbQuantile: quantile(db),
  cacheHitRatio: `(sum(rate(${cache}${sel(',result="hit"')}[{{window}}])) or vector(0)) / sum(rate(${cache}${sel()}[{{window}}]))`,
  jobQuantile: quantile(jobs),
  memoryBytes: `sum(${mem}${sel()})`,
  memoryGrowth: `sum(deriv(${mem}${sel()}[{{window}}]))`,
} as const;
export type QueryId = keyof typeof TEMPLATES;

interface Recording {
  record: string;
  query: QueryId;
  window: string;
  quantile?: number;
  http: boolean;
}

const errorRatio = (w: SloWindow) => `job:http_server_request_errors:ratio_rate${w}`;
const slowRatio = (w: SloWindow) => `job:http_server_request_slow:ratio_rate${w}`;
const R = {
  requestRate: "job:http_server_requests:rate5m",
  latency: (q: string) => `job:http_server_request_duration_seconds:${q}_5m`,
  dbP99: "job:db_client_operation_duration_seconds:p99_5m",
  cacheHitRatio: "job:cache_requests:hit_ratio_rate5m",
  jobP99: "job:background_job_duration_seconds:p99_30m",
  memoryBytes: "job:process_resident_memory_bytes:sum",
  memoryGrowth: "job:process_resident_memory_bytes:deriv1h",
};

const rec = (record: string, query: QueryId, window: string, http: boolean, q?: number): Recording =>
  q === undefined ? { record, query, window, http } : { record, query, window, http, quantile: q };

const RECORDINGS: Recording[] = [
  rec(R.requestRate, "requestRate", "5m", true),
  rec("job:http_server_request_errors:rate5m", "errorRate", "5m", true),
  ...["p50", "p90", "p99"].map((q) =>
    rec(R.latency(q), "latencyQuantile", "5m", true, Number(q.slice(1)) / 100),
  ),
  rec("job:db_client_operations:rate5m", "dbRate", "5m", false),
  rec("job:db_client_operation_duration_seconds:p50_5m", "dbQuantile", "5m", false, 0.5),
  rec(R.dbP99, "dbQuantile", "5m", false, 0.99),
  rec(R.cacheHitRatio, "cacheHitRatio", "5m", false),
  rec("job:cache_requests:hit_ratio_rate1h", "cacheHitRatio", "1h", false),
  rec(R.jobP99, "jobQuantile", "30m", false, 0.99),
  rec(R.memoryBytes, "memoryBytes", "", false),
  rec(R.memoryGrowth, "memoryGrowth", "1h", false),
  ...SLO_WINDOWS.map((w) => rec(errorRatio(w), "errorRatio", w, true)),
  ...SLO_WINDOWS.map((w) => rec(slowRatio(w), "slowRatio", w, true)),
];

export function leRegex(seconds: number): string {
  const s = String(seconds).replace(".", "\\\\.");
  return Number.isInteger(seconds) ? `${s}(\\\\.0+)?` : `${s}0*`;
}

const servesHttp = (svc: ServiceConfig) => svc.kind !== "worker";
const num = (x: number): string => String(round(x));
const jsel = (svc?: ServiceConfig) => `{job="${svc?.name ?? ""}"}`;

function recordings(svc: ServiceConfig): BaselineRule[] {
  return RECORDINGS.filter((r) => servesHttp(svc) || !r.http).map((r) => ({
    record: r.record,
    expr: (svc.queries?.[r.query] ?? TEMPLATES[r.query])
      .replaceAll("{{job}}", svc.name)
      .replaceAll("{{window}}", r.window)
      .replaceAll("{{quantile}}", String(r.quantile ?? 0.99))
      .replaceAll("{{le}}", leRegex(svc.slo.latencyThresholdSeconds)),
    labels: { job: svc.name },
  }));
}

export interface Alert {
  alert: string;
  priority: Priority;
  runbook: string;
  reason: string;
  scope: "http" | "service" | "platform";
  for?: string;
  summary: string;
  description: string;
  expr(svc: ServiceConfig | undefined, config: Input): string;
}

function burnExpr(kind: "Availability" | "Latency", svc: ServiceConfig, priority: Priority): string {
  const budget = kind === "Availability" ? 1 - svc.slo.availability : 1 - svc.slo.latencyTarget;
  const record = kind === "Availability" ? errorRatio : slowRatio;
  return BURN_PAIRS.filter((p) => p.priority === priority)
    .map((p) => {
      const rate = burnRate(p, svc.slo.windowDays);
      const t = num(rate * budget);
      return `(${record(p.long)}${jsel(svc)} > ${t} and ${record(p.short)}${jsel(svc)} > ${t})`;
    })
    .join(" or ");
}

function sloAlerts(kind: "Availability" | "Latency"): Alert[] {
  const what =
    kind === "Availability" ? "5xx error ratio" : "share of requests slower than the latency threshold";
  const names: Record<Priority, string> = { P1: "FastBurn", P2: "Burn", P3: "SlowBurn" };
  return (["P1", "P2", "P3"] as const).map((priority) => {
    const pairs = BURN_PAIRS.filter((p) => p.priority === priority);
    return {
      alert: `${kind}SLO${names[priority]}`,
      priority,
      runbook: kind === "Availability" ? "error-rates" : "high-latency",
      reason: pairs.map((p) => p.why).join("; "),
      scope: "http",
      summary: `{{ $labels.service }} is burning its ${kind.toLowerCase()} error budget (${priority})`,
      description: `The ${what} of {{ $labels.service }} is {{ $value | humanizePercentage }} over the ${pairs.map((p) => `${p.long}/${p.short}`).join(" or ")} windows, above ${priority === "P1" ? "the paging" : "the ticket"} burn rate of its SLO.`,
      expr: (svc) => burnExpr(kind, svc as ServiceConfig, priority),
    };
  });
}

const svcOf = (svc: ServiceConfig | undefined) => svc as ServiceConfig;

/** The alerts with their texts, which the frozen flat form (flat-baseline.ts) shares. */
export const ALERTS: Alert[] = [
  ...sloAlerts("Availability"),
  ...sloAlerts("Latency"),
  {
    alert: "ServiceDown",
    priority: "P1",
    runbook: "service-down",
    reason: "no instance of the service can be scraped: it is most likely down, and its SLO alerts are blind",
    scope: "service",
    for: "2m",
    summary: "{{ $labels.service }} has no reachable instance",
    description: "Every scrape target of {{ $labels.service }} has been down for 2 minutes.",
    expr: (svc) => `sum(up${jsel(svc)}) == 0`,
  },
  {
    alert: "ServiceNotScraped",
    priority: "P2",
    runbook: "service-down",
    reason: "the service is in the stack config but Prometheus finds no target: every alert of it is blind",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }} is not scraped at all",
    description:
      "Prometheus has no scrape target for {{ $labels.service }}: check its ServiceMonitor selector and metrics port.",
    expr: (svc) => `absent(up${jsel(svc)})`,
  },
  {
    alert: "LatencyP99High",
    priority: "P2",
    runbook: "high-latency",
    reason:
      "users feel it, but most requests still succeed; the latency SLO alerts page if it eats the budget",
    scope: "http",
    for: "10m",
    summary: "{{ $labels.service }} p99 latency is high",
    description:
      "API latency p99 of {{ $labels.service }} is {{ $value | humanizeDuration }}, above the alert threshold, for 10 minutes.",
    expr: (svc, c) =>
      `${R.latency("p99")}${jsel(svc)} > ${num(svcOf(svc).slo.latencyThresholdSeconds * c.metrics.alerts.latencyP99Factor)}`,
  },
  {
    alert: "LatencySLIBucketMissing",
    priority: "P3",
    runbook: "high-latency",
    reason: "a configuration fault that blinds the latency SLO, no user impact by itself",
    scope: "http",
    for: "30m",
    summary: "{{ $labels.service }} has no histogram bucket at its latency threshold",
    description:
      "{{ $labels.service }} serves requests but its http_server_request_duration_seconds histogram has no bucket at slo.latencyThresholdSeconds, so the latency SLO cannot be computed.",
    expr: (svc) => `${R.requestRate}${jsel(svc)} > 0 unless on (job) ${slowRatio("5m")}${jsel(svc)}`,
  },
  {
    alert: "DatabaseQueriesSlow",
    priority: "P3",
    runbook: "slow-database",
    reason: "a cause, not a symptom: if users feel it, the latency alerts fire at higher priority",
    scope: "service",
    for: "10m",
    summary: "{{ $labels.service }} database operations are slow",
    description:
      "Database operation p99 of {{ $labels.service }} is {{ $value | humanizeDuration }} for 10 minutes.",
    expr: (svc, c) => `${R.dbP99}${jsel(svc)} > ${num(c.metrics.alerts.dbP99Seconds)}`,
  },
  {
    alert: "CacheHitRatioLow",
    priority: "P3",
    runbook: "cache-hit-ratio",
    reason: "costs database load and latency, which have their own alerts; worth a look the same day",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }} cache hit ratio dropped",
    description:
      "Cache hit ratio of {{ $labels.service }} is {{ $value | humanizePercentage }} for 15 minutes.",
    expr: (svc, c) => `${R.cacheHitRatio}${jsel(svc)} < ${num(c.metrics.alerts.cacheHitRatioMin)}`,
  },
  {
    alert: "BackgroundJobsSlow",
    priority: "P3",
    runbook: "background-jobs",
    reason: "jobs are asynchronous: slow runs delay work but nobody waits on a request",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }} background jobs take long",
    description:
      "Background job duration p99 of {{ $labels.service }} is {{ $value | humanizeDuration }} for 15 minutes.",
    expr: (svc, c) => `${R.jobP99}${jsel(svc)} > ${num(c.metrics.alerts.jobP99Seconds)}`,
  },
  {
    alert: "MemoryGrowing",
    priority: "P2",
    runbook: "memory-leaks",
    reason: "steady growth ends in OOM kills within hours; act within the hour, before it becomes an outage",
    scope: "service",
    for: "1h",
    summary: "{{ $labels.service }} memory grows steadily (possible leak)",
    description:
      "Resident memory of {{ $labels.service }} grows by {{ $value | humanizePercentage }} per hour, sustained for an hour.",
    expr: (svc, c) =>
      `${R.memoryGrowth}${jsel(svc)} * 3600 / ${R.memoryBytes}${jsel(svc)} > ${num(c.metrics.alerts.memoryGrowthPercentPerHour / 100)}`,
  },
  {
    alert: "Watchdog",
    priority: "P3",
    runbook: "watchdog",
    reason: "always fires; routed only to the dead man's switch, which alarms when it stops arriving",
    scope: "platform",
    summary: "The alerting pipeline is alive",
    description:
      "This alert always fires. If the dead man's switch stops receiving it, Prometheus or Alertmanager is broken.",
    expr: () => "vector(1)",
  },
];

function alertRule(a: Alert, svc: ServiceConfig | undefined, team: string, config: Input): BaselineRule {
  const service = svc?.name ?? "";
  const text = (t: string) => t.replaceAll("{{ $labels.service }}", service);
  const rule: BaselineRule = { alert: a.alert, expr: a.expr(svc, config) };
  if (a.for) rule.for = a.for;
  rule.labels = { priority: a.priority, team, ...(svc ? { service } : {}) };
  rule.annotations = {
    summary: text(a.summary),
    description: `${text(a.description)} Priority ${a.priority}: ${a.reason}.`,
    runbook_url: `${config.metrics.runbookBaseUrl.replace(/\/+$/, "")}/${a.runbook}.md`,
  };
  return rule;
}

/** The per-service rule file for `config`: per service its recordings, then its alerts; platform alerts once. */
export function baselineRuleFile(config: Input): BaselineRuleFile {
  const groups: BaselineRuleFile["groups"] = [];
  for (const svc of config.services) {
    groups.push({ name: `${svc.name}.recording`, rules: recordings(svc) });
    const mine = ALERTS.filter((a) => a.scope === "service" || (a.scope === "http" && servesHttp(svc)));
    groups.push({ name: `${svc.name}.alerts`, rules: mine.map((a) => alertRule(a, svc, svc.team, config)) });
  }
  groups.push({
    name: "platform.alerts",
    rules: ALERTS.filter((a) => a.scope === "platform").map((a) =>
      alertRule(a, undefined, config.metrics.ownerTeam, config),
    ),
  });
  return { groups };
}
