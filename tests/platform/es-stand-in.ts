import type { IncomingMessage, ServerResponse } from "node:http";
import { dataStreamName } from "../../infra/catalog/log-schema";
import { LOG_TYPES } from "../../infra/catalog/retention";
import type { StackConfig } from "../../infra/config";
import {
  ilmPolicyName,
  SLM_POLICY,
  SNAPSHOT_REPOSITORY,
  slmPolicies,
  slmPolicyName,
} from "../../infra/generators/logging";
import { ELASTIC_STACK } from "../../infra/versions";

/**
 * A loopback stand-in for Elasticsearch 9's REST API: the endpoints the exporter's collectors call,
 * answered with the documented response shapes (the REST API reference of each endpoint; the
 * exporter's own fixtures are captured from real clusters), for one of four states of the cluster.
 * It checks HTTP basic auth like Elasticsearch (401 with `WWW-Authenticate: Basic`) and records
 * every path it is asked for.
 */

export type ClusterState = "healthy" | "yellow" | "incident" | "down";

const GiB = 1024 ** 3;
const DATA_PATH = "/usr/share/elasticsearch/data";

/** What the stand-in serves in the incident, for the test's expectations. */
export const INCIDENT = {
  /** The node low on disk: 1 GiB available of 50 (the flood stage keeps 2.5 GiB free). */
  lowDiskNode: "logs-es-data-1",
  /** The node short of heap: 95% used. */
  heapNode: "logs-es-data-0",
  unassignedShards: 5,
  /** The log type whose backing index ILM fails on. */
  ilmErrorType: "application",
  /** The SLM policy that failed a snapshot (the audit trail's) and the one whose retention failed. */
  failedPolicy: slmPolicyName("audit"),
  deletionFailedPolicy: SLM_POLICY,
} as const;

/** The backing index the stand-in reports for a log type. */
export const backingIndex = (config: StackConfig, type: (typeof LOG_TYPES)[number]): string =>
  `.ds-${dataStreamName(type, config.environment)}-2026.12.07-000002`;

const esError = (type: string, reason: string, status: number) => ({
  error: { root_cause: [{ type, reason }], type, reason },
  status,
});

export class ElasticsearchStandIn {
  state: ClusterState = "healthy";
  /** Every path requested (query strings removed), in order. */
  readonly requested: string[] = [];
  private incidentSince = 0;

  constructor(
    private readonly config: StackConfig,
    private readonly login: { username: string; password: string },
  ) {}

  set(state: ClusterState): void {
    if (state === "incident") this.incidentSince = Date.now();
    this.state = state;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://localhost");
    const path = decodeURIComponent(url.pathname);
    this.requested.push(path);
    const login = `${this.login.username}:${this.login.password}`;
    const [status, body, headers] = this.reply(req, path, `Basic ${Buffer.from(login).toString("base64")}`);
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };

  /** Status, body and extra headers of the answer to one request. */
  private reply(
    req: IncomingMessage,
    path: string,
    authorization: string,
  ): [number, unknown, Record<string, string>?] {
    if (req.headers.authorization !== authorization)
      return [
        401,
        esError("security_exception", `unable to authenticate user for REST request [${path}]`, 401),
        { "WWW-Authenticate": 'Basic realm="security", charset="UTF-8"' },
      ];
    if (this.state === "down") return [503, esError("master_not_discovered_exception", "no master", 503)];
    if (req.method !== "GET") return [405, esError("illegal_argument_exception", String(req.method), 405)];
    const body = this.answer(path);
    if (body === undefined)
      return [404, esError("resource_not_found_exception", `no handler for ${path}`, 404)];
    if (body === "fail")
      return [500, esError("illegal_state_exception", "data stream stats unavailable", 500)];
    return [200, body];
  }

