import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { durationSeconds } from "../../infra/config/common";
import { resolveMetrics } from "../../infra/generators/metrics/settings";
import { enabledChartAlerts } from "../../infra/generators/platform/chart-values";
import { stackConfig } from "../../scripts/lib/stack-config";
import { CHART, renderChartRules } from "../helpers/chart-rules";
import { ofType, rendered } from "../helpers/render";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * kube-prometheus-stack's own rules, rendered by Helm from the chart's templates with the values the
 * dev stack deploys, under `promtool test rules` at the stack's evaluation interval. The scenarios
 * read `ALERTS`, the series Prometheus keeps of every pending and firing alert with the rule's
 * labels: the chart's `severity`, our `team` and `component`. The priority that Alertmanager sees
 * comes from the alert relabelling by name and severity (chart-priority.test.ts runs it in a real
 * Prometheus); here it is read from the same table.
 */

const config = stackConfig("dev");
const { namespace } = resolveMetrics(config);
const release = ofType(rendered("dev"), "kubernetes:helm.sh/v3:Release").find(
  (r) => r.inputs.chart === CHART,
)!;
const chart = renderChartRules(release.inputs.values as Record<string, unknown>, {
  namespace,
  version: release.inputs.version as string,
});
const evalSeconds = durationSeconds(config.metrics.prometheus.evaluationInterval);

const priorityOf = (alert: string, severity: string) =>
  enabledChartAlerts().find((a) => a.alert === alert && a.severity === severity)?.priority;

/** Series of a healthy two-node cluster with the monitoring stack up, one sample a minute for `minutes`. */
function healthy(minutes: number, opts: { volumeAvailable?: string } = {}) {
  const flat = (v: number) => `${v}x${minutes}`;
  const nodes = ["ip-10-0-1-10", "ip-10-0-2-20"];
  const pvc = {
    job: "kubelet",
    metrics_path: "/metrics",
    namespace,
    persistentvolumeclaim: "prometheus-kps-prometheus-db-prometheus-kps-prometheus-0",
    service: "kps-kubelet",
    node: nodes[0]!,
  };
  const labels = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ");
  const series = (name: string, o: Record<string, string>, values: string) => ({
    series: `${name}{${labels(o)}}`,
    values,
  });
  const prom = {
    job: "kps-prometheus",
    namespace,
    service: "kps-prometheus",
    pod: "prometheus-kps-prometheus-0",
  };
  return [
    series(
      "up",
      { job: "apiserver", namespace: "default", service: "kubernetes", instance: "10.0.0.1:443" },
      flat(1),
    ),
    ...nodes.flatMap((node, i) => [
      series(
        "up",
        {
          job: "kubelet",
          metrics_path: "/metrics",
          namespace: "kube-system",
          service: "kps-kubelet",
          node,
          instance: `10.0.${i + 1}.1:10250`,
        },
        flat(1),
      ),
      series("kube_node_info", { job: "kube-state-metrics", node }, flat(1)),
      series(
        "kube_node_status_condition",
        { job: "kube-state-metrics", node, condition: "Ready", status: "true" },
        flat(1),
      ),
      series("kube_node_spec_unschedulable", { job: "kube-state-metrics", node }, flat(0)),
      series(
        "node_filesystem_avail_bytes",
        { job: "node-exporter", instance: node, fstype: "xfs", mountpoint: "/" },
        flat(60e9),
      ),
      series(
        "node_filesystem_size_bytes",
        { job: "node-exporter", instance: node, fstype: "xfs", mountpoint: "/" },
        flat(100e9),
      ),
      series(
        "node_filesystem_readonly",
        { job: "node-exporter", instance: node, fstype: "xfs", mountpoint: "/" },
        flat(0),
      ),
      series("node_timex_sync_status", { job: "node-exporter", instance: node }, flat(1)),
      series("node_timex_maxerror_seconds", { job: "node-exporter", instance: node }, flat(0.01)),
    ]),
    series("up", prom, flat(1)),
    series("prometheus_notifications_alertmanagers_discovered", prom, flat(1)),
    series("prometheus_config_last_reload_successful", prom, flat(1)),
    series("prometheus_tsdb_head_series", prom, flat(100000)),
    series("prometheus_tsdb_head_samples_appended_total", prom, `0+100000x${minutes}`),
    series("reloader_last_reload_successful", { ...prom, container: "config-reloader" }, flat(1)),
    series(
      "alertmanager_config_last_reload_successful",
      {
        job: "kps-alertmanager",
        container: "alertmanager",
        namespace,
        pod: "alertmanager-kps-alertmanager-0",
      },
      flat(1),
    ),
    series(
      "prometheus_operator_ready",
      { job: "kps-operator", namespace, controller: "prometheus" },
      flat(1),
    ),
    series("kubelet_volume_stats_capacity_bytes", pvc, flat(100e9)),
    series("kubelet_volume_stats_available_bytes", pvc, opts.volumeAvailable ?? flat(50e9)),
    series("kubelet_volume_stats_used_bytes", pvc, flat(50e9)),
  ];
}

