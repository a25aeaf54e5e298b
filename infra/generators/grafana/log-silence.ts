import type { Priority } from "../../catalog/alert-levels";
import type { ServiceConfig } from "../../config";
import type { MetricsInput } from "../metrics/settings";
import { runbookUrl } from "../metrics/rules";
import { ref } from "../refs";
import { DATASOURCE_UIDS } from "./datasources";
import { teamFolderUid } from "./folders";

/**
 * A configured service that stops sending logs while its pods run: a Grafana-managed rule per
 * service on the Elasticsearch data source (no Prometheus series counts a service's log lines),
 * labelled like its Prometheus alerts (priority, team, service) so that the one notification
 * policy tree routes it to its team. It fires only while other log lines arrive: a pipeline that
 * carries nothing at all is the platform's alert (LogstashPipelineStalled, FilebeatNodeShipsNothing).
 */
export const LOG_SILENCE = {
  alert: "ServiceLogsSilent",
  priority: "P2" as Priority,
  runbook: "logs-silent",
  /** The window without a single line; services are expected to log at least every few minutes. */
  windowMinutes: 30,
  for: "5m",
  reason:
    "the service runs but none of its lines reach Elasticsearch or the archive: its audit events (a 7-year record) and its diagnostics are lost while it lasts; the pipeline itself works, so it is the service's team's to fix within the hour",
} as const;

const EXPR = "__expr__";

/** A query or expression of a Grafana rule, as the provider takes it (`model` is JSON). */
export function data(
  refId: string,
  datasourceUid: string,
  model: Record<string, unknown>,
  fromSeconds: number,
) {
  return {
    refId,
    datasourceUid,
    relativeTimeRange: { from: fromSeconds, to: 0 },
    model: JSON.stringify({ refId, ...model }),
  };
}

/**
 * Lines matching `query`, counted per `interval`, split first by a terms bucket on `split` when
 * given (one series per value, labelled with the field). Grafana's Elasticsearch back end sends a
 * date histogram with `extended_bounds` of the query's range and `min_doc_count` 0
 * (pkg/tsdb/elasticsearch, addDateHistogramAgg), so a silent service gets a series of zeros, not
 * "no data".
 */
export function esLineCount(
  refId: string,
  query: string,
  seconds: number,
  interval: string,
  split?: { field: string; size: number },
) {
  const histogram = (id: string) => ({
    id,
    type: "date_histogram",
    field: "@timestamp",
    settings: { interval, min_doc_count: "0" },
  });
  return data(
    refId,
    DATASOURCE_UIDS.logs,
    {
      datasource: { type: "elasticsearch", uid: DATASOURCE_UIDS.logs },
      query,
      metrics: [{ id: "1", type: "count" }],
      bucketAggs: split
        ? [
            {
              id: "2",
              type: "terms",
              field: split.field,
              settings: { size: String(split.size), order: "desc", orderBy: "_count", min_doc_count: "1" },
            },
            histogram("3"),
          ]
        : [histogram("2")],
      timeField: "@timestamp",
    },
    seconds,
  );
}

/** Lines in the window, counted per minute. */
const esCount = (refId: string, query: string, seconds: number) => esLineCount(refId, query, seconds, "1m");

export const reduce = (refId: string, expression: string, reducer: "sum" | "last", seconds: number) =>
  data(refId, EXPR, { datasource: { type: EXPR, uid: EXPR }, type: "reduce", expression, reducer }, seconds);

/** One service's rule. */
export function logSilenceRule(config: MetricsInput, svc: ServiceConfig) {
  const seconds = LOG_SILENCE.windowMinutes * 60;
  return {
    name: `${LOG_SILENCE.alert} ${svc.name}`,
    for: LOG_SILENCE.for,
    condition: "SILENT",
    // No answer from Elasticsearch is the data source's problem, which GrafanaRuleEvaluationFailures
    // reports once: "Error" would send every service's team a DatasourceError with this rule's labels.
    noDataState: "OK",
    execErrState: "KeepLast",
    labels: { priority: LOG_SILENCE.priority, team: svc.team, service: svc.name },
    annotations: {
      summary: `${svc.name} sends no logs while it runs`,
      description: `No log line of service "${svc.name}" reached Elasticsearch in ${LOG_SILENCE.windowMinutes} minutes while its scrape targets are up and other services' lines arrive. Priority ${LOG_SILENCE.priority}: ${LOG_SILENCE.reason}.`,
      runbook_url: runbookUrl(config, LOG_SILENCE.runbook),
    },
    datas: [
      esCount("LINES", `service:"${svc.name}"`, seconds),
      esCount("ALL", "*", seconds),
      data(
        "UP",
        DATASOURCE_UIDS.prometheus,
        {
          datasource: { type: "prometheus", uid: DATASOURCE_UIDS.prometheus },
          // Its scrape targets up: its pods run (a service without any is ServiceNotScraped's).
          expr: `sum(up{namespace="${svc.namespace}",job="${svc.name}"}) or vector(0)`,
          instant: false,
          range: true,
        },
        600,
      ),
      reduce("LINES_SUM", "LINES", "sum", seconds),
      reduce("ALL_SUM", "ALL", "sum", seconds),
      reduce("UP_NOW", "UP", "last", 600),
      data(
        "SILENT",
        EXPR,
        {
          datasource: { type: EXPR, uid: EXPR },
          type: "math",
          expression: "$LINES_SUM == 0 && $UP_NOW > 0 && $ALL_SUM > 0",
        },
        seconds,
      ),
    ],
  };
}

/**
 * One rule group per team that has services, named `name`, in the team's folder
 * (`ref("folder:<uid>")`, filled by the component), with the rules `rules` makes for them.
 */
export function teamRuleGroups<R>(
  config: MetricsInput,
  name: string,
  rules: (team: string, services: ServiceConfig[]) => R[],
) {
  return config.teams
    .map((t) => ({ team: t.name, services: config.services.filter((s) => s.team === t.name) }))
    .filter((g) => g.services.length > 0)
    .map((g) => ({
      folderUid: teamFolderUid(g.team),
      args: {
        name,
        folderUid: ref(`folder:${teamFolderUid(g.team)}`),
        intervalSeconds: 60,
        rules: rules(g.team, g.services),
      },
    }));
}

/** One rule group per team: a rule per service. */
export const logSilenceRuleGroups = (config: MetricsInput) =>
  teamRuleGroups(config, "logs-silent", (_team, services) => services.map((s) => logSilenceRule(config, s)));
