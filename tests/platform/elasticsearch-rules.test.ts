import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { ruleFile } from "../../infra/generators/metrics";
import {
  COMPONENT,
  EXPORTER_COLLECTORS,
  EXPORTER_NAME,
  COMPONENT_ALERTS,
} from "../../infra/generators/platform";
import { slmPolicies, slmPolicyName } from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The Elasticsearch alerts under `promtool test rules`, from the dev stack's rule file: series as
 * the exporter names and labels them (tests/platform/elasticsearch-exporter.test.ts checks the
 * names against the real exporter), one sample and one evaluation a minute (the slowest scrape and
 * evaluation intervals the config allows). A healthy cluster for six hours raises nothing; each
 * incident fires its alert, with its labels, not before its `for` and by one interval after it.
 */

const config = stackConfig("dev");
const team = config.metrics.ownerTeam;
const TARGET = { namespace: config.logging.namespace, job: EXPORTER_NAME, instance: "10.0.2.7:9114" };
const GiB = 1024 ** 3;
const NODES = ["logs-es-data-0", "logs-es-data-1"] as const;
type Node = (typeof NODES)[number];

/** What the cluster does at one minute: the healthy defaults, changed by a scenario. */
interface Cluster {
  up: boolean;
  /** The exporter gets no answer: every Elasticsearch series is gone, `up` stays 1. */
  unreachable: boolean;
  status: "green" | "yellow" | "red";
  unassigned: number;
  /** Per node: disk size and available bytes, heap used as a share of the max. */
  disk: Record<Node, { size: number; available: number }>;
  heap: Record<Node, number>;
  /** Write rejections so far, per node (a counter). */
  rejected: Record<Node, number>;
  /** The cluster settings collector reports the flood stage ratio. */
  floodRatio: number | undefined;
  /** SLM counters per policy. */
  slm: Record<string, { taken: number; failed: number; deletionFailures: number }>;
  ilmStep: string;
  ilmMode: "RUNNING" | "STOPPING" | "STOPPED";
  collectorsFailing: string[];
}

const POLICIES = slmPolicies(config).map(([id]) => id);
const AUDIT_POLICY = slmPolicyName("audit");
const INDEX = ".ds-logs-application-dev-2026.12.07-000002";

function healthy(minute: number): Cluster {
  return {
    up: true,
    unreachable: false,
    status: "green",
    unassigned: 0,
    disk: {
      "logs-es-data-0": { size: 50 * GiB, available: 30 * GiB },
      "logs-es-data-1": { size: 50 * GiB, available: 26 * GiB },
    },
    // A garbage-collected heap: a sawtooth between 55% and 88%, never long above 90%.
    heap: { "logs-es-data-0": 0.55 + 0.11 * (minute % 4), "logs-es-data-1": 0.6 + 0.1 * (minute % 3) },
    // Old rejections, none new.
    rejected: { "logs-es-data-0": 17, "logs-es-data-1": 3 },
    floodRatio: 0.95,
    // One successful run a day per policy, at minute 90; two failures long ago.
    slm: Object.fromEntries(
      POLICIES.map((p) => [p, { taken: 30 + (minute >= 90 ? 1 : 0), failed: 2, deletionFailures: 1 }]),
    ),
    ilmStep: "check-rollover-ready",
    ilmMode: "RUNNING",
    collectorsFailing: [],
  };
}

const NODE_LABELS = (node: Node) => ({
  cluster: "logs",
  host: node === "logs-es-data-0" ? "10.0.1.11" : "10.0.1.12",
  name: node,
  es_master_node: "false",
  es_data_node: "true",
  es_ingest_node: "true",
  es_client_node: "true",
});
const FS = { mount: "/usr/share/elasticsearch/data (/dev/nvme1n1)", path: "/usr/share/elasticsearch/data" };

