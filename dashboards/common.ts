import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  type Dashboard,
  type VariableOption,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder as PromQuery } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { SERVICE_LABELS } from "../infra/catalog/recording-rules";
import type { ServiceConfig, StackConfig } from "../infra/config";
import { DATASOURCE_UIDS } from "../infra/generators/grafana/datasources";
import { SERVICE_DATA } from "../infra/generators/metrics/alerts";

/** What a dashboard builder needs from the stack config. */
export interface DashboardContext {
  environment: string;
  services: ServiceConfig[];
  teams: string[];
  logs: { indexPattern: string; timeField: string };
  /** Where the logging pipeline runs: its exporters' series carry this namespace. */
  loggingNamespace: string;
  /** Whether the Sentry data source exists (frontend page loads, JS errors, Web Vitals). */
  sentry: boolean;
  /** Key business metrics (`businessMetrics`): the Business dashboard's panels. */
  businessMetrics: StackConfig["businessMetrics"];
}

export const dashboardContext = (config: StackConfig): DashboardContext => ({
  environment: config.environment,
  services: config.services,
  loggingNamespace: config.logging.namespace,
  teams: config.teams.map((t) => t.name),
  logs: { indexPattern: config.grafana.logs.indexPattern, timeField: config.grafana.logs.timeField },
  sentry: config.grafana.sentryDataSource,
  businessMetrics: config.businessMetrics,
});

/** One dashboard as code: a stable uid, the panels it must have, and its builder. */
export interface DashboardDefinition {
  uid: string;
  title: string;
  tags: string[];
  /** Panel titles the spec asks for; tests check each is present. */
  requiredPanels(ctx: DashboardContext): string[];
  /** Services whose data it shows; decides the owning team's folder. */
  services(ctx: DashboardContext): ServiceConfig[];
  build(ctx: DashboardContext): Dashboard;
}

/**
 * Prometheus series that are neither recording rules nor contract metrics but that dashboards may
 * read: Prometheus' own synthetic alert series.
 */
export const PROMETHEUS_BUILTIN_SERIES = ["ALERTS"] as const;

/**
 * kube-state-metrics series (kube-prometheus-stack deploys and scrapes it) that dashboards read:
 * the rollouts of each service's workload.
 */
export const KUBE_STATE_METRICS_SERIES = [
  "kube_replicaset_owner",
  "kube_statefulset_status_update_revision",
] as const;

/** How long a rollout's annotation stays open: a new ReplicaSet or revision seen within it. */
const ROLLOUT_WINDOW = "5m";

/**
 * A rollout of each service's Deployment or StatefulSet, named as the service in its namespace:
 * a ReplicaSet or a StatefulSet revision that did not exist five minutes earlier. Scaling keeps
 * the ReplicaSet, so only changes of the pod template show (unlike the generation, which an
 * autoscaler also bumps).
 */
export function rolloutExpr(services: ServiceConfig[]): string {
  const terms = services.flatMap((s) => {
    const rs = `kube_replicaset_owner{namespace="${s.namespace}",owner_kind="Deployment",owner_name="${s.name}",owner_name=~"$service"}`;
    const sts = `kube_statefulset_status_update_revision{namespace="${s.namespace}",statefulset="${s.name}",statefulset=~"$service"}`;
    return [
      `(${rs} unless ${rs} offset ${ROLLOUT_WINDOW})`,
      `(${sts} unless ${sts} offset ${ROLLOUT_WINDOW})`,
    ];
  });
  return terms.join(" or ");
}

function annotations(services: ServiceConfig[]): AnnotationQueryBuilder[] {
  const rollouts = new AnnotationQueryBuilder()
    .name("Deployments")
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor("blue")
    .expr(rolloutExpr(services))
    .step("1m")
    // One of owner_name (Deployment) and statefulset is set: the service's name either way.
    .titleFormat("Rollout of {{owner_name}}{{statefulset}}")
    .textFormat("{{namespace}}: new ReplicaSet {{replicaset}}{{revision}}")
    .tagKeys("namespace");
  const alerts = new AnnotationQueryBuilder()
    .name("P1/P2 alerts")
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor("red")
    .expr(ALERT_ANNOTATION_EXPR)
    .step("1m")
    .titleFormat("{{alertname}} ({{priority}})")
    .textFormat("{{service}}")
    .tagKeys("priority,service,team");
  return services.length > 0 ? [rollouts, alerts] : [alerts];
}

export const PROMETHEUS: common.DataSourceRef = { type: "prometheus", uid: DATASOURCE_UIDS.prometheus };
export const LOGS: common.DataSourceRef = { type: "elasticsearch", uid: DATASOURCE_UIDS.logs };
export const SENTRY: common.DataSourceRef = {
  type: "grafana-sentry-datasource",
  uid: DATASOURCE_UIDS.sentry,
};

/**
 * The first filter of every series by the service variable: cheap, but by `job` alone, which a
 * same-named Service of another namespace also reports (prometheus-operator sets `job` to the
 * Service's name). `ofServices` then keeps the configured services only.
 */
export const SERVICE_MATCH = 'job=~"$service"';

