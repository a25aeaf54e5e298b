import { ERROR_STATUS_REGEX, METRIC_CONTRACT } from "../../../infra/catalog/metric-contract";
import type { ServiceConfig, StackConfig } from "../../../infra/config";
// The burn-rate pairs and the rule-file shapes are facts every form shares, not part of the frozen form.
import type { Priority } from "../../../infra/catalog/alert-levels";
import { SLO_WINDOWS, type SloWindow } from "../../../infra/catalog/recording-rules";
import { BURN_PAIRS, round } from "../../../infra/generators/metrics/alerts";
import type { PromRule, RuleFile } from "../../../infra/generators/metrics/rules";
import { ALERTS, leRegex, type QueryId, TEMPLATES } from "./baseline";

/**
 * The flat rule set as rendered when the tests moved to Prometheus 3 (issue 16's form: rules that
 * evaluate every service at once, long SLI windows from the 5m records), before the per-(job, le)
 * bucket rates were recorded once: each latency quantile re-reads the raw buckets, and the 5m
 * ratios recompute the rates their numerators record. Kept here, frozen, as the benchmark's second
 * baseline: it reads only the metric contract's names (and shares the per-service baseline's alert
 * texts and templates, frozen too). When it was written it produced exactly what
 * `ruleFile(config)` produced for the dev and prod stacks, 10 and 40 benchmark services, and a
 * fleet with workers, three latency thresholds, two availability targets and query overrides.
 */

type Input = Pick<StackConfig, "metrics" | "services">;

const http = METRIC_CONTRACT.httpServerDuration.name;
const db = METRIC_CONTRACT.dbClientDuration.name;
const mem = METRIC_CONTRACT.processMemory.name;
const cache = METRIC_CONTRACT.cacheRequests.name;
const jobs = METRIC_CONTRACT.backgroundJobDuration.name;

const DATA = {
  info: "job:service:info",
  availability: "job:slo_availability:target",
  latencyTarget: "job:slo_latency:target",
  windowDays: "job:slo_window:days",
  latencyThreshold: "job:slo_latency_threshold:seconds",
} as const;

const errorRatio = (w: SloWindow) => `job:http_server_request_errors:ratio_rate${w}`;
const slowRatio = (w: SloWindow) => `job:http_server_request_slow:ratio_rate${w}`;
const R = {
  requestRate: "job:http_server_requests:rate5m",
  errorRate: "job:http_server_request_errors:rate5m",
  slowRate: "job:http_server_request_slow:rate5m",
  latency: (q: string) => `job:http_server_request_duration_seconds:${q}_5m`,
  dbP99: "job:db_client_operation_duration_seconds:p99_5m",
  cacheHitRatio: "job:cache_requests:hit_ratio_rate5m",
  jobP99: "job:background_job_duration_seconds:p99_30m",
  memoryBytes: "job:process_resident_memory_bytes:sum",
  memoryGrowth: "job:process_resident_memory_bytes:deriv1h",
};

/** The fleet form of each query: `m` is the job matcher (`job!~"a|b"`, `job=~"a|b"` or none). */
interface Shape {
  m: string;
  w: string;
  q: number;
  le: string;
}
const sel = (s: Shape, extra = "") => {
  const m = [s.m, extra].filter(Boolean).join(",");
  return m ? `{${m}}` : "";
};
const errorsOf = (s: Shape) =>
  `sum by (job) (rate(${http}_count${sel(s, `http_response_status_code=~"${ERROR_STATUS_REGEX}"`)}[${s.w}]))`;
const totalOf = (s: Shape) => `sum by (job) (rate(${http}_count${sel(s)}[${s.w}]))`;
const fastOf = (s: Shape) => `sum by (job) (rate(${http}_bucket${sel(s, `le=~"${s.le}"`)}[${s.w}]))`;
const quantileOf = (metric: string, s: Shape) =>
  `histogram_quantile(${s.q}, sum by (job, le) (rate(${metric}_bucket${sel(s)}[${s.w}])))`;