type Labels = Record<string, string>;
const text = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** Every series the exporter reports, per minute (undefined: not reported that minute). */
function series(c: Cluster): [string, Labels, number | undefined][] {
  const t = TARGET;
  const es = c.up && !c.unreachable;
  const v = (x: number) => (es ? x : undefined);
  const out: [string, Labels, number | undefined][] = [["up", t, c.up ? 1 : 0]];
  for (const color of ["green", "yellow", "red"])
    out.push([
      "elasticsearch_cluster_health_status",
      { ...t, cluster: "logs", color },
      v(c.status === color ? 1 : 0),
    ]);
  out.push(["elasticsearch_cluster_health_unassigned_shards", { ...t, cluster: "logs" }, v(c.unassigned)]);
  out.push(["elasticsearch_cluster_health_delayed_unassigned_shards", { ...t, cluster: "logs" }, v(0)]);
  for (const node of NODES) {
    const n = { ...t, ...NODE_LABELS(node) };
    out.push(["elasticsearch_filesystem_data_size_bytes", { ...n, ...FS }, v(c.disk[node].size)]);
    out.push(["elasticsearch_filesystem_data_available_bytes", { ...n, ...FS }, v(c.disk[node].available)]);
    out.push(["elasticsearch_jvm_memory_max_bytes", { ...n, area: "heap" }, v(2 * GiB)]);
    out.push([
      "elasticsearch_jvm_memory_used_bytes",
      { ...n, area: "heap" },
      v(Math.round(c.heap[node] * 2 * GiB)),
    ]);
    out.push(["elasticsearch_thread_pool_rejected_count", { ...n, type: "write" }, v(c.rejected[node])]);
    out.push(["elasticsearch_thread_pool_rejected_count", { ...n, type: "search" }, v(0)]);
  }
  const collector = (name: string) => es && !c.collectorsFailing.includes(name);
  out.push([
    "elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio",
    t,
    collector("clustersettings") && c.floodRatio !== undefined ? c.floodRatio : undefined,
  ]);
  for (const p of POLICIES) {
    const s = c.slm[p]!;
    const on = collector("slm") ? 1 : undefined;
    out.push(["elasticsearch_slm_stats_snapshots_taken_total", { ...t, policy: p }, on && s.taken]);
    out.push(["elasticsearch_slm_stats_snapshots_failed_total", { ...t, policy: p }, on && s.failed]);
    out.push([
      "elasticsearch_slm_stats_snapshot_deletion_failures_total",
      { ...t, policy: p },
      on && s.deletionFailures,
    ]);
  }
  for (const step of ["check-rollover-ready", "ERROR"])
    out.push([
      "elasticsearch_ilm_index_status",
      { ...t, index: INDEX, phase: "hot", action: "rollover", step },
      collector("ilm") && c.ilmStep === step ? 1 : undefined,
    ]);
  for (const mode of ["RUNNING", "STOPPING", "STOPPED"])
    out.push([
      "elasticsearch_ilm_status",
      { ...t, operation_mode: mode },
      collector("ilm") ? (c.ilmMode === mode ? 1 : 0) : undefined,
    ]);
  for (const name of ["cluster-info", ...EXPORTER_COLLECTORS])
    out.push([
      "elasticsearch_scrape_success",
      { ...t, collector: name },
      es ? (c.collectorsFailing.includes(name) ? 0 : 1) : undefined,
    ]);
  return out;
}

/** promtool input series over `minutes`: one sample a minute, `_` where nothing was reported. */
function inputSeries(at: (minute: number) => Cluster, minutes: number) {
  const rows = new Map<string, (number | undefined)[]>();
  for (let m = 0; m <= minutes; m++)
    for (const [name, labels, value] of series(at(m))) {
      const key = text(name, labels);
      if (!rows.has(key)) rows.set(key, []);
      rows.get(key)!.push(value);
    }
  return [...rows].map(([s, values]) => ({
    series: s,
    // A series no longer reported gets a stale marker, as Prometheus writes when a scrape no
    // longer has it or fails, then nothing.
    values: values
      .map((x, i) => (x !== undefined ? String(x) : i > 0 && values[i - 1] !== undefined ? "stale" : "_"))
      .join(" "),
  }));
}

interface Incident {
  name: string;
  alert: string;
  onset: number;
  change(c: Cluster, minute: number): void;
  /** The labels of the alert's result (its series' labels), besides the rule's own. */
  labels: Labels;
  /** Alerts the same incident also fires (not checked here beyond that list). */
  also?: string[];
}

const ONSET = 30;
const node1 = { ...TARGET, ...NODE_LABELS("logs-es-data-1") };
const node0 = { ...TARGET, ...NODE_LABELS("logs-es-data-0") };

