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
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import type { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { LOG_LEVELS, severity } from "../infra/catalog/log-levels";
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
  ],
  build(ctx) {
    return baseDashboard(
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
      )
      .build();
  },
};