const FLEET: Record<QueryId, (s: Shape) => string> = {
  requestRate: totalOf,
  errorRate: (s) => `(${errorsOf(s)} or (${totalOf(s)} * 0))`,
  errorRatio: (s) => `(${errorsOf(s)} or (${totalOf(s)} * 0)) / ${totalOf(s)}`,
  slowRatio: (s) => `1 - (${fastOf(s)} / ${totalOf(s)})`,
  latencyQuantile: (s) => quantileOf(http, s),
  dbRate: (s) => `sum by (job) (rate(${db}_count${sel(s)}[${s.w}]))`,
  dbQuantile: (s) => quantileOf(db, s),
  cacheHitRatio: (s) => {
    const all = `sum by (job) (rate(${cache}${sel(s)}[${s.w}]))`;
    return `(sum by (job) (rate(${cache}${sel(s, 'result="hit"')}[${s.w}])) or (${all} * 0)) / ${all}`;
  },
  jobQuantile: (s) => quantileOf(jobs, s),
  memoryBytes: (s) => `sum by (job) (${mem}${sel(s)})`,
  memoryGrowth: (s) => `sum by (job) (deriv(${mem}${sel(s)}[${s.w}]))`,
};

interface Recording {
  record: string;
  query: QueryId;
  window: string;
  http: boolean;
  quantile?: number;
  over?: { numerator: string; method: "sum" | "tiles" };
  dependsOn?: QueryId[];
  slowRate?: boolean;
}

const rec = (record: string, query: QueryId, window: string, http: boolean, quantile?: number): Recording =>
  quantile === undefined ? { record, query, window, http } : { record, query, window, http, quantile };

function sloRecording(kind: "errorRatio" | "slowRatio", w: SloWindow): Recording {
  const record = kind === "errorRatio" ? errorRatio(w) : slowRatio(w);
  if (w === "5m") return rec(record, kind, w, true);
  return {
    ...rec(record, kind, w, true),
    over: {
      numerator: kind === "errorRatio" ? R.errorRate : R.slowRate,
      method: w === "30m" || w === "1h" ? "tiles" : "sum",
    },
    dependsOn:
      kind === "errorRatio" ? ["errorRatio", "errorRate", "requestRate"] : ["slowRatio", "requestRate"],
  };
}

const RECORDINGS: Recording[] = [
  rec(R.requestRate, "requestRate", "5m", true),
  rec(R.errorRate, "errorRate", "5m", true),
  { ...rec(R.slowRate, "slowRatio", "5m", true), slowRate: true },
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
  ...SLO_WINDOWS.map((w) => sloRecording("errorRatio", w)),
  ...SLO_WINDOWS.map((w) => sloRecording("slowRatio", w)),
];

const servesHttp = (svc: ServiceConfig) => svc.kind !== "worker";
const alternation = (services: readonly ServiceConfig[]) => services.map((s) => s.name).join("|");
const overriders = (r: Recording, services: readonly ServiceConfig[]) =>
  services.filter((s) => (r.dependsOn ?? [r.query]).some((id) => s.queries?.[id] !== undefined));
const minutes = (w: string) =>
  Number(w.slice(0, -1)) * { m: 1, h: 60, d: 1440 }[w.slice(-1) as "m" | "h" | "d"];

function tiles(record: string, window: string): string {
  return `sum by (job) (${Array.from({ length: minutes(window) / 5 }, (_, k) =>
    k === 0 ? record : `label_replace(${record} offset ${5 * k}m, "tile", "${k}", "", "")`,
  ).join(" or ")})`;
}

function overTime(over: NonNullable<Recording["over"]>, window: string, matcher: string): string {
  const s = matcher ? `{${matcher}}` : "";
  if (over.method === "tiles")
    return `${tiles(`${over.numerator}${s}`, window)} / ${tiles(`${R.requestRate}${s}`, window)}`;
  return `sum_over_time(${over.numerator}${s}[${window}]) / sum_over_time(${R.requestRate}${s}[${window}])`;
}