const INCIDENTS: Incident[] = [
  {
    name: "a red cluster",
    alert: "ElasticsearchClusterRed",
    onset: ONSET,
    change: (c) => Object.assign(c, { status: "red", unassigned: 3 }),
    labels: { ...TARGET, cluster: "logs", color: "red" },
    also: ["ElasticsearchUnassignedShards"],
  },
  {
    name: "a cluster yellow for long",
    alert: "ElasticsearchClusterYellow",
    onset: ONSET,
    change: (c) => Object.assign(c, { status: "yellow", unassigned: 1 }),
    labels: { ...TARGET, cluster: "logs", color: "yellow" },
    also: ["ElasticsearchUnassignedShards"],
  },
  {
    name: "unassigned shards",
    alert: "ElasticsearchUnassignedShards",
    onset: ONSET,
    change: (c) => Object.assign(c, { status: "yellow", unassigned: 4 }),
    labels: { ...TARGET, cluster: "logs" },
    also: ["ElasticsearchClusterYellow"],
  },
  {
    name: "a node at the flood stage",
    alert: "ElasticsearchDiskFloodStage",
    onset: ONSET,
    // 2 GiB of 50 available: below the 2.5 GiB (5%) the flood stage keeps free.
    change: (c) => {
      c.disk["logs-es-data-1"].available = 2 * GiB;
    },
    labels: { ...node1, ...FS },
    also: ["ElasticsearchDiskNearFloodStage"],
  },
  {
    name: "a node at the flood stage while the cluster settings collector fails (the default ratio stands in)",
    alert: "ElasticsearchDiskFloodStage",
    onset: ONSET,
    change: (c) => {
      c.disk["logs-es-data-1"].available = 2 * GiB;
      c.collectorsFailing = ["clustersettings"];
    },
    labels: { ...node1, ...FS },
    also: ["ElasticsearchDiskNearFloodStage", "ElasticsearchExporterCollectorFailing"],
  },
  {
    name: "a node approaching the flood stage",
    alert: "ElasticsearchDiskNearFloodStage",
    onset: ONSET,
    // 4 GiB of 50: above the flood stage's 2.5 GiB, below twice that.
    change: (c) => {
      c.disk["logs-es-data-1"].available = 4 * GiB;
    },
    labels: { ...node1, ...FS },
  },
  {
    name: "a 4 TiB node with 150 GiB free (the flood stage keeps 100 GiB there, not 5%)",
    alert: "ElasticsearchDiskNearFloodStage",
    onset: ONSET,
    change: (c) => {
      c.disk["logs-es-data-0"] = { size: 4096 * GiB, available: 150 * GiB };
    },
    labels: { ...node0, ...FS },
  },
  {
    name: "a heap that no collection brings below 90%",
    alert: "ElasticsearchHeapPressure",
    onset: ONSET,
    change: (c) => {
      c.heap["logs-es-data-0"] = 0.93;
    },
    labels: { ...node0, area: "heap" },
  },
  {
    name: "write rejections",
    alert: "ElasticsearchWriteRejections",
    onset: ONSET,
    // The counter climbs from the onset's sample on.
    change: (c, m) => {
      c.rejected["logs-es-data-0"] = 17 + 40 * (m - ONSET + 1);
    },
    labels: { ...node0, type: "write" },
  },
  {
    name: "a failed snapshot",
    alert: "ElasticsearchSnapshotFailed",
    onset: 60,
    change: (c) => {
      c.slm[AUDIT_POLICY]!.failed = 3;
    },
    labels: { namespace: TARGET.namespace, job: EXPORTER_NAME, policy: AUDIT_POLICY },
  },
  {
    name: "a snapshot SLM could not delete",
    alert: "ElasticsearchSnapshotDeletionFailed",
    onset: 60,
    change: (c) => {
      c.slm[AUDIT_POLICY]!.deletionFailures = 2;
    },
    labels: { namespace: TARGET.namespace, job: EXPORTER_NAME, policy: AUDIT_POLICY },
  },
  {
    name: "an index ILM fails on",
    alert: "ElasticsearchIlmStepFailed",
    onset: ONSET,
    change: (c) => Object.assign(c, { ilmStep: "ERROR" }),
    labels: { ...TARGET, index: INDEX, phase: "hot", action: "rollover", step: "ERROR" },
  },
  {
    name: "ILM stopped",
    alert: "ElasticsearchIlmNotRunning",
    onset: ONSET,
    change: (c) => Object.assign(c, { ilmMode: "STOPPED" }),
    labels: { ...TARGET, operation_mode: "RUNNING" },
  },
  {
    name: "a failing collector",
    alert: "ElasticsearchExporterCollectorFailing",
    onset: ONSET,
    change: (c) => Object.assign(c, { collectorsFailing: ["slm"] }),
    labels: { ...TARGET, collector: "slm" },
  },
  {
    name: "a cluster that does not answer",
    alert: "ElasticsearchUnreachable",
    onset: ONSET,
    change: (c) => Object.assign(c, { unreachable: true }),
    labels: TARGET,
  },
  {
    name: "the exporter down",
    alert: "ElasticsearchExporterDown",
    onset: ONSET,
    change: (c) => Object.assign(c, { up: false }),
    labels: TARGET,
  },
];

