import type { ReaderRole } from "../../catalog/log-roles";
import { dataStreamPattern } from "../../catalog/log-schema";
import { LOG_TYPES, type LogType } from "../../catalog/retention";
import { MANAGED_BY_META } from "../labels";
import type { RoleBody } from "./types";

const KIBANA_APP = "kibana-.kibana";
/**
 * Kibana access for reading logs: Discover and dashboards, read-only, in every space. Kibana 9
 * names these features `discover_v2` and `dashboard_v2` (the unversioned ones are deprecated).
 */
const KIBANA_READ = [
  {
    application: KIBANA_APP,
    privileges: ["feature_discover_v2.read", "feature_dashboard_v2.read"],
    resources: ["*"],
  },
];
const READ = ["read", "view_index_metadata"] as const;
/** The role of the file-realm user Grafana's data source logs in as. */
export const GRAFANA_READER_ROLE = "grafana-reader";

/**
 * Who may read which log type. Only `auditor` reads the audit stream. No role here holds
 * `delete`, `delete_index`, `manage`, `write` or `all` on any log stream: from Kibana, nobody
 * deletes log lines; ILM is what removes them.
 */
export const ROLE_ACCESS: Readonly<
  Record<ReaderRole | typeof GRAFANA_READER_ROLE, { logTypes: LogType[]; meaning: string; kibana: boolean }>
> = {
  "log-reader": {
    logTypes: ["application", "debug"],
    meaning: "engineers: application and debug logs",
    kibana: true,
  },
  "security-analyst": {
    logTypes: ["application", "security"],
    meaning: "security team: application and security logs",
    kibana: true,
  },
  auditor: { logTypes: ["audit"], meaning: "auditors: the audit trail, read-only", kibana: true },
  [GRAFANA_READER_ROLE]: {
    logTypes: ["application", "security", "debug"],
    meaning: "Grafana's Elasticsearch data source: every stream but the audit trail",
    kibana: false,
  },
};

export function role(name: string): RoleBody {
  const access = ROLE_ACCESS[name as keyof typeof ROLE_ACCESS];
  if (!access) throw new Error(`unknown role ${name}`);
  return {
    description: access.meaning,
    cluster: [],
    indices: [{ names: access.logTypes.map(dataStreamPattern), privileges: [...READ] }],
    applications: access.kibana ? KIBANA_READ : [],
    metadata: { managed_by: MANAGED_BY_META },
  };
}

/** Privileges that would let a holder delete or rewrite log lines. */
export const DESTRUCTIVE_PRIVILEGES = [
  "all",
  "delete",
  "delete_index",
  "manage",
  "write",
  "index",
  "manage_data_stream_lifecycle",
  "manage_ilm",
];

/** The role of the Elasticsearch exporter's file-realm user (infra/generators/platform/elasticsearch.ts). */
export const MONITORING_ROLE = "elasticsearch-exporter";

/**
 * Each request the exporter's collectors make (`--es.all` and the collectors it runs), the
 * action Elasticsearch authorizes it as, and the least privilege that grants that action
 * (Elasticsearch's ClusterPrivilegeResolver and IndexPrivilege). The role holds exactly these:
 * `read_slm` grants both ILM's and SLM's status; SLM's stats have no read privilege, only
 * `manage_slm` (which edits policies and stops ILM), so the role names that one action instead.
 * Nothing here reads a document: `monitor` and `view_index_metadata` see index statistics and
 * settings, not lines.
 */
export const MONITORING_ACCESS: readonly {
  path: string;
  action: string;
  scope: "cluster" | "indices";
  privilege: string;
}[] = [
  { path: "/", action: "cluster:monitor/main", scope: "cluster", privilege: "monitor" },
  { path: "/_cluster/health", action: "cluster:monitor/health", scope: "cluster", privilege: "monitor" },
  { path: "/_nodes/stats", action: "cluster:monitor/nodes/stats", scope: "cluster", privilege: "monitor" },
  { path: "/_cluster/settings", action: "cluster:monitor/settings", scope: "cluster", privilege: "monitor" },
  {
    path: "/_ilm/status",
    action: "cluster:admin/ilm/operation_mode/get",
    scope: "cluster",
    privilege: "read_slm",
  },
  { path: "/_slm/status", action: "cluster:admin/slm/status", scope: "cluster", privilege: "read_slm" },
  {
    path: "/_slm/stats",
    action: "cluster:admin/slm/stats",
    scope: "cluster",
    privilege: "cluster:admin/slm/stats",
  },
  {
    path: "/_all/_ilm/explain",
    action: "indices:admin/ilm/explain",
    scope: "indices",
    privilege: "view_index_metadata",
  },
  {
    path: "/_data_stream/*/_stats",
    action: "indices:monitor/data_stream/stats",
    scope: "indices",
    privilege: "monitor",
  },
];

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** The exporter's role: MONITORING_ACCESS's privileges, on every log data stream. */
export function monitoringRole(): RoleBody {
  const of = (scope: "cluster" | "indices") =>
    unique(MONITORING_ACCESS.filter((a) => a.scope === scope).map((a) => a.privilege));
  return {
    description: "The Elasticsearch exporter: cluster, node, snapshot, ILM and data stream statistics",
    cluster: of("cluster"),
    indices: [{ names: LOG_TYPES.map(dataStreamPattern), privileges: of("indices") }],
    applications: [],
    metadata: { managed_by: MANAGED_BY_META },
  };
}

/** Every role the settings Job applies: the readers of ROLE_ACCESS and the exporter's. */
export const roles = (): Record<string, RoleBody> => ({
  ...Object.fromEntries(Object.keys(ROLE_ACCESS).map((n) => [n, role(n)])),
  [MONITORING_ROLE]: monitoringRole(),
});