function thresholdGroups(services: readonly ServiceConfig[], excluded: readonly ServiceConfig[]) {
  const httpServices = services.filter((s) => servesHttp(s) && !excluded.includes(s));
  const byThreshold = new Map<number, ServiceConfig[]>();
  for (const s of httpServices) {
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

function fleetRules(r: Recording, services: readonly ServiceConfig[]): PromRule[] {
  const excluded = overriders(r, services);
  const matcher = excluded.length ? `job!~"${alternation(excluded)}"` : "";
  if (r.over) return [{ record: r.record, expr: overTime(r.over, r.window, matcher) }];
  const q = r.quantile ?? 0.99;
  if (r.query === "slowRatio") {
    const parts = thresholdGroups(services, excluded).map((g) => {
      const s = { m: g.matcher, w: r.window, q, le: g.le };
      return r.slowRate ? `${totalOf(s)} - ${fastOf(s)}` : FLEET.slowRatio(s);
    });
    if (parts.length === 0) return [];
    return [
      { record: r.record, expr: parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(" or ") },
    ];
  }
  return [{ record: r.record, expr: FLEET[r.query]({ m: matcher, w: r.window, q, le: "" }) }];
}

function overrideRules(svc: ServiceConfig): PromRule[] {
  return RECORDINGS.filter(
    (r) => !r.slowRate && (servesHttp(svc) || !r.http) && overriders(r, [svc]).length > 0,
  ).map((r) => ({
    record: r.record,
    expr: (svc.queries?.[r.query] ?? TEMPLATES[r.query])
      .replaceAll("{{job}}", svc.name)
      .replaceAll("{{window}}", r.window)
      .replaceAll("{{quantile}}", String(r.quantile ?? 0.99))
      .replaceAll("{{le}}", leRegex(svc.slo.latencyThresholdSeconds)),
    labels: { job: svc.name },
  }));
}

const PER_DATA_GROUP = 400;

function dataRule(record: string, services: readonly ServiceConfig[], value: (s: ServiceConfig) => number) {
  const byValue = new Map<number, ServiceConfig[]>();
  for (const s of services) byValue.set(value(s), [...(byValue.get(value(s)) ?? []), s]);
  const terms = [...byValue.entries()].map(
    ([v, ss]) => `${v} * group by (job) (${DATA.info}{job=~"${alternation(ss)}"})`,
  );
  return { record, expr: terms.join(" or ") };
}

function dataGroup(name: string, services: readonly ServiceConfig[]) {
  const byTeam = new Map<string, ServiceConfig[]>();
  for (const s of services) byTeam.set(s.team, [...(byTeam.get(s.team) ?? []), s]);
  const info = [...byTeam.entries()]
    .map(
      ([team, ss]) =>
        `label_replace(${ss.map((s) => `label_replace(vector(1), "job", "${s.name}", "", "")`).join(" or ")}, "team", "${team}", "", "")`,
    )
    .join(" or ");
  const httpServices = services.filter(servesHttp);
  const rules: PromRule[] = [
    { record: DATA.info, expr: `label_replace(${info}, "service", "$1", "job", "(.*)")` },
  ];
  if (httpServices.length > 0)
    rules.push(
      dataRule(DATA.availability, httpServices, (s) => s.slo.availability),
      dataRule(DATA.latencyTarget, httpServices, (s) => s.slo.latencyTarget),
      dataRule(DATA.windowDays, httpServices, (s) => s.slo.windowDays),
      dataRule(DATA.latencyThreshold, httpServices, (s) => s.slo.latencyThresholdSeconds),
    );
  return { name, rules };
}

const num = (x: number): string => String(round(x));
const ownedBy = (expr: string) => `(${expr}) * on (job) group_left (service, team) ${DATA.info}`;

function burnExpr(kind: "Availability" | "Latency", priority: Priority): string {
  const target = kind === "Availability" ? DATA.availability : DATA.latencyTarget;
  const record = kind === "Availability" ? errorRatio : slowRatio;
  const hours: Record<SloWindow, number> = {
    "5m": 1 / 12,
    "30m": 0.5,
    "1h": 1,
    "2h": 2,
    "6h": 6,
    "1d": 24,
    "3d": 72,
  };
  return ownedBy(
    BURN_PAIRS.filter((p) => p.priority === priority)
      .map((p) => {
        const threshold = `${num(p.budgetSpent * 24)} / ${hours[p.long]} * ${DATA.windowDays} * (1 - ${target})`;
        return `(${record(p.long)} > on (job) ${threshold} and on (job) ${record(p.short)} > on (job) ${threshold})`;
      })
      .join(" or "),
  );
}

/** The flat expression of each alert of the per-service baseline, by name. */
const FLAT_ALERTS: Record<string, (c: Input) => string> = {
  AvailabilitySLOFastBurn: () => burnExpr("Availability", "P1"),
  AvailabilitySLOBurn: () => burnExpr("Availability", "P2"),
  AvailabilitySLOSlowBurn: () => burnExpr("Availability", "P3"),
  LatencySLOFastBurn: () => burnExpr("Latency", "P1"),
  LatencySLOBurn: () => burnExpr("Latency", "P2"),
  LatencySLOSlowBurn: () => burnExpr("Latency", "P3"),
  ServiceDown: () => ownedBy("sum by (job) (up) == 0"),
  ServiceNotScraped: () => ownedBy(`group by (job) (${DATA.info}) unless on (job) up`),
  LatencyP99High: (c) =>
    ownedBy(
      `${R.latency("p99")} > on (job) ${num(c.metrics.alerts.latencyP99Factor)} * ${DATA.latencyThreshold}`,
    ),
  LatencySLIBucketMissing: () =>
    ownedBy(`${R.requestRate} > 0 and on (job) ${DATA.latencyThreshold} unless on (job) ${slowRatio("5m")}`),
  DatabaseQueriesSlow: (c) => ownedBy(`${R.dbP99} > ${num(c.metrics.alerts.dbP99Seconds)}`),
  CacheHitRatioLow: (c) => ownedBy(`${R.cacheHitRatio} < ${num(c.metrics.alerts.cacheHitRatioMin)}`),
  BackgroundJobsSlow: (c) => ownedBy(`${R.jobP99} > ${num(c.metrics.alerts.jobP99Seconds)}`),
  MemoryGrowing: (c) =>
    ownedBy(
      `${R.memoryGrowth} * 3600 / ${R.memoryBytes} > ${num(c.metrics.alerts.memoryGrowthPercentPerHour / 100)}`,
    ),
  Watchdog: () => "vector(1)",
};

function alertRule(a: (typeof ALERTS)[number], config: Input, team?: string): PromRule {
  const expr = FLAT_ALERTS[a.alert];
  if (!expr) throw new Error(`the frozen flat form has no expression for ${a.alert}`);
  const rule: PromRule = { alert: a.alert, expr: expr(config) };
  if (a.for) rule.for = a.for;
  rule.labels = { priority: a.priority, ...(team ? { team } : {}) };
  rule.annotations = {
    summary: a.summary,
    description: `${a.description} Priority ${a.priority}: ${a.reason}.`,
    runbook_url: `${config.metrics.runbookBaseUrl.replace(/\/+$/, "")}/${a.runbook}.md`,
  };
  return rule;
}

/** The flat rule file for `config`, as `ruleFile(config)` rendered it when this was frozen. */
export function flatBaselineRuleFile(config: Input): RuleFile {
  const { services } = config;
  const groups: RuleFile["groups"] = [];
  for (let i = 0; i * PER_DATA_GROUP < services.length; i++)
    groups.push(
      dataGroup(
        i === 0 ? "services.data" : `services.data.${i + 1}`,
        services.slice(i * PER_DATA_GROUP, (i + 1) * PER_DATA_GROUP),
      ),
    );
  const fleet = (httpGroup: boolean) =>
    RECORDINGS.filter((r) => r.http === httpGroup).flatMap((r) => fleetRules(r, services));
  groups.push({ name: "http.recording", rules: fleet(true) });
  groups.push({ name: "resources.recording", rules: fleet(false) });
  for (const svc of services) {
    const own = overrideRules(svc);
    if (own.length > 0) groups.push({ name: `${svc.name}.overrides`, rules: own });
  }
  groups.push({
    name: "services.alerts",
    rules: ALERTS.filter((a) => a.scope !== "platform").map((a) => alertRule(a, config)),
  });
  groups.push({
    name: "platform.alerts",
    rules: ALERTS.filter((a) => a.scope === "platform").map((a) =>
      alertRule(a, config, config.metrics.ownerTeam),
    ),
  });
  return { groups };
}