const rule = (alert: string) => COMPONENT_ALERTS.find((a) => a.alert === alert)!;
/** A rule's `for` in minutes (`5m`, `1h`). */
function minutes(d: string | undefined): number {
  const m = /^(\d+)([mh])$/.exec(d ?? "0m");
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * (m[2] === "h" ? 60 : 1);
}

const firing = (alert: string) => `ALERTS{alertname="${alert}",alertstate="firing"}`;
const ours = (priority: string) =>
  `ALERTS{component="${COMPONENT}",alertstate="firing",priority=~"${priority}"}`;

/** One promtool test: quiet until its `for` has passed, firing one evaluation later, with our labels. */
function incidentTest(i: Incident) {
  const r = rule(i.alert);
  const fires = i.onset + minutes(r.for);
  const end = fires + 2;
  const at = (m: number) => {
    const c = healthy(m);
    if (m >= i.onset) i.change(c, m);
    return c;
  };
  const labels = {
    alertname: i.alert,
    alertstate: "firing",
    ...i.labels,
    priority: r.priority,
    team,
    component: COMPONENT,
  };
  const others = [i.alert, ...(i.also ?? [])].join("|");
  return {
    name: i.name,
    interval: "1m",
    input_series: inputSeries(at, end),
    promql_expr_test: [
      // Nothing of ours before the onset.
      {
        expr: `count(max_over_time(${ours(".+")}[${i.onset - 1}m]))`,
        eval_time: `${i.onset - 1}m`,
        exp_samples: [],
      },
      // Not before its `for` has passed.
      ...(fires - 1 > i.onset
        ? [{ expr: firing(i.alert), eval_time: `${fires - 1}m`, exp_samples: [] }]
        : []),
      // Then firing, once, about the right series.
      {
        expr: firing(i.alert),
        eval_time: `${fires}m`,
        exp_samples: [{ labels: text("ALERTS", labels), value: 1 }],
      },
      // And nothing else of ours but what the same incident explains.
      {
        expr: `count by (alertname) (max_over_time(ALERTS{component="${COMPONENT}",alertstate="firing",alertname!~"${others}"}[${end}m]))`,
        eval_time: `${end}m`,
        exp_samples: [],
      },
    ],
  };
}

/**
 * The dev stack's rule file, only the component's group: its alerts read no recording and the
 * checks judge only its alerts, so the others would only add evaluation work (a third of the run).
 */
const rules = () => ({ groups: ruleFile(config).groups.filter((g) => g.name === `${COMPONENT}.alerts`) });

let dir: string;
async function promtool(tests: unknown[]) {
  const rulesFile = join(dir, "rules.yaml");
  const test = {
    rule_files: [rulesFile],
    evaluation_interval: "1m",
    tests,
  };
  const t = tempFiles({ "t.yaml": toYaml(test) });
  return runToolAsync("promtool", ["test", "rules", join(t, "t.yaml")]);
}

beforeAll(() => {
  dir = tempFiles({ "rules.yaml": toYaml(rules()) });
});