  private answer(path: string): unknown {
    const name = this.config.logging.clusterName;
    const incident = this.state === "incident";
    switch (path) {
      // GET / (the root API)
      case "/":
        return {
          name: `${name}-es-data-0`,
          cluster_name: name,
          cluster_uuid: "Qx4wQ6bxQmGq1m4R0nFkKA",
          version: {
            number: ELASTIC_STACK.version,
            build_flavor: "default",
            build_type: "docker",
            build_hash: "0000000000000000000000000000000000000000",
            build_date: "2026-11-20T10:00:00.000000000Z",
            build_snapshot: false,
            lucene_version: "10.3.1",
            minimum_wire_compatibility_version: "8.19.0",
            minimum_index_compatibility_version: "8.0.0",
          },
          tagline: "You Know, for Search",
        };
      // GET /_cluster/health
      case "/_cluster/health": {
        const unassigned = incident ? INCIDENT.unassignedShards : this.state === "yellow" ? 2 : 0;
        return {
          cluster_name: name,
          status: incident ? "red" : this.state === "yellow" ? "yellow" : "green",
          timed_out: false,
          number_of_nodes: 3,
          number_of_data_nodes: 2,
          active_primary_shards: 24 - (incident ? 2 : 0),
          active_shards: 48 - unassigned,
          relocating_shards: 0,
          initializing_shards: 0,
          unassigned_shards: unassigned,
          unassigned_primary_shards: incident ? 2 : 0,
          delayed_unassigned_shards: 0,
          number_of_pending_tasks: 0,
          number_of_in_flight_fetch: 0,
          task_max_waiting_in_queue_millis: 0,
          active_shards_percent_as_number: (100 * (48 - unassigned)) / 48,
        };
      }
      // GET /_nodes/stats (every node, `--es.all`)
      case "/_nodes/stats":
        return {
          _nodes: { total: 3, successful: 3, failed: 0 },
          cluster_name: name,
          nodes: {
            aY3pLr0tQwGd8m1nJ2kZ0A: this.node(`${name}-es-master-0`, "10.0.1.10", ["master"]),
            bZ4qMs1uRxHe9n2oK3lA1B: this.node(`${name}-es-data-0`, "10.0.1.11", ["data", "ingest"]),
            cA5rNt2vSyIf0o3pL4mB2C: this.node(`${name}-es-data-1`, "10.0.1.12", ["data", "ingest"]),
          },
        };
      // GET /_cluster/settings?include_defaults=true: nothing set, Elasticsearch's defaults, in
      // its structured form (a key that is both a value and a prefix keeps dotted sub-keys).
      case "/_cluster/settings":
        return {
          persistent: {},
          transient: {},
          defaults: {
            cluster: {
              max_shards_per_node: "1000",
              routing: {
                allocation: {
                  enable: "all",
                  disk: {
                    threshold_enabled: "true",
                    watermark: {
                      enable_for_single_data_node: "true",
                      flood_stage: "95%",
                      "flood_stage.frozen": "95%",
                      "flood_stage.frozen.max_headroom": "20GB",
                      "flood_stage.max_headroom": "100GB",
                      high: "90%",
                      "high.max_headroom": "150GB",
                      low: "85%",
                      "low.max_headroom": "200GB",
                    },
                  },
                },
              },
            },
          },
        };
      // GET /_ilm/status
      case "/_ilm/status":
        return { operation_mode: incident ? "STOPPED" : "RUNNING" };
      // GET /_all/_ilm/explain
      case "/_all/_ilm/explain":
        return { indices: Object.fromEntries(this.backingIndices().map((i) => [i.index, i])) };
      // GET /_slm/status
      case "/_slm/status":
        return { operation_mode: "RUNNING" };
      // GET /_slm/stats
      case "/_slm/stats":
        return this.slmStats();
      // GET /_snapshot (every repository)
      case "/_snapshot":
        return {
          [SNAPSHOT_REPOSITORY]: {
            type: "s3",
            uuid: "sNaPsHoTrEpOsItOrYuUiD",
            settings: { bucket: "snapshots", base_path: `${this.config.environment}/${name}` },
          },
        };
      case `/_snapshot/${SNAPSHOT_REPOSITORY}/_all`:
        return this.snapshots();
      // GET /_data_stream/*/_stats
      case "/_data_stream/*/_stats":
        return incident ? "fail" : this.dataStreamStats();
      default:
        return undefined;
    }
  }

