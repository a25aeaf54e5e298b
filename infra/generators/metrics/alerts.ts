import { PRIORITIES, type Priority } from "../../catalog/alert-levels";
import { BURN_PAIRS, round, WINDOW_HOURS } from "../../catalog/burn-rates";
import { METRIC_CONTRACT } from "../../catalog/metric-contract";
import {
  DEPENDENCY_PROBE,
  LEAK_FIT_WINDOW,
  OTHER_DESTINATION,
  RECORD,
  RESOURCE_RECORD,
  SERVICE_LABELS,
} from "../../catalog/recording-rules";

const jobs = METRIC_CONTRACT.backgroundJobDuration.name;
import type { ServiceConfig } from "../../config";
import { type MetricsInput, resolveMetrics, servesHttp } from "./settings";

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

export type AlertScope = "http" | "service" | "dependency" | "platform";

/** One alert of the catalog: its priority and why, its runbook, and its rule per service. */
export interface AlertSpec {
  alert: string;
  priority: Priority;
  /** Runbook file stem: runbooks/<runbook>.md. */
  runbook: string;
  /** Why this priority: shown in docs/alerts.md and in the alert's description. */
  reason: string;
  /** http: services that serve HTTP; service: every service; dependency: each declared dependency; platform: once. */
  scope: AlertScope;
  /** Platform alerts: the part of the platform they watch, their `component` label (application alerts have `service`). */
  component?: string;
  for?: string;
  /** `{{ $labels.service }}` is the service label the join on job:service:info adds. */
  summary: string;
  description: string;
  /** One expression for every service; its result carries job, service and team. */
  expr(config: MetricsInput): string;
  /**
   * A symptom of the service that a dependency of it being down explains: `DependencyDown` of the
   * same service inhibits it in Alertmanager (alertmanager.ts), unless it is the more urgent.
   */
  symptom?: true;
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
    symptom: true,
    summary: `{{ $labels.service }} is burning its ${kind.toLowerCase()} error budget (${priority})`,
    description: `The ${what} of {{ $labels.service }} is {{ $value | humanizePercentage }} over the ${pairText(priority)} windows, above ${priority === "P1" ? "the paging" : "the ticket"} burn rate of its SLO.`,
    expr: () => burnExpr(ratio, priority),
  }));
}

/**
 * Outbound calls below this rate (3 a minute) alert on nothing: a couple of failed calls there
 * would make any share, and a dependency that is declared is probed anyway.
 */
export const EXTERNAL_MIN_RATE = 0.05;

/** The alert of a declared dependency that is down: it explains the service's symptoms (alertmanager.ts). */
export const DEPENDENCY_DOWN = "DependencyDown";

/** The priorities a dependency may have, the most urgent first, and why each. */
const DEPENDENCY_PRIORITY_REASON: Record<Priority, string> = {
  P1: "the service's config says it cannot serve at all without this dependency: page, as for the service itself",
  P2: "the default: if users feel the outage the service's own SLO alerts page, and this one says why; a dependency down with no visible impact yet still needs someone within the hour",
  P3: "the service's config says it degrades gracefully without this dependency (a cache, an optional feature): the working day",
};

/**
 * A declared dependency of a service that most probes of the last 5 minutes failed to reach: one
 * rule per priority (the priority is the dependency's, from the probe's labels), not per service.
 * The window is in the record: a hard outage fires within about 3 minutes, a brief blip never, a
 * dependency failing more probes than it passes keeps firing. A probe the exporter could not run at
 * all (`up` 0) is DependencyProbesFailing's: the platform's fault, not the dependency's.
 */
const dependencyDown = (priority: Priority): AlertSpec => ({
  alert: DEPENDENCY_DOWN,
  priority,
  runbook: "dependencies",
  reason: DEPENDENCY_PRIORITY_REASON[priority],
  scope: "dependency",
  summary: "{{ $labels.service }} cannot reach its dependency {{ $labels.instance }}",
  description: `Only {{ $value | humanizePercentage }} of the blackbox exporter's probes of {{ $labels.instance }}, which {{ $labels.service }} declares as a ${priority} dependency, succeeded over the last 5 minutes.`,
  expr: () =>
    ownedBy(
      `max by (${SERVICE_LABELS}, instance) (${RECORD.dependencyUp}{${DEPENDENCY_PROBE.labels.priority}="${priority}"} < 0.5)`,
    ),
});