/** Runs one promtool test over the chart's rules: `checks` are instant queries with their expected samples. */
async function promtool(
  minutes: number,
  input: ReturnType<typeof healthy>,
  checks: { at: string; expr: string; samples: { labels: string; value: number }[] }[],
) {
  const dir = tempFiles({ "chart-rules.yaml": toYaml({ groups: chart.groups }) });
  const test = {
    rule_files: [join(dir, "chart-rules.yaml")],
    evaluation_interval: config.metrics.prometheus.evaluationInterval,
    // Recording groups first, so that an alert reads this evaluation's records.
    group_eval_order: [
      ...chart.groups.filter((g) => g.rules.every((r) => r.record)),
      ...chart.groups.filter((g) => g.rules.some((r) => r.alert)),
    ].map((g) => g.name),
    tests: [
      {
        interval: "1m",
        input_series: input,
        promql_expr_test: checks.map((c) => ({ expr: c.expr, eval_time: c.at, exp_samples: c.samples })),
      },
    ],
  };
  expect(minutes).toBeGreaterThan(0);
  const testDir = tempFiles({ "chart.test.yaml": toYaml(test) });
  return runToolAsync("promtool", ["test", "rules", join(testDir, "chart.test.yaml")]);
}

describe("kube-prometheus-stack's rules with our labels (promtool)", () => {
  it("fire nothing at all for four hours of a healthy cluster, so nothing above P3", async () => {
    const at = ["5m", "30m", "1h", "2h", "3h", "4h"];
    const r = await promtool(
      240,
      healthy(240),
      at.map((t) => ({ at: t, expr: "ALERTS", samples: [] })),
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("warn (P3) an hour after the Prometheus volume is predicted full, and page (P1) within two minutes of it falling under 3%", async () => {
    // 100 GB, 20 GB free at first, 100 MB more used every minute: under 15% free from minute 51,
    // under 3% from minute 171. Both thresholds and `for` are the chart's; the evaluation interval
    // is the stack's.
    const volume = "20000000000-100000000x240";
    const pvc = `namespace="${namespace}", node="ip-10-0-1-10", persistentvolumeclaim="prometheus-kps-prometheus-db-prometheus-kps-prometheus-0", service="kps-kubelet", job="kubelet", metrics_path="/metrics"`;
    const ours = `team="${config.metrics.ownerTeam}", component="volumes"`;
    const alert = (state: string, severity: string) => ({
      labels: `ALERTS{alertname="KubePersistentVolumeFillingUp", alertstate="${state}", severity="${severity}", ${ours}, ${pvc}}`,
      value: 1,
    });
    const expr = 'ALERTS{alertname="KubePersistentVolumeFillingUp"}';
    const warnAt = 51 + 60;
    const pageAt = 171 + 1;
    const nothingElse = 'ALERTS{alertname!="KubePersistentVolumeFillingUp"}';
    const r = await promtool(240, healthy(240, { volumeAvailable: volume }), [
      { at: "50m", expr, samples: [] },
      { at: `${warnAt - 1}m`, expr, samples: [alert("pending", "warning")] },
      { at: `${warnAt}m`, expr, samples: [alert("firing", "warning")] },
      {
        at: `${pageAt * 60 - evalSeconds}s`,
        expr,
        samples: [alert("firing", "warning"), alert("pending", "critical")],
      },
      { at: `${pageAt + 1}m`, expr, samples: [alert("firing", "warning"), alert("firing", "critical")] },
      ...["1h", "3h", "4h"].map((at) => ({ at, expr: nothingElse, samples: [] })),
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(priorityOf("KubePersistentVolumeFillingUp", "warning")).toBe("P3");
    expect(priorityOf("KubePersistentVolumeFillingUp", "critical")).toBe("P1");
  });
});
