import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ELASTICSEARCH_EXPORTER_SERIES, loggingPipeline } from "../../dashboards/logging-pipeline";
import { dashboardContext } from "../../dashboards";
import type { RuleFile } from "../../infra/generators/metrics/rules";
import { FILEBEAT_METRICS, jsonExporterConfig } from "../../infra/generators/platform";
import { stackConfig } from "../../scripts/lib/stack-config";
import { parsePromql, substituteVariables } from "../grafana/promql";
import { rendered } from "../helpers/render";

/**
 * Every metric the platform's rules and the "Logging pipeline" dashboard read, against what the
 * exporter emits: the logstash-exporter's own list of served names at the pinned tag, the
 * json_exporter module we render (each of its paths resolving to a number in a Beat's `/stats`
 * answer, upstream's test fixture), and for the rest the source each name was read from. The
 * blackbox exporter's names are checked against its real output in kibana-probe.test.ts.
 */

const DATA = join(__dirname, "../data/exporters");
const LOGSTASH_EXPORTER_NAMES = new Set(
  readFileSync(join(DATA, "logstash-exporter/v1.9.1/metric_names.txt"), "utf8").split("\n").filter(Boolean),
);
const BEAT_STATS = JSON.parse(readFileSync(join(DATA, "beats/stats.800.json"), "utf8")) as unknown;

/** Series of other programs, each with where its name was read. */
const EXTERNAL: Record<string, string> = {
  up: "Prometheus, per scrape target",
  ALERTS: "Prometheus, per alert",
  probe_success: "blackbox exporter (its real output: kibana-probe.test.ts)",
  kube_job_failed: "kube-state-metrics (internal/store/job.go; labels job_name, namespace, condition)",
  kube_daemonset_status_number_unavailable: "kube-state-metrics (internal/store/daemonset.go)",
  grafana_alerting_rule_evaluation_failures_total: "Grafana (pkg/services/ngalert/metrics/scheduler.go)",
  ...Object.fromEntries(
    ELASTICSEARCH_EXPORTER_SERIES.map((n) => [n, "elasticsearch_exporter v1.10.0 (collector/*.go)"]),
  ),
};

/** A json_exporter path in the one form the module uses, `{.a.b.c}`, read from a JSON value. */
function jsonPathValue(doc: unknown, path: string): unknown {
  const m = /^\{\.([a-z_]+(?:\.[a-z_]+)*)\}$/.exec(path);
  if (!m) throw new Error(`${path} is not a plain field path`);
  return m[1]!.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
}

/** Why a metric name is not one the platform's exporters or the named programs emit, or undefined. */
function problem(name: string): string | undefined {
  if (name.startsWith("logstash_"))
    return LOGSTASH_EXPORTER_NAMES.has(name) ? undefined : "not served by logstash-exporter v1.9.1";
  if (name.startsWith("filebeat_")) {
    const m = FILEBEAT_METRICS.find((x) => x.name === name);
    if (!m) return "not in the json_exporter module";
    return typeof jsonPathValue(BEAT_STATS, m.path) === "number" ? undefined : `${m.path} is not in /stats`;
  }
  return EXTERNAL[name] ? undefined : "emitted by none of the platform's sources";
}

const rules = parse(
  rendered("dev").artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content,
) as RuleFile;
// Thanos's groups read what Thanos serves: tests/thanos/alerts.test.ts checks them against v0.42.4.
const ruleNames = rules.groups
  .filter((g) => !g.name.startsWith("platform.thanos-"))
  .flatMap((g) => g.rules.flatMap((r) => parsePromql(r.expr).metrics));
const dashboard = loggingPipeline.build(dashboardContext(stackConfig("dev"))) as unknown as {
  panels: { title: string; targets?: { expr?: string }[] }[];
};
const dashboardNames = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).flatMap((t) => parsePromql(substituteVariables(t.expr!)).metrics),
);

describe("metric names of the platform's rules and dashboard", () => {
  it("are all emitted by the exporter they come from", () => {
    expect(ruleNames.length).toBeGreaterThan(20);
    expect(dashboardNames.length).toBeGreaterThan(10);
    for (const name of new Set([...ruleNames, ...dashboardNames]))
      expect(problem(name), `${name}: ${problem(name)}`).toBeUndefined();
    // The Logstash and Filebeat alerts read their exporters' names.
    expect(ruleNames.filter((n) => n.startsWith("logstash_")).length).toBeGreaterThan(8);
    expect(ruleNames.filter((n) => n.startsWith("filebeat_")).length).toBeGreaterThan(4);
  });

  it("fail for a name the exporter does not emit (so the check above can fail)", () => {
    // The exporter names the persisted queue's bytes `queue_events_queue_size`, not `..._bytes`.
    expect(problem("logstash_stats_pipeline_queue_size_in_bytes")).toMatch(/not served/);
    expect(problem("filebeat_output_events_acked")).toMatch(/not in the json_exporter module/);
    expect(problem("elasticsearch_cluster_health_red")).toMatch(/none of the platform's sources/);
    expect(() => jsonPathValue(BEAT_STATS, "{.libbeat.output.events[*]}")).toThrow(/plain field path/);
    expect(jsonPathValue(BEAT_STATS, "{.libbeat.output.events.missing}")).toBeUndefined();
  });

  it("come from a json_exporter module whose every path reads a number of Filebeat's /stats", () => {
    const module = jsonExporterConfig().modules.filebeat;
    expect(module.metrics.map((m) => m.name)).toEqual(FILEBEAT_METRICS.map((m) => m.name));
    for (const m of module.metrics) {
      // json_exporter's Metric fields (config/config.go at v0.7.0), lower-cased as yaml.v2 reads them.
      expect(Object.keys(m).sort()).toEqual(["help", "name", "path", "valuetype"]);
      expect(["counter", "gauge"]).toContain(m.valuetype);
      expect(typeof jsonPathValue(BEAT_STATS, m.path), m.path).toBe("number");
      // Prometheus' naming: counters end in _total, gauges do not.
      expect(m.name.endsWith("_total"), m.name).toBe(m.valuetype === "counter");
    }
  });
});
