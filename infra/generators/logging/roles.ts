import { dataStreamPattern } from "../../catalog/log-schema";
import type { LogType } from "../../catalog/retention";
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
  Record<string, { logTypes: LogType[]; meaning: string; kibana: boolean }>
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
  const access = ROLE_ACCESS[name];
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

export const roles = (): Record<string, RoleBody> =>
  Object.fromEntries(Object.keys(ROLE_ACCESS).map((n) => [n, role(n)]));