describe("Elasticsearch alerts under promtool", () => {
  it("covers every Elasticsearch alert with an incident", () => {
    const covered = new Set(INCIDENTS.map((i) => i.alert));
    expect(
      COMPONENT_ALERTS.filter((a) => a.component === COMPONENT)
        .map((a) => a.alert)
        .filter((a) => !covered.has(a)),
    ).toEqual([]);
    expect(POLICIES).toContain(AUDIT_POLICY);
  });

  it.concurrent("a healthy cluster raises nothing for six hours (so nothing above P3)", async () => {
    const end = 360;
    const r = await promtool([
      {
        name: "normal operation",
        interval: "1m",
        input_series: inputSeries(healthy, end),
        promql_expr_test: [
          { expr: `count(max_over_time(${ours("P1|P2")}[${end}m]))`, eval_time: `${end}m`, exp_samples: [] },
          { expr: `count(max_over_time(${ours(".+")}[${end}m]))`, eval_time: `${end}m`, exp_samples: [] },
        ],
      },
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.concurrent("a first deploy, before the exporter is ever scraped, raises no ElasticsearchExporterDown", async () => {
    // The rules exist before Elasticsearch has booted; an exporter gone after it was scraped does
    // raise it (the "exporter down" incident, where its series stop).
    const r = await promtool([
      {
        name: "first deploy",
        interval: "1m",
        input_series: [{ series: 'up{job="some-other-job"}', values: "1x60" }],
        alert_rule_test: [{ eval_time: "60m", alertname: "ElasticsearchExporterDown", exp_alerts: [] }],
      },
      {
        // Scraped for 30 minutes, then its target is gone: stale 5 minutes later, firing 10 after.
        name: "exporter gone after it was scraped",
        interval: "1m",
        input_series: [{ series: text("up", TARGET), values: `1x30 ${"_ ".repeat(30).trim()}` }],
        promql_expr_test: [
          { expr: firing("ElasticsearchExporterDown"), eval_time: "44m", exp_samples: [] },
          {
            expr: firing("ElasticsearchExporterDown"),
            eval_time: "47m",
            exp_samples: [
              {
                labels: text("ALERTS", {
                  alertname: "ElasticsearchExporterDown",
                  alertstate: "firing",
                  component: COMPONENT,
                  job: TARGET.job,
                  namespace: TARGET.namespace,
                  priority: "P2",
                  team,
                }),
                value: 1,
              },
            ],
          },
        ],
      },
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.concurrent("a red cluster pages (P1) within 6 minutes: 5 of `for`, one scrape and evaluation", async () => {
    expect(rule("ElasticsearchClusterRed")).toMatchObject({ priority: "P1", for: "5m" });
    const red = INCIDENTS.find((i) => i.alert === "ElasticsearchClusterRed")!;
    const at = (m: number) => {
      const c = healthy(m);
      if (m >= ONSET) red.change(c, m);
      return c;
    };
    const r = await promtool([
      {
        name: "red cluster",
        interval: "1m",
        input_series: inputSeries(at, ONSET + 20),
        alert_rule_test: [
          { eval_time: `${ONSET + 4}m`, alertname: "ElasticsearchClusterRed", exp_alerts: [] },
          {
            eval_time: `${ONSET + 6}m`,
            alertname: "ElasticsearchClusterRed",
            exp_alerts: [
              {
                exp_labels: {
                  ...TARGET,
                  cluster: "logs",
                  color: "red",
                  priority: "P1",
                  team,
                  component: COMPONENT,
                },
                exp_annotations: {
                  summary: "Elasticsearch cluster logs is red",
                  description: `At least one primary shard of cluster logs has been unassigned for 5 minutes. Priority P1: ${rule("ElasticsearchClusterRed").reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/elasticsearch.md`,
                },
              },
            ],
          },
          // The P3 about the same shards follows after its own 15 minutes (Alertmanager holds it
          // back while the P1 of the same component fires).
          { eval_time: `${ONSET + 14}m`, alertname: "ElasticsearchUnassignedShards", exp_alerts: [] },
          {
            eval_time: `${ONSET + 16}m`,
            alertname: "ElasticsearchUnassignedShards",
            exp_alerts: [
              {
                exp_labels: { ...TARGET, cluster: "logs", priority: "P3", team, component: COMPONENT },
                exp_annotations: {
                  summary: "Elasticsearch cluster logs has 3 unassigned shards",
                  description: `3 shards of cluster logs have been unassigned for 15 minutes, not counting those delayed after a node left (\`GET _cluster/allocation/explain\` says why). Priority P3: ${rule("ElasticsearchUnassignedShards").reason}.`,
                  runbook_url: `${config.metrics.runbookBaseUrl}/elasticsearch.md`,
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.concurrent("each incident fires its alert with its labels, after its `for` and not before", async () => {
    const r = await promtool(INCIDENTS.map(incidentTest));
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.concurrent("a snapshot that succeeds again resolves the failure", async () => {
    // Failed at minute 60; the run retried by hand at minute 90 (healthy()) succeeds.
    const at = (m: number) => {
      const c = healthy(m);
      if (m >= 60) c.slm[AUDIT_POLICY]!.failed = 3;
      return c;
    };
    const r = await promtool([
      {
        name: "failed, then taken",
        interval: "1m",
        input_series: inputSeries(at, 100),
        promql_expr_test: [
          {
            expr: `count(${firing("ElasticsearchSnapshotFailed")})`,
            eval_time: "89m",
            exp_samples: [{ labels: "{}", value: 1 }],
          },
          { expr: firing("ElasticsearchSnapshotFailed"), eval_time: "91m", exp_samples: [] },
        ],
      },
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.concurrent("fails when an expectation is wrong (the checks are not vacuous)", async () => {
    const wrong = {
      ...INCIDENTS.find((i) => i.alert === "ElasticsearchHeapPressure")!,
      labels: { ...node1, area: "heap" },
    };
    const r = await promtool([incidentTest(wrong)]);
    expect(r.stdout + r.stderr).toContain("FAILED");
    expect(r.status).not.toBe(0);
  });
});
