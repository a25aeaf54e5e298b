import { ALL_LOGS_PATTERN, dataStreamPattern, LOG_FIELDS, logsName } from "../../catalog/log-schema";
import type { LogType } from "../../catalog/retention";
import type { KibanaDataViewBody, KibanaSavedObjectBody } from "./types";

export const dataViewId = (logType: LogType | "all"): string => logsName(logType);
export const REQUEST_SEARCH_ID = logsName("by", "request", "id");

/** `override` makes the create replace a data view with the same title: re-running changes nothing. */
export function dataView(logType: LogType): KibanaDataViewBody {
  return {
    data_view: {
      id: dataViewId(logType),
      title: dataStreamPattern(logType),
      name: `${logType[0]?.toUpperCase()}${logType.slice(1)} logs`,
      timeFieldName: "@timestamp",
    },
    override: true,
  };
}

/** Every stream the reader may see; Elasticsearch filters out the ones a role cannot read. */
export function allLogsDataView(): KibanaDataViewBody {
  return {
    data_view: {
      id: dataViewId("all"),
      title: ALL_LOGS_PATTERN,
      name: "All logs",
      timeFieldName: "@timestamp",
    },
    override: true,
  };
}

/**
 * Discover search that follows one request across services and log types: open it and replace
 * `*` in the query with the request ID.
 */
export function requestIdSearch(): KibanaSavedObjectBody {
  const indexRef = "kibanaSavedObjectMeta.searchSourceJSON.index";
  return {
    attributes: {
      title: "Logs by request_id",
      description: "All lines of one request across services and log types; set request_id in the query.",
      columns: LOG_FIELDS.filter((f) => !["timestamp", "message"].includes(f.name))
        .map((f) => f.name)
        .concat("message"),
      sort: [["@timestamp", "asc"]],
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { language: "kuery", query: 'request_id : "*"' },
          filter: [],
          indexRefName: indexRef,
        }),
      },
    },
    references: [{ name: indexRef, type: "index-pattern", id: dataViewId("all") }],
  };
}