/** Outbound calls and declared dependencies (issue 26 §1). */
const EXTERNAL_ALERTS: AlertSpec[] = [
  {
    alert: "ExternalDependencyDegraded",
    priority: "P3",
    runbook: "dependencies",
    reason:
      "a cause, not a symptom: if users feel the degraded calls, the service's SLO and latency alerts fire at higher priority; worth a look the same day",
    scope: "service",
    for: "15m",
    symptom: true,
    summary: "{{ $labels.service }}'s calls to {{ $labels.server_address }} are degrading",
    description: `{{ if eq $labels.signal "failed_calls" }}{{ $value | humanizePercentage }} of {{ $labels.service }}'s calls to {{ $labels.server_address }} failed (5xx or no answer){{ else }}The p99 of {{ $labels.service }}'s calls to {{ $labels.server_address }} is {{ $value | humanizeDuration }}{{ end }}, above the threshold (metrics.alerts), for 15 minutes. \`${OTHER_DESTINATION}\` is every destination beyond the busiest metrics.externalCalls.topDestinations.`,
    // Per service and destination, each signal labelled apart so that both can fire and say which.
    expr: (config) => {
      const busy = `and on (${SERVICE_LABELS}, server_address) ${RECORD.callRate} > ${num(EXTERNAL_MIN_RATE)}`;
      const a = config.metrics.alerts;
      return ownedBy(
        `label_replace(${RECORD.callFailedRatio} > ${num(a.externalErrorRatioMax)} ${busy}, "signal", "failed_calls", "", "") or label_replace(${RECORD.callP99} > ${num(a.externalP99Seconds)} ${busy}, "signal", "p99", "", "")`,
      );
    },
  },
  ...PRIORITIES.map(dependencyDown),
  {
    alert: "DependencyProbesFailing",
    priority: "P2",
    runbook: "dependencies",
    reason:
      "the dependencies may be fine, but no DependencyDown can fire until the blackbox exporter answers Prometheus again: act within the hour",
    scope: "platform",
    component: DEPENDENCY_PROBE.job,
    for: "10m",
    summary: "The dependency probes do not run",
    description:
      "Prometheus has not scraped the dependency-probe blackbox exporter for 10 minutes: no declared dependency of any service is probed.",
    expr: (config) =>
      `max by (namespace) (up{job="${DEPENDENCY_PROBE.job}",namespace="${resolveMetrics(config).namespace}"}) == 0`,
  },
];

