import type { Priority } from "../../catalog/alert-levels";
import type { LogLevel } from "../../catalog/log-levels";
import type { ServiceConfig } from "../../config";
import type { MetricsInput } from "../metrics/settings";
import { runbookUrl } from "../metrics/rules";
import { data, esLineCount, reduce, teamRuleGroups } from "./log-silence";

/**
 * DEBUG left on in production: a Grafana-managed rule on the Elasticsearch data source, like
 * ServiceLogsSilent, because no Prometheus series counts a service's lines by level (the
 * Elasticsearch exporter reports indices and nodes, Logstash's and Filebeat's report events per
 * plugin or per node, none by a field of the line). One multi-dimensional rule per team, whose
 * queries split by `service`: the rule count follows the teams, not the services.
 */
export const DEBUG_LOGS = {
  alert: "DebugLogsInProduction",
  priority: "P3" as Priority,
  runbook: "log-levels",
  /** The share is taken over this window of lines. */
  windowMinutes: 60,
  for: "30m",
  /** Fewer lines than this in the window say nothing about a share (a service that hardly logs). */
  minLines: 100,
  reason:
    "DEBUG left on costs ingest and storage and buries the lines an incident needs, and the debug stream is kept only 7 days; nothing breaks meanwhile, so it is the team's to turn off within the working day",
} as const;

/** Levels whose lines per service a dashboard or a rule counts. */
export const ERROR_RATE_LEVELS: readonly LogLevel[] = ["ERROR", "CRITICAL"];

/** A Lucene match of exactly these services (their names are DNS labels: nothing to escape). */
export const servicesLucene = (services: readonly ServiceConfig[]): string =>
  `service:(${services.map((s) => `"${s.name}"`).join(" OR ")})`;

/** A Lucene match of these levels, as the ingest pipeline writes them (upper case). */
export const levelsLucene = (levels: readonly LogLevel[]): string => `level:(${levels.join(" OR ")})`;

/**
 * Lines of `services` matching `filter`, per service and 5-minute bucket: one series per service
 * labelled `service` (Grafana's Elasticsearch back end labels a terms bucket's series with its
 * field and key), zeros where a service wrote nothing. Rules use it for any level: the DEBUG share
 * here, an ERROR or CRITICAL rate (`levelsLucene(ERROR_RATE_LEVELS)`) the same way.
 */
export function serviceLineCounts(
  refId: string,
  services: readonly ServiceConfig[],
  filter: string | undefined,
  seconds: number,
) {
  const query = filter ? `${servicesLucene(services)} AND ${filter}` : servicesLucene(services);
  return esLineCount(refId, query, seconds, "5m", { field: "service", size: services.length });
}

/** One team's rule: every service of the team at once, one alert instance per service. */
export function debugLogsRule(config: MetricsInput, team: string, services: readonly ServiceConfig[]) {
  const seconds = DEBUG_LOGS.windowMinutes * 60;
  const share = config.metrics.alerts.debugLogShareMax;
  return {
    name: `${DEBUG_LOGS.alert} ${team}`,
    for: DEBUG_LOGS.for,
    condition: "TOO_MUCH_DEBUG",
    // A ticket, not a page: no answer from Elasticsearch is GrafanaRuleEvaluationFailures' to report.
    noDataState: "OK",
    execErrState: "KeepLast",
    // `service` comes from each series' terms bucket.
    labels: { priority: DEBUG_LOGS.priority, team },
    annotations: {
      summary: "{{ $labels.service }} writes DEBUG lines in production",
      description: `More than ${share * 100}% of the log lines of service "{{ $labels.service }}" (team ${team}) in the last ${DEBUG_LOGS.windowMinutes} minutes are DEBUG (metrics.alerts.debugLogShareMax). Priority ${DEBUG_LOGS.priority}: ${DEBUG_LOGS.reason}.`,
      runbook_url: runbookUrl(config, DEBUG_LOGS.runbook),
    },
    datas: [
      serviceLineCounts("LINES", services, undefined, seconds),
      serviceLineCounts("DEBUG", services, levelsLucene(["DEBUG"]), seconds),
      reduce("LINES_SUM", "LINES", "sum", seconds),
      reduce("DEBUG_SUM", "DEBUG", "sum", seconds),
      data(
        "TOO_MUCH_DEBUG",
        "__expr__",
        {
          datasource: { type: "__expr__", uid: "__expr__" },
          type: "math",
          // Series of the two sets are paired by their `service` label.
          expression: `$LINES_SUM >= ${DEBUG_LOGS.minLines} && $DEBUG_SUM / $LINES_SUM > ${share}`,
        },
        seconds,
      ),
    ],
  };
}

/**
 * Production stacks only (the spec's "appropriate log levels" is about production; dev may log
 * DEBUG at will). One rule group per team, in the team's folder.
 */
export function debugLogsRuleGroups(config: MetricsInput) {
  if (!config.production) return [];
  return teamRuleGroups(config, "log-levels", (team, services) => [debugLogsRule(config, team, services)]);
}
