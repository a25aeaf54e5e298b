import type { Priority } from "../../catalog/alert-levels";
import { BURN_PAIRS, round, WINDOW_HOURS } from "../../catalog/burn-rates";
import { METRIC_CONTRACT } from "../../catalog/metric-contract";
import { RECORD, SERVICE_LABELS } from "../../catalog/recording-rules";

const jobs = METRIC_CONTRACT.backgroundJobDuration.name;
import type { ServiceConfig } from "../../config";
import { type MetricsInput, servesHttp } from "./settings";

/**
 * Per-service facts as recorded series (group `services.data`, infra/generators/metrics/rules.ts):
 * one alert rule per kind reads them with `on (namespace, job)` instead of one rule per service.
 */
export const SERVICE_DATA = {
  /**
   * Value 1, labels namespace, job, service and team: the configured services, where their
   * Service lives and who owns each.
   */
  info: "job:service:info",
  availability: "job:slo_availability:target",
  latencyTarget: "job:slo_latency:target",
  windowDays: "job:slo_window:days",
  latencyThreshold: "job:slo_latency_threshold:seconds",
} as const;

export { BURN_PAIRS, type BurnPair, burnRate, round } from "../../catalog/burn-rates";

/**
 * Gives each alert of a configured service its `service` and `team` labels; keeps the value. The
 * join on the namespace too drops a same-named Service of another namespace.
 */
export const ownedBy = (expr: string): string =>
  `(${expr}) * on (${SERVICE_LABELS}) group_left (service, team) ${SERVICE_DATA.info}`;

/** `on (namespace, job)`: how a service's series meet its facts and its other records. */
const ON = `on (${SERVICE_LABELS})`;

export type AlertScope = "http" | "service" | "platform";

/** One alert of the catalog: its priority and why, its runbook, and its rule per service. */
export interface AlertSpec {
  alert: string;
  priority: Priority;
  /** Runbook file stem: runbooks/<runbook>.md. */
  runbook: string;
  /** Why this priority: shown in docs/alerts.md and in the alert's description. */
  reason: string;
  /** http: services that serve HTTP; service: every service; platform: once. */
  scope: AlertScope;
  /** The platform component it watches (its `component` label), for alerts not about a service. */
  component?: string;
  for?: string;
  /** `{{ $labels.service }}` is the service label the join on job:service:info adds. */
  summary: string;
  description: string;
  /** One expression for every service; its result carries job, service and team. */
  expr(config: MetricsInput): string;
}

const num = (x: number): string => String(round(x));

/**
 * Both windows of a pair above burn rate × error budget, per service: the threshold is
 * (budget share / long-window hours) × window days × 24 × (1 − target), from the recorded targets.
 */
function burnExpr(kind: "errorRatio" | "slowRatio", priority: Priority): string {
  const target = kind === "errorRatio" ? SERVICE_DATA.availability : SERVICE_DATA.latencyTarget;
  const record = kind === "errorRatio" ? RECORD.errorRatio : RECORD.slowRatio;
  return ownedBy(
    BURN_PAIRS.filter((p) => p.priority === priority)
      .map((p) => {
        // Budget share per long-window hour, times the SLO window in hours, times the budget.
        const threshold = `${num(p.budgetSpent * 24)} / ${WINDOW_HOURS[p.long]} * ${SERVICE_DATA.windowDays} * (1 - ${target})`;
        return `(${record(p.long)} > ${ON} ${threshold} and ${ON} ${record(p.short)} > ${ON} ${threshold})`;
      })
      .join(" or "),
  );
}

const pairText = (priority: Priority): string =>
  BURN_PAIRS.filter((p) => p.priority === priority)
    .map((p) => `${p.long}/${p.short}`)
    .join(" or ");

function sloAlerts(kind: "Availability" | "Latency"): AlertSpec[] {
  const ratio = kind === "Availability" ? "errorRatio" : "slowRatio";
  const what =
    kind === "Availability" ? "5xx error ratio" : "share of requests slower than the latency threshold";
  const names: Record<Priority, string> = { P1: "FastBurn", P2: "Burn", P3: "SlowBurn" };
  return (["P1", "P2", "P3"] as const).map((priority) => ({
    alert: `${kind}SLO${names[priority]}`,
    priority,
    runbook: kind === "Availability" ? "error-rates" : "high-latency",
    reason: BURN_PAIRS.filter((p) => p.priority === priority)
      .map((p) => p.why)
      .join("; "),
    scope: "http",
    summary: `{{ $labels.service }} is burning its ${kind.toLowerCase()} error budget (${priority})`,
    description: `The ${what} of {{ $labels.service }} is {{ $value | humanizePercentage }} over the ${pairText(priority)} windows, above ${priority === "P1" ? "the paging" : "the ticket"} burn rate of its SLO.`,
    expr: () => burnExpr(ratio, priority),
  }));
}