/**
 * The selected services as the stack config has them: the (namespace, job) pairs of
 * job:service:info whose `service` the variable names (All: every configured service).
 */
export const selectedServices = (service = "$service"): string =>
  `${SERVICE_DATA.info}{service=~"${service}"}`;

/**
 * `expr` restricted to the selected services, matched on namespace and job together; unbracketed,
 * for a whole query or a function's argument.
 */
export const ofServices = (expr: string, service?: string): string =>
  `${expr} and on (${SERVICE_LABELS}) ${selectedServices(service)}`;

/** A recorded or contract series of the selected services. */
export const serviceSeries = (metric: string): string => ofServices(`${metric}{${SERVICE_MATCH}}`);

/** The `by` labels of an aggregation per service (namespace and job), then `extra`. */
export const perService = (...extra: string[]): string => [SERVICE_LABELS, ...extra].join(", ");

/**
 * Firing alerts with `matchers`, of the selected services: a service's alerts carry its namespace
 * and job (every rule joins job:service:info on both), so an alert of a same-named Service elsewhere
 * is left out. Alerts of no service (the platform's, without `job`) count when All is selected.
 */
export function firingExpr(matchers = ""): string {
  const m = matchers ? `, ${matchers}` : "";
  return `(ALERTS{alertstate="firing"${m}} and on (${SERVICE_LABELS}) ${selectedServices()}) or ALERTS{alertstate="firing"${m}, job="", service=~"$service"}`;
}

/** Firing P1 and P2 alerts of the selected services: what happened next to each rollout. */
export const ALERT_ANNOTATION_EXPR = firingExpr('priority=~"P1|P2"');

const option = (value: string): VariableOption => ({ text: value, value, selected: false });

/**
 * The service selector. For PromQL, All is the regex `.*` (short queries; `ofServices` keeps the
 * configured services); for Lucene there is no such value, so All expands to every service.
 */
function serviceVariable(services: ServiceConfig[], query: "promql" | "lucene"): CustomVariableBuilder {
  const names = services.map((s) => s.name);
  const variable = new CustomVariableBuilder("service")
    .label("Service")
    .values(names.join(","))
    .multi(true)
    .includeAll(true);
  if (query === "promql") variable.allValue(".*");
  return variable.current({ text: "All", value: "$__all", selected: true }).options(names.map(option));
}

/** One Grafana serves one environment; the variable names it in titles and log queries. */
function environmentVariable(environment: string): CustomVariableBuilder {
  return new CustomVariableBuilder("environment")
    .label("Environment")
    .values(environment)
    .current({ text: environment, value: environment, selected: true })
    .options([option(environment)]);
}

/** A dashboard with the shared time settings, tags and the service and environment variables. */
export function baseDashboard(
  def: Pick<DashboardDefinition, "uid" | "title" | "tags">,
  ctx: DashboardContext,
  services: ServiceConfig[],
  description: string,
  query: "promql" | "lucene" = "promql",
): DashboardBuilder {
  return (
    new DashboardBuilder(def.title)
      .uid(def.uid)
      .description(description)
      .tags(["observability", "managed-by-pulumi", ...def.tags])
      .editable()
      .time({ from: "now-6h", to: "now" })
      .refresh("1m")
      .timezone("browser")
      .tooltip(DashboardCursorSync.Crosshair)
      .withVariable(environmentVariable(ctx.environment))
      .withVariable(serviceVariable(services, query))
      // "Check recent deployments": every service dashboard shows rollouts and the alerts after them.
      .annotations(annotations(services))
  );
}

/** A range PromQL query against the Prometheus data source. */
export function prom(expr: string, legend: string, refId = "A"): PromQuery {
  return new PromQuery().datasource(PROMETHEUS).expr(expr).legendFormat(legend).refId(refId).range();
}

/** A time-series panel with its legend shown (the SDK's default hides it). */
export function timeseries(
  title: string,
  unit: string,
  description: string,
  datasource: common.DataSourceRef,
): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(title)
    .description(description)
    .unit(unit)
    .datasource(datasource)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .height(8)
    .span(12);
}

/** A time-series panel with one or more PromQL queries. */
export function promTimeseries(
  title: string,
  unit: string,
  queries: PromQuery[],
  description: string,
): TimeseriesPanel {
  const panel = timeseries(title, unit, description, PROMETHEUS);
  queries.forEach((q, i) => {
    panel.withTarget(q.refId(String.fromCharCode(65 + i)));
  });
  return panel;
}

/** refIds A, B, C... as Grafana assigns them. */
export const refIds = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(65 + i));

export const servicesOfKind = (ctx: DashboardContext, ...kinds: ServiceConfig["kind"][]): ServiceConfig[] =>
  ctx.services.filter((s) => kinds.includes(s.kind));

/**
 * A data-source query the SDK has no typed builder for (the Sentry plugin's): still a builder, so
 * panels take it like any other target.
 */
export class PluginQuery implements cog.Builder<cog.Dataquery> {
  constructor(private readonly query: Record<string, unknown>) {}
  build(): cog.Dataquery {
    return { ...this.query } as unknown as cog.Dataquery;
  }
}