/** Unclosed resources and resource usage (issue 26 §2). */
const RESOURCE_ALERTS: AlertSpec[] = [
  {
    alert: "ResourcesLeaking",
    priority: "P2",
    runbook: "memory-leaks",
    reason:
      "at the rate its floor rises the instance runs out of descriptors or pool connections within metrics.alerts.leakHorizonHours, and then fails every request that needs one, or its goroutines or threads double in that time, each holding memory until the process is killed: act within the hour, while a restart still buys time",
    scope: "service",
    for: "1h",
    summary: "{{ $labels.service }} is leaking {{ $labels.resource }} ({{ $labels.instance }})",
    description: `The floor of {{ $labels.resource }} of {{ $labels.service }}'s instance {{ $labels.instance }}{{ with $labels.db_client_connection_pool_name }} (pool {{ . }}){{ end }} has risen for ${LEAK_FIT_WINDOW} and reaches its limit (goroutines and threads: twice the floor) in {{ $value | humanize }} hours at that rate, for an hour.`,
    // Per instance (and pool): a leak is in a process; restarts reset it, and another's does not hide it.
    expr: (config) =>
      ownedBy(`${RESOURCE_RECORD.exhaustionHours} < ${num(config.metrics.alerts.leakHorizonHours)}`),
  },
  {
    alert: "CPUThrottled",
    priority: "P3",
    runbook: "resource-usage",
    reason:
      "throttled containers answer slowly, and the latency alerts page if users feel it; raising a limit or a request is the working day's change",
    scope: "service",
    for: "30m",
    summary: "{{ $labels.service }} is CPU-throttled",
    description:
      "The containers of {{ $labels.service }} were throttled in {{ $value | humanizePercentage }} of their CPU periods, above metrics.alerts.cpuThrottledRatioMax, for 30 minutes.",
    expr: (config) =>
      ownedBy(`${RESOURCE_RECORD.cpuThrottled} > ${num(config.metrics.alerts.cpuThrottledRatioMax)}`),
  },
  {
    alert: "MemoryNearLimit",
    priority: "P2",
    runbook: "resource-usage",
    reason:
      "the OOM killer ends the container at its limit, losing its requests in flight; act within the hour, before it does",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }} is near its memory limit",
    description:
      "A container of {{ $labels.service }} has used {{ $value | humanizePercentage }} of its memory limit (working set), above metrics.alerts.memoryLimitRatioMax, for 15 minutes.",
    expr: (config) =>
      ownedBy(`${RESOURCE_RECORD.memoryLimitRatio} > ${num(config.metrics.alerts.memoryLimitRatioMax)}`),
  },
];

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
      "Prometheus has no scrape target for {{ $labels.service }} in namespace {{ $labels.namespace }}: check its ServiceMonitor selector and metrics port, and that services[].namespace is its Service's namespace.",
    // Every configured service without any target (`absent()` would need one rule per service);
    // joined like every other alert, so that team and service come the same way. Targets of its
    // job without a namespace label are ServiceScrapedWithoutNamespace's.
    expr: () =>
      ownedBy(
        `group by (${SERVICE_LABELS}) (${SERVICE_DATA.info}) unless ${ON} up unless on (job) up{namespace=""}`,
      ),
  },
  {
    alert: "ServiceScrapedWithoutNamespace",
    priority: "P2",
    runbook: "service-down",
    reason:
      "the service is scraped, but without a namespace label its series match no configured service: every alert of it is blind, as if it were not scraped",
    scope: "service",
    for: "15m",
    summary: "{{ $labels.service }} is scraped without a namespace label",
    description:
      'Targets with job="{{ $labels.job }}" are scraped without a `namespace` label, and none in namespace {{ $labels.namespace }}: every rule keys a service on namespace and job, so no alert or SLO of {{ $labels.service }} sees them. A static scrape config (additionalScrapeConfigs) or a relabeling that drops the label does this.',
    // A configured service with no target in its namespace but targets of its job that have no
    // namespace at all; ServiceNotScraped leaves exactly these out.
    expr: () =>
      ownedBy(
        `group by (${SERVICE_LABELS}) (${SERVICE_DATA.info}) unless ${ON} up and on (job) up{namespace=""}`,
      ),
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
    symptom: true,
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
    symptom: true,
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
    symptom: true,
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
    symptom: true,
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
  ...EXTERNAL_ALERTS,
  ...RESOURCE_ALERTS,
  {
    alert: "Watchdog",
    priority: "P3",
    runbook: "watchdog",
    reason: "always fires; routed only to the dead man's switch, which alarms when it stops arriving",
    scope: "platform",
    component: "alerting-pipeline",
    summary: "The alerting pipeline is alive",
    description:
      "This alert always fires. If the dead man's switch stops receiving it, Prometheus or Alertmanager is broken.",
    expr: () => "vector(1)",
  },
  {
    alert: "RuleEvaluationFailures",
    priority: "P1",
    component: "prometheus",
    runbook: "rule-evaluation",
    reason:
      "a rule of this stack that fails to evaluate records or alerts nothing, and only Prometheus' log says so: the alerts that read it, pages included, are blind until it is fixed: the platform cannot alert, so it pages",
    scope: "platform",
    for: "15m",
    summary: "Rule group {{ $labels.rule_group }} fails to evaluate",
    description:
      "Prometheus failed {{ $value | humanize }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes, for 15 minutes: its records and alerts are missing, and so is every alert that reads them.",
    // Prometheus' own counter, from its self-scrape (kube-prometheus-stack's ServiceMonitor). The
    // chart's PrometheusRuleFailures is off in favour of this one (infra/generators/platform/chart-rules.ts). Every group
    // has it from its first evaluation, at 0. A failure that lasts one evaluation (a timeout during
    // a restart) clears within 5 minutes, below `for`; a broken join fails every evaluation.
    // Only the metrics namespace's rule files (the operator names each `<namespace>-<name>-<uid>
    // .yaml`): Prometheus also loads other teams' PrometheusRules, whose failures are theirs.
    expr: (config) =>
      `sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total{rule_group=~".*/${resolveMetrics(config).namespace}-[^/;]*;.*"}[5m])) > 0`,
  },
];

/** The alerts a service gets, by its kind (the join decides at run time; docs and tests ask here). */
export const alertsFor = (svc: ServiceConfig): AlertSpec[] =>
  ALERTS.filter(
    (a) =>
      a.scope === "service" ||
      (a.scope === "http" && servesHttp(svc)) ||
      (a.scope === "dependency" && svc.dependencies.some((d) => d.priority === a.priority)),
  );
