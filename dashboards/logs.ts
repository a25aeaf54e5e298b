import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  CountBuilder,
  DataqueryBuilder as EsQuery,
  DateHistogramBuilder,
  LogsBuilder,
  TermsBuilder,
  TermsOrder,
} from "@grafana/grafana-foundation-sdk/elasticsearch";
import type * as elasticsearch from "@grafana/grafana-foundation-sdk/elasticsearch";
import { TypeMathBuilder } from "@grafana/grafana-foundation-sdk/expr";
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import type { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { LOG_LEVELS, severity } from "../infra/catalog/log-levels";
import { LINE_SCOPES, MISSING_REQUEST_ID_TAG } from "../infra/catalog/log-schema";
import { ERROR_RATE_LEVELS } from "../infra/generators/grafana/log-levels";
import { baseDashboard, type DashboardContext, type DashboardDefinition, LOGS, timeseries } from "./common";

/**
 * Metric aggregations whose `type` the SDK (0.0.21) leaves as "unknown": the SDK builder sets the
 * id, this sets the type Grafana's Elasticsearch query editor expects.
 */
class TypedMetric implements cog.Builder<elasticsearch.MetricAggregation> {
  constructor(
    private readonly inner: cog.Builder<elasticsearch.Count | elasticsearch.Logs>,
    private readonly type: "count" | "logs",
  ) {}
  build(): elasticsearch.MetricAggregation {
    return { ...this.inner.build(), type: this.type } as elasticsearch.MetricAggregation;
  }
}
const count = (id: string) => new TypedMetric(new CountBuilder().id(id), "count");
const rawLogs = (id: string) => new TypedMetric(new LogsBuilder().id(id), "logs");

/** Field names of the spec's structured log schema. */
export const LOG_FIELDS = {
  level: "level",
  service: "service",
  requestId: "request_id",
  message: "message",
  scope: "scope",
  tags: "tags",
} as const;

/** Levels that count as errors: ERROR and everything more severe. */
export const ERROR_LEVELS = LOG_LEVELS.filter((l) => severity(l) >= severity("ERROR"));

/** Lucene filter on the service variable (Grafana formats a multi-value selection for Lucene). */
export const serviceFilter = `${LOG_FIELDS.service}:\${service:lucene}`;
export const errorFilter = `${serviceFilter} AND ${LOG_FIELDS.level}:(${ERROR_LEVELS.join(" OR ")})`;

/** Count of matching lines per value of `field` (top `size`), optionally over time. */
function countByTerms(
  ctx: DashboardContext,
  filter: string,
  field: string,
  size: number,
  overTime: boolean,
): EsQuery {
  const terms = new TermsBuilder()
    .id("2")
    .field(field)
    .settings({ size: String(size), order: TermsOrder.Desc, orderBy: "_count", min_doc_count: "1" });
  return new EsQuery()
    .datasource(LOGS)
    .refId("A")
    .query(filter)
    .timeField(ctx.logs.timeField)
    .metrics([count("1")])
    .bucketAggs(
      overTime
        ? [terms, new DateHistogramBuilder().id("3").field(ctx.logs.timeField).settings({ interval: "auto" })]
        : [terms],
    );
}

function volumeBy(ctx: DashboardContext, field: string, title: string, description: string): TimeseriesPanel {
  return timeseries(title, "short", description, LOGS).withTarget(
    countByTerms(ctx, serviceFilter, field, 20, true),
  );
}

/** Grafana's server-side expressions: a panel's queries combined after they ran. */
const EXPRESSION = { type: "__expr__", uid: "__expr__" } as const;

/** The split by service of the logs panels: the 50 busiest services that have lines. */
const byService = () =>
  new TermsBuilder()
    .id("2")
    .field(LOG_FIELDS.service)
    .settings({ size: "50", order: TermsOrder.Desc, orderBy: "_count", min_doc_count: "1" });

/** Lines of the selected services matching `filter`, per service, in `interval` buckets; hidden or not. */
function linesPerService(
  ctx: DashboardContext,
  refId: string,
  filter: string,
  interval: string,
  hide: boolean,
) {
  return new EsQuery()
    .datasource(LOGS)
    .refId(refId)
    .query(filter)
    .timeField(ctx.logs.timeField)
    .metrics([count("1")])
    .bucketAggs([
      byService(),
      new DateHistogramBuilder().id("3").field(ctx.logs.timeField).settings({ interval }),
    ])
    .hide(hide);
}

/**
 * `part` lines as a share of `whole` lines, per service: two hidden counts split by `service`
 * and a math expression, whose series pair up by their `service` label.
 */
function sharePanel(ctx: DashboardContext, title: string, description: string, whole: string, part: string) {
  return timeseries(title, "percentunit", description, LOGS)
    .withTarget(linesPerService(ctx, "A", whole, "5m", true))
    .withTarget(linesPerService(ctx, "B", `${whole} AND ${part}`, "5m", true))
    .withTarget(new TypeMathBuilder().datasource(EXPRESSION).refId("C").expression("$B / $A"));
}

/** Request-scoped lines: what a `request_id` is expected on (lines that were not JSON have no fields). */
export const requestScopedFilter = `${serviceFilter} AND NOT ${LOG_FIELDS.scope}:${LINE_SCOPES[1]} AND NOT ${LOG_FIELDS.tags}:invalid_json`;
export const MISSING_REQUEST_ID_FILTER = `${LOG_FIELDS.tags}:${MISSING_REQUEST_ID_TAG}`;
export const DEBUG_FILTER = `${LOG_FIELDS.level}:DEBUG`;

/** Log hygiene: request IDs and levels (the spec's "set appropriate log levels"). */
function hygienePanels(ctx: DashboardContext) {
  return [
    sharePanel(
      ctx,
      "Lines without request_id",
      `Share of each service's request-scoped lines (\`${LOG_FIELDS.scope}\` absent or \`request\`) that the ingest pipeline tagged \`${MISSING_REQUEST_ID_TAG}\`: those lines cannot be followed across services. Lines with \`${LOG_FIELDS.scope}: process\` (startup, shutdown, timers) are left out.`,
      requestScopedFilter,
      MISSING_REQUEST_ID_FILTER,
    ),
    sharePanel(
      ctx,
      "DEBUG share by service",
      "Share of each service's lines that are DEBUG; in production, DebugLogsInProduction fires above metrics.alerts.debugLogShareMax.",
      serviceFilter,
      DEBUG_FILTER,
    ),
    timeseries(
      "ERROR and CRITICAL lines per minute by service",
      "short",
      "ERROR and CRITICAL lines per minute, per service and level: the logs' own error rate, next to the requests' in Service overview.",
      LOGS,
    ).withTarget(
      new EsQuery()
        .datasource(LOGS)
        .refId("A")
        .query(`${serviceFilter} AND ${LOG_FIELDS.level}:(${ERROR_RATE_LEVELS.join(" OR ")})`)
        .timeField(ctx.logs.timeField)
        .metrics([count("1")])
        .bucketAggs([
          byService(),
          new TermsBuilder()
            .id("3")
            .field(LOG_FIELDS.level)
            .settings({
              size: String(ERROR_RATE_LEVELS.length),
              order: TermsOrder.Desc,
              orderBy: "_count",
              min_doc_count: "1",
            }),
          new DateHistogramBuilder().id("4").field(ctx.logs.timeField).settings({ interval: "1m" }),
        ]),
    ),
  ];
}

export const logsOverview: DashboardDefinition = {
  uid: "obs-logs",
  title: "Logs",
  tags: ["logs", "elasticsearch"],
  services: (ctx) => ctx.services,
  requiredPanels: () => [
    "Log volume by level",
    "Log volume by service",
    "Errors by request_id",
    "Error logs",
    "Lines without request_id",
    "DEBUG share by service",
    "ERROR and CRITICAL lines per minute by service",
  ],
  build(ctx) {
    const dashboard = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      `Structured application logs from Elasticsearch (${ctx.logs.indexPattern}).`,
      "lucene",
    )
      .withPanel(
        volumeBy(
          ctx,
          LOG_FIELDS.level,
          "Log volume by level",
          "Log lines per interval by level; a jump in ERROR/CRITICAL usually follows a deployment.",
        ),
      )
      .withPanel(
        volumeBy(ctx, LOG_FIELDS.service, "Log volume by service", "Log lines per interval by service."),
      )
      .withPanel(
        new TablePanel()
          .title("Errors by request_id")
          .description("Requests with the most ERROR/CRITICAL lines: follow one request_id across services.")
          .datasource(LOGS)
          .height(10)
          .span(12)
          .withTarget(countByTerms(ctx, errorFilter, LOG_FIELDS.requestId, 50, false)),
      )
      .withPanel(
        new LogsPanel()
          .title("Error logs")
          .description("The latest ERROR and CRITICAL lines.")
          .datasource(LOGS)
          .height(10)
          .span(12)
          .showTime(true)
          .wrapLogMessage(true)
          .enableLogDetails(true)
          .withTarget(
            new EsQuery()
              .datasource(LOGS)
              .refId("A")
              .query(errorFilter)
              .timeField(ctx.logs.timeField)
              .metrics([rawLogs("1")])
              .bucketAggs([]),
          ),
      );
    for (const panel of hygienePanels(ctx)) dashboard.withPanel(panel);
    return dashboard.build();
  },
};