/** Every alert of the platform. docs/alerts.md, the summary and the runbook test read this list. */
export const ALERTS: readonly AlertSpec[] = [
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
    expr: () => ownedBy(`sum by (${SERVICE_LABELS}) (up) == 0`),
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
    // Every configured service without any target (`absent()` would need one rule per service);
    // joined like every other alert, so that team and service come the same way.
    expr: () => ownedBy(`group by (${SERVICE_LABELS}) (${SERVICE_DATA.info}) unless ${ON} up`),
  },
  {
    alert: "ServiceNameShared",
    priority: "P3",
    runbook: "service-down",
    reason:
      "our alerts and SLOs tell the namespaces apart, but any query by `job` alone (a dashboard, an override that does not select the namespace, an ad-hoc query) mixes the two services: fix within the week, no user impact by itself",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }}'s job name is reported from {{ $value }} namespaces",
    description:
      'Scrape targets with job="{{ $labels.job }}" exist in {{ $value }} namespaces, not only in {{ $labels.namespace }}: another team\'s Service has the same name.',
    // Per job, how many namespaces report it, for the configured services that are themselves
    // scraped in their namespace (else ServiceNotScraped says so); targets without a namespace
    // label (static scrape configs) are not a namespace. `group_left` keeps the info series'
    // namespace, which one-to-one matching `on (job)` would drop.
    expr: () =>
      ownedBy(
        `(group by (${SERVICE_LABELS}) (${SERVICE_DATA.info}) and ${ON} up) * on (job) group_left () (count by (job) (group by (${SERVICE_LABELS}) (up{namespace!=""})) > 1)`,
      ),
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
    expr: (config) =>
      ownedBy(
        `${RECORD.latency("p99")} > ${ON} ${num(config.metrics.alerts.latencyP99Factor)} * ${SERVICE_DATA.latencyThreshold}`,
      ),
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
    // The threshold series exists for HTTP services only: workers are left out, as before.
    expr: () =>
      ownedBy(
        `${RECORD.requestRate} > 0 and ${ON} ${SERVICE_DATA.latencyThreshold} unless ${ON} ${RECORD.slowRatio("5m")}`,
      ),
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
    expr: (config) => ownedBy(`${RECORD.dbLatency("p99")} > ${num(config.metrics.alerts.dbP99Seconds)}`),
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
    expr: (config) => ownedBy(`${RECORD.cacheHitRatio} < ${num(config.metrics.alerts.cacheHitRatioMin)}`),
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
    expr: (config) => ownedBy(`${RECORD.jobDurationP99} > ${num(config.metrics.alerts.jobP99Seconds)}`),
  },
  {
    alert: "BackgroundJobsBucketMissing",
    priority: "P3",
    runbook: "background-jobs",
    reason: "a configuration fault that blinds BackgroundJobsSlow, no user impact by itself",
    scope: "service",
    for: "30m",
    summary: "{{ $labels.service }} has no job duration bucket above the slow-job threshold",
    description:
      "The lowest top finite bucket of background_job_duration_seconds of {{ $labels.service }} (per job_name) is {{ $value | humanizeDuration }}, not above metrics.alerts.jobP99Seconds: a p99 never exceeds that bound, so BackgroundJobsSlow cannot fire for those jobs.",
    // histogram_quantile returns the highest finite bound when the rank falls in the +Inf bucket:
    // with every finite bucket at 0 and +Inf at 1, that bound is what it returns, from the last
    // scrape (no rate, no window: a job that runs nightly has its layout checked all day), per
    // job_name so that one well-bucketed job does not hide another. A histogram with no finite
    // bucket at all (where the quantile is NaN) counts as 0, and comes first so that `or` keeps it.
    expr: (config) =>
      ownedBy(
        `((count by (${SERVICE_LABELS}) (${jobs}_bucket{le="+Inf"}) * 0 unless ${ON} count by (${SERVICE_LABELS}) (${jobs}_bucket{le!="+Inf"})) or min by (${SERVICE_LABELS}) (histogram_quantile(0.5, sum by (${SERVICE_LABELS}, job_name, le) ((${jobs}_bucket{le!="+Inf"} * 0) or (${jobs}_bucket{le="+Inf"} * 0 + 1))))) <= ${num(config.metrics.alerts.jobP99Seconds)}`,
      ),
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
    expr: (config) =>
      ownedBy(
        `${RECORD.memoryGrowth} * 3600 / ${RECORD.memoryBytes} > ${num(config.metrics.alerts.memoryGrowthPercentPerHour / 100)}`,
      ),
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

/** The alerts a service gets, by its kind (the join decides at run time; docs and tests ask here). */
export const alertsFor = (svc: ServiceConfig): AlertSpec[] =>
  ALERTS.filter((a) => a.scope === "service" || (a.scope === "http" && servesHttp(svc)));