  private node(nodeName: string, ip: string, roles: string[]) {
    const incident = this.state === "incident";
    const heapMax = 2 * GiB;
    // Elasticsearch reports bytes as integers (the exporter decodes them as int64).
    const heapUsed = Math.round((incident && nodeName === INCIDENT.heapNode ? 0.95 : 0.4) * heapMax);
    const share = (x: number) => Math.round(x * heapMax);
    const total = 50 * GiB;
    const available = incident && nodeName === INCIDENT.lowDiskNode ? 1 * GiB : 30 * GiB;
    // Rejections climb while the incident lasts: a counter, as Elasticsearch keeps it.
    const rejected =
      incident && roles.includes("data") ? Math.floor((Date.now() - this.incidentSince) / 50) : 0;
    const pool = (threads: number, rejectedCount: number, completed: number) => ({
      threads,
      queue: 0,
      active: 0,
      rejected: rejectedCount,
      largest: threads,
      completed,
    });
    const now = Date.now();
    return {
      timestamp: now,
      name: nodeName,
      transport_address: `${ip}:9300`,
      host: ip,
      ip: `${ip}:9300`,
      roles,
      attributes: { "xpack.installed": "true", zone: "eu-west-1a" },
      indices: {
        docs: { count: 1200000, deleted: 0 },
        store: { size_in_bytes: 12 * GiB, total_data_set_size_in_bytes: 12 * GiB, reserved_in_bytes: 0 },
        indexing: {
          index_total: 1200000,
          index_time_in_millis: 600000,
          index_current: 0,
          index_failed: 0,
          delete_total: 0,
          delete_time_in_millis: 0,
          is_throttled: false,
          throttle_time_in_millis: 0,
        },
        search: {
          query_total: 5000,
          query_time_in_millis: 9000,
          fetch_total: 4000,
          fetch_time_in_millis: 800,
        },
      },
      os: {
        timestamp: now,
        cpu: { percent: 12, load_average: { "1m": 0.5, "5m": 0.4, "15m": 0.3 } },
        mem: { total_in_bytes: 4 * GiB, free_in_bytes: 1 * GiB, used_in_bytes: 3 * GiB },
      },
      process: {
        timestamp: now,
        open_file_descriptors: 512,
        max_file_descriptors: 1048576,
        cpu: { percent: 5, total_in_millis: 3600000 },
        mem: { total_virtual_in_bytes: 8 * GiB },
      },
      jvm: {
        timestamp: now,
        uptime_in_millis: 86400000,
        mem: {
          heap_used_in_bytes: heapUsed,
          heap_used_percent: Math.round((100 * heapUsed) / heapMax),
          heap_committed_in_bytes: heapMax,
          heap_max_in_bytes: heapMax,
          non_heap_used_in_bytes: 200 * 1024 ** 2,
          non_heap_committed_in_bytes: 220 * 1024 ** 2,
          pools: {
            young: {
              used_in_bytes: share(0.1),
              max_in_bytes: 0,
              peak_used_in_bytes: share(0.2),
              peak_max_in_bytes: 0,
            },
            old: {
              used_in_bytes: heapUsed - share(0.1),
              max_in_bytes: heapMax,
              peak_used_in_bytes: heapUsed,
              peak_max_in_bytes: heapMax,
            },
          },
        },
        gc: {
          collectors: {
            G1_Young_Generation: { collection_count: 1200, collection_time_in_millis: 9000 },
            G1_Old_Generation: { collection_count: 0, collection_time_in_millis: 0 },
          },
        },
        buffer_pools: {
          direct: { count: 80, used_in_bytes: 12 * 1024 ** 2, total_capacity_in_bytes: 12 * 1024 ** 2 },
        },
      },
      thread_pool: {
        write: pool(2, rejected, 400000),
        search: pool(4, 0, 20000),
        get: pool(2, 0, 100),
      },
      fs: {
        timestamp: now,
        total: { total_in_bytes: total, free_in_bytes: available, available_in_bytes: available },
        data: [
          {
            path: DATA_PATH,
            mount: `${DATA_PATH} (/dev/nvme1n1)`,
            type: "ext4",
            total_in_bytes: total,
            free_in_bytes: available,
            available_in_bytes: available,
          },
        ],
        io_stats: {},
      },
      transport: {
        server_open: 6,
        rx_count: 100,
        rx_size_in_bytes: 1024,
        tx_count: 100,
        tx_size_in_bytes: 1024,
      },
      breakers: {
        parent: {
          limit_size_in_bytes: share(0.95),
          limit_size: "1.9gb",
          estimated_size_in_bytes: heapUsed,
          estimated_size: "0.8gb",
          overhead: 1.0,
          tripped: 0,
        },
      },
      indexing_pressure: {
        memory: {
          current: { combined_coordinating_and_primary_in_bytes: 0, all_in_bytes: 0 },
          total: { all_in_bytes: 10 * 1024 ** 2 },
          limit_in_bytes: share(0.1),
        },
      },
    };
  }

  /** One backing index per log type, each in its hot phase; in the incident one fails a step. */
  private backingIndices() {
    const t = Date.now() - 3600_000;
    return LOG_TYPES.map((type) => {
      const index = backingIndex(this.config, type);
      const failed = this.state === "incident" && type === INCIDENT.ilmErrorType;
      return {
        index,
        managed: true,
        policy: ilmPolicyName(type),
        index_creation_date_millis: t,
        time_since_index_creation: "1h",
        lifecycle_date_millis: t,
        age: "1h",
        phase: "hot",
        phase_time_millis: t,
        action: "rollover",
        action_time_millis: t,
        step: failed ? "ERROR" : "check-rollover-ready",
        step_time_millis: t,
        ...(failed
          ? {
              failed_step: "check-rollover-ready",
              is_auto_retryable_error: true,
              failed_step_retry_count: 3,
              step_info: {
                type: "illegal_argument_exception",
                reason: "index.lifecycle.rollover_alias missing",
              },
            }
          : {}),
        phase_execution: {
          policy: ilmPolicyName(type),
          phase_definition: { min_age: "0ms", actions: { rollover: { max_age: "1d" } } },
          version: 1,
          modified_date_in_millis: t,
        },
      };
    });
  }

  /** SLM's counters: in the incident the audit policy failed a snapshot and a deletion failed. */
  private slmStats() {
    const incident = this.state === "incident";
    const policies = slmPolicies(this.config).map(([id]) => ({
      policy: id,
      snapshots_taken: 30,
      snapshots_failed: incident && id === INCIDENT.failedPolicy ? 1 : 0,
      snapshots_deleted: 20,
      snapshot_deletion_failures: incident && id === INCIDENT.deletionFailedPolicy ? 1 : 0,
    }));
    const sum = (
      k: "snapshots_taken" | "snapshots_failed" | "snapshots_deleted" | "snapshot_deletion_failures",
    ) => policies.reduce((n, p) => n + p[k], 0);
    return {
      retention_runs: 30,
      retention_failed: 0,
      retention_timed_out: 0,
      retention_deletion_time: "1.2m",
      retention_deletion_time_millis: 72491,
      total_snapshots_taken: sum("snapshots_taken"),
      total_snapshots_failed: sum("snapshots_failed"),
      total_snapshots_deleted: sum("snapshots_deleted"),
      total_snapshot_deletion_failures: sum("snapshot_deletion_failures"),
      policy_stats: policies,
    };
  }

  private snapshots() {
    const start = Date.parse("2026-12-07T01:30:00.000Z");
    return {
      snapshots: slmPolicies(this.config).map(([id], i) => ({
        snapshot: `logs-snap-${i}-2026.12.07-a1b2c3`,
        uuid: `uUiD${i}`,
        repository: SNAPSHOT_REPOSITORY,
        version_id: 9050099,
        version: ELASTIC_STACK.version,
        indices: [],
        data_streams: [],
        include_global_state: i === 0,
        metadata: { policy: id },
        state: "SUCCESS",
        start_time: new Date(start + i * 1000).toISOString(),
        start_time_in_millis: start + i * 1000,
        end_time: new Date(start + i * 1000 + 5000).toISOString(),
        end_time_in_millis: start + i * 1000 + 5000,
        duration_in_millis: 5000,
        failures: [],
        shards: { total: 2, failed: 0, successful: 2 },
        feature_states: [],
      })),
      total: slmPolicies(this.config).length,
      remaining: 0,
    };
  }

  private dataStreamStats() {
    const streams = LOG_TYPES.map((t) => ({
      data_stream: dataStreamName(t, this.config.environment),
      backing_indices: 2,
      store_size_bytes: 2 * GiB,
      maximum_timestamp: Date.now(),
    }));
    return {
      _shards: { total: 16, successful: 16, failed: 0 },
      data_stream_count: streams.length,
      backing_indices: streams.length * 2,
      total_store_size_bytes: streams.length * 2 * GiB,
      data_streams: streams,
    };
  }
}
