import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { LEAK_FIT_WINDOW, RESOURCE_RECORD } from "../../infra/catalog/recording-rules";
import { ALERTS, ruleFile } from "../../infra/generators/metrics";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * Issue 26 §2 under `promtool test rules`, the dev stack's rendered rule file: ResourcesLeaking
 * fires on a slow descriptor leak and on leaking pool connections (the current and the deprecated
 * limit's name) long before they run out, and stays quiet for a busy-but-flat service and for
 * sawtooths (GC, pool reuse); the container records join cAdvisor and kube-state-metrics to the
 * service through its scraped pods (not a sidecar, not a same-named pod of another namespace);
 * CPUThrottled and MemoryNearLimit fire and stay quiet; the job-input records divide right.
 * Both test files run in ONE promtool process.
 */

const config = stackConfig("dev");
const api = config.services.find((s) => s.name === "api")!;
const worker = config.services.find((s) => s.name === "worker")!;
const a = config.metrics.alerts;
const rules = ruleFile(config);

const sel = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;
/** Explicit values, one per input interval. */
const seq = (n: number, f: (i: number) => number) =>
  Array.from({ length: n + 1 }, (_, i) => String(f(i))).join(" ");

// ---- leaks: samples every 5 minutes for 30 hours -------------------------------------------------
const STEPS = 360;
const svc = (s: typeof api, instance: string) => ({ namespace: s.namespace, job: s.name, instance });
const leakInput = [
  // A slow descriptor leak: 50 at start, 30 more an hour, limit 1024: out of descriptors at 32.5h.
  { series: `process_open_fds${sel(svc(api, "api-leak"))}`, values: `50+2.5x${STEPS}` },
  { series: `process_max_fds${sel(svc(api, "api-leak"))}`, values: `1024x${STEPS}` },
  // Busy but flat: 900 to 940 of 1024 all day.
  { series: `process_open_fds${sel(svc(api, "api-busy"))}`, values: seq(STEPS, (i) => (i % 2 ? 940 : 900)) },
  { series: `process_max_fds${sel(svc(api, "api-busy"))}`, values: `1024x${STEPS}` },
  // Sawtooth (a GC'd client cache): 100 up to 700 of 1024 in 30 minutes, back to 100.
  { series: `process_open_fds${sel(svc(api, "api-gc"))}`, values: seq(STEPS, (i) => 100 + 100 * (i % 7)) },
  { series: `process_max_fds${sel(svc(api, "api-gc"))}`, values: `1024x${STEPS}` },
  // Another team's same-named service leaks as fast: not ours.
  {
    series: `process_open_fds${sel({ namespace: "other-team", job: "api", instance: "x" })}`,
    values: `50+2.5x${STEPS}`,
  },
  {
    series: `process_max_fds${sel({ namespace: "other-team", job: "api", instance: "x" })}`,
    values: `1024x${STEPS}`,
  },
  // Goroutines blocked forever, 20 more an hour from 40: the floor doubles within the horizon.
  { series: `go_goroutines${sel(svc(api, "api-goleak"))}`, values: `40+1.6666666667x${STEPS}` },
  // Busy but flat goroutines, and JVM threads that come and go (by state): no floor rising.
  { series: `go_goroutines${sel(svc(api, "api-busy"))}`, values: seq(STEPS, (i) => (i % 2 ? 540 : 500)) },
  {
    series: `jvm_thread_count${sel({ ...svc(worker, "worker-jvm"), jvm_thread_state: "runnable" })}`,
    values: seq(STEPS, (i) => 20 + 10 * (i % 6)),
  },
  {
    series: `jvm_thread_count${sel({ ...svc(worker, "worker-jvm"), jvm_thread_state: "waiting" })}`,
    values: seq(STEPS, (i) => 80 - 10 * (i % 6)),
  },
  // A thread leak in one state: 5 more waiting threads an hour.
  {
    series: `jvm_thread_count${sel({ ...svc(worker, "worker-3"), jvm_thread_state: "waiting" })}`,
    values: `30+0.4166666667x${STEPS}`,
  },
  // A pool leaking a connection an hour (2 to 20 in 18 hours), limit under its current name.
  ...poolSeries(worker, "worker-1", "orders", (i) => 2 + i / 12, "db_client_connection_limit"),
  // The same under the deprecated name db_client_connection_max.
  ...poolSeries(worker, "worker-2", "legacy", (i) => 2 + i / 12, "db_client_connection_max"),
  // Pool reuse: 2 to 18 of 20 connections used and given back every 40 minutes.
  ...poolSeries(api, "api-busy", "orders", (i) => 2 + 2 * (i % 8), "db_client_connection_limit"),
];

function poolSeries(
  s: typeof api,
  instance: string,
  pool: string,
  used: (i: number) => number,
  limitName: string,
) {
  const l = { ...svc(s, instance), db_client_connection_pool_name: pool };
  return [
    {
      series: `db_client_connection_count${sel({ ...l, db_client_connection_state: "used" })}`,
      values: seq(STEPS, (i) => Math.floor(used(i))),
    },
    {
      series: `db_client_connection_count${sel({ ...l, db_client_connection_state: "idle" })}`,
      values: seq(STEPS, (i) => 20 - Math.floor(used(i))),
    },
    { series: `db_client_connection_pending_requests${sel(l)}`, values: `0x${STEPS}` },
    { series: `${limitName}${sel(l)}`, values: `20x${STEPS}` },
  ];
}

const firing = (extra: string) => `ALERTS{alertname="ResourcesLeaking",alertstate="firing"${extra}}`;
const leakAlert = (s: typeof api, labels: Record<string, string>) => ({
  labels: sel({
    __name__: "ALERTS",
    alertname: "ResourcesLeaking",
    alertstate: "firing",
    priority: "P2",
    namespace: s.namespace,
    job: s.name,
    service: s.name,
    team: s.team,
    ...labels,
  }),
  value: 1,
});

const leakTests = {
  rule_files: ["rules.yaml"],
  evaluation_interval: "5m",
  group_eval_order: rules.groups.map((g) => g.name),
  tests: [
    {
      interval: "5m",
      input_series: leakInput,
      promql_expr_test: [
        {
          // 12h in: floor 382.5 (the sample 55 minutes ago), rising 30 an hour.
          expr: `${RESOURCE_RECORD.exhaustionHours}{resource="file_descriptors"}`,
          eval_time: "12h",
          exp_samples: [
            {
              labels: sel({
                __name__: RESOURCE_RECORD.exhaustionHours,
                ...svc(api, "api-leak"),
                resource: "file_descriptors",
              }),
              value: (1024 - 382.5) / 30,
            },
          ],
        },
        // 9h in the descriptor leak is 31 hours from its limit: not yet.
        { expr: firing(',resource="file_descriptors"'), eval_time: "9h", exp_samples: [] },
        // From about 10.5h: 22 hours before the process runs out; flat, sawtooth and the other team's stay quiet.
        {
          expr: firing(',resource="file_descriptors"'),
          eval_time: "12h",
          exp_samples: [leakAlert(api, { instance: "api-leak", resource: "file_descriptors" })],
        },
        {
          // A connection an hour, a step each hour: by 6h it fires, 12 hours before the pool runs dry.
          expr: firing(',resource="db_connections"'),
          eval_time: "6h",
          exp_samples: [
            leakAlert(worker, {
              instance: "worker-1",
              resource: "db_connections",
              db_client_connection_pool_name: "orders",
            }),
            leakAlert(worker, {
              instance: "worker-2",
              resource: "db_connections",
              db_client_connection_pool_name: "legacy",
            }),
          ],
        },
        // Goroutines and threads double within the horizon: their leaks fire, the flat ones do not.
        {
          expr: firing(',resource=~"goroutines|threads"'),
          eval_time: "12h",
          exp_samples: [
            leakAlert(api, { instance: "api-goleak", resource: "goroutines" }),
            leakAlert(worker, { instance: "worker-3", resource: "threads" }),
          ],
        },
        {
          // 12h in: the goroutine floor is the sample 55 minutes ago, 40 + 20 * 11.0833, 20 more an
          // hour: it doubles in 13.083 hours (in thousandths, as least squares is not exact).
          expr: `round(${RESOURCE_RECORD.exhaustionHours}{resource="goroutines"} * 1000)`,
          eval_time: "12h",
          exp_samples: [
            {
              labels: sel({ ...svc(api, "api-goleak"), resource: "goroutines" }),
              value: Math.round(((40 + 20 * (11 + 1 / 12)) / 20) * 1000),
            },
          ],
        },
        // The flat and sawtooth instances never get an exhaustion estimate at all.
        {
          expr: `${RESOURCE_RECORD.exhaustionHours}{instance=~"api-busy|api-gc|worker-jvm"}`,
          eval_time: "30h",
          exp_samples: [],
        },
        // At 20h the thread leak's floor (about 125, 5 an hour) would double in 25 hours: past the
        // 24-hour horizon, so a steady leak is flagged for a day, not for ever (docs/design/metrics.md).
        { expr: `count(${firing("")})`, eval_time: "20h", exp_samples: [{ labels: "{}", value: 4 }] },
      ],
    },
  ],
};

// ---- container usage and job inputs: samples every minute for an hour ---------------------------
const CADVISOR = {
  job: "kubelet",
  metrics_path: "/metrics/cadvisor",
  node: "n1",
  instance: "10.0.1.1:10250",
};
const KSM = { job: "kube-state-metrics", instance: "10.0.2.1:8080", node: "n1" };
const ctr = (namespace: string, pod: string, container: string) => ({ namespace, pod, container });
const counter = (perSecond: number) => `0+${perSecond * 60}x60`;
const gauge = (v: number) => `${v}x60`;
const MiB = 1024 * 1024;

const target = (s: typeof api, pod: string, namespace = s.namespace) => ({
  series: `up${sel({ namespace, job: s.name, pod, container: s.name, endpoint: "http", instance: `${pod}:8080`, service: s.name })}`,
  values: gauge(1),
});
const cadvisor = (metric: string, c: ReturnType<typeof ctr>, values: string, id = "a") => ({
  series: `${metric}${sel({ ...CADVISOR, ...c, id: `/kubepods/${c.pod}/${c.container}/${id}`, image: "img" })}`,
  values,
});
const ksm = (metric: string, c: ReturnType<typeof ctr>, resource: string, v: number) => ({
  series: `${metric}${sel({ ...KSM, ...c, resource, unit: resource === "cpu" ? "core" : "byte" })}`,
  values: gauge(v),
});

const api1 = ctr(api.namespace, "api-1", "api");
const api2 = ctr(api.namespace, "api-2", "api");
const sidecar = ctr(api.namespace, "api-1", "istio-proxy");
const twin = ctr("other-team", "api-1", "api");
const wrk = ctr(worker.namespace, "worker-1", "worker");

const usageInput = [
  target(api, "api-1"),
  target(api, "api-2"),
  target(worker, "worker-1"),
  // Another team's `api` with a pod of the same name: its containers are not ours.
  target(api, "api-1", "other-team"),
  cadvisor("container_cpu_usage_seconds_total", api1, counter(0.5)),
  cadvisor("container_cpu_usage_seconds_total", api2, counter(0.3)),
  cadvisor("container_cpu_usage_seconds_total", sidecar, counter(1)),
  cadvisor("container_cpu_usage_seconds_total", twin, counter(2)),
  // The pod's own cgroup (no container): never counted.
  cadvisor("container_cpu_usage_seconds_total", ctr(api.namespace, "api-1", ""), counter(1.8)),
  // api: 4 of 20 periods a second throttled (20%, under the 25%); its sidecar all of them.
  cadvisor("container_cpu_cfs_periods_total", api1, counter(10)),
  cadvisor("container_cpu_cfs_throttled_periods_total", api1, counter(4)),
  cadvisor("container_cpu_cfs_periods_total", api2, counter(10)),
  cadvisor("container_cpu_cfs_throttled_periods_total", api2, "0x60"),
  cadvisor("container_cpu_cfs_periods_total", sidecar, counter(10)),
  cadvisor("container_cpu_cfs_throttled_periods_total", sidecar, counter(10)),
  // worker: half its periods throttled.
  cadvisor("container_cpu_cfs_periods_total", wrk, counter(10)),
  cadvisor("container_cpu_cfs_throttled_periods_total", wrk, counter(5)),
  cadvisor("container_cpu_usage_seconds_total", wrk, counter(0.5)),
  // Memory: api-1 900 MiB of 1 GiB (and an old container's series during a restart), api-2 without
  // a limit, the sidecar at 127 of 128 MiB; worker 980 MiB of 1 GiB.
  cadvisor("container_memory_working_set_bytes", api1, gauge(900 * MiB)),
  cadvisor("container_memory_working_set_bytes", api1, gauge(100 * MiB), "old"),
  cadvisor("container_memory_working_set_bytes", api2, gauge(500 * MiB)),
  cadvisor("container_memory_working_set_bytes", sidecar, gauge(127 * MiB)),
  cadvisor("container_memory_working_set_bytes", twin, gauge(1020 * MiB)),
  cadvisor("container_memory_working_set_bytes", wrk, gauge(980 * MiB)),
  ksm("kube_pod_container_resource_limits", api1, "memory", 1024 * MiB),
  ksm("kube_pod_container_resource_limits", sidecar, "memory", 128 * MiB),
  ksm("kube_pod_container_resource_limits", twin, "memory", 1024 * MiB),
  ksm("kube_pod_container_resource_limits", wrk, "memory", 1024 * MiB),
  ksm("kube_pod_container_resource_limits", api1, "cpu", 1),
  ksm("kube_pod_container_resource_limits", api2, "cpu", 1),
  ksm("kube_pod_container_resource_requests", api1, "cpu", 0.25),
  ksm("kube_pod_container_resource_requests", api2, "cpu", 0.25),
  ksm("kube_pod_container_resource_requests", sidecar, "cpu", 0.1),
  // worker's export job: 10 items and 2 seconds of run time a second, a run every 10 seconds.
  {
    series: `background_job_items_processed_total${sel({ namespace: worker.namespace, job: worker.name, job_name: "export" })}`,
    values: counter(10),
  },
  {
    series: `background_job_duration_seconds_count${sel({ namespace: worker.namespace, job: worker.name, job_name: "export", outcome: "success" })}`,
    values: counter(0.1),
  },
  {
    series: `background_job_duration_seconds_sum${sel({ namespace: worker.namespace, job: worker.name, job_name: "export", outcome: "success" })}`,
    values: counter(2),
  },
];

const rec = (record: string, s: typeof api, value: number, extra: Record<string, string> = {}) => ({
  labels: sel({ __name__: record, namespace: s.namespace, job: s.name, ...extra }),
  value,
});
const R = RESOURCE_RECORD;
const ownAlert = (alert: string, s: typeof api, priority: string) => ({
  labels: sel({
    __name__: "ALERTS",
    alertname: alert,
    alertstate: "firing",
    priority,
    namespace: s.namespace,
    job: s.name,
    service: s.name,
    team: s.team,
  }),
  value: 1,
});

const usageTests = {
  rule_files: ["rules.yaml"],
  evaluation_interval: "1m",
  group_eval_order: rules.groups.map((g) => g.name),
  tests: [
    {
      interval: "1m",
      input_series: usageInput,
      promql_expr_test: [
        {
          expr: R.cpuUsage,
          eval_time: "20m",
          exp_samples: [rec(R.cpuUsage, api, 0.8), rec(R.cpuUsage, worker, 0.5)],
        },
        { expr: R.cpuRequests, eval_time: "20m", exp_samples: [rec(R.cpuRequests, api, 0.5)] },
        { expr: R.cpuLimits, eval_time: "20m", exp_samples: [rec(R.cpuLimits, api, 2)] },
        {
          expr: R.cpuThrottled,
          eval_time: "20m",
          exp_samples: [rec(R.cpuThrottled, api, 0.2), rec(R.cpuThrottled, worker, 0.5)],
        },
        {
          expr: R.memoryWorkingSet,
          eval_time: "20m",
          exp_samples: [rec(R.memoryWorkingSet, api, 1400 * MiB), rec(R.memoryWorkingSet, worker, 980 * MiB)],
        },
        {
          expr: R.memoryLimits,
          eval_time: "20m",
          exp_samples: [rec(R.memoryLimits, api, 1024 * MiB), rec(R.memoryLimits, worker, 1024 * MiB)],
        },
        {
          expr: R.memoryLimitRatio,
          eval_time: "20m",
          exp_samples: [
            rec(R.memoryLimitRatio, api, 900 / 1024),
            rec(R.memoryLimitRatio, worker, 980 / 1024),
          ],
        },
        {
          expr: R.jobItemsPerRun,
          eval_time: "40m",
          exp_samples: [rec(R.jobItemsPerRun, worker, 100, { job_name: "export" })],
        },
        {
          expr: R.jobSecondsPerItem,
          eval_time: "40m",
          exp_samples: [rec(R.jobSecondsPerItem, worker, 0.2, { job_name: "export" })],
        },
        // Sustained: not at 25 minutes, at 40 for worker only; api's sidecar and api at 88% stay quiet.
        { expr: 'ALERTS{alertname="CPUThrottled",alertstate="firing"}', eval_time: "25m", exp_samples: [] },
        {
          expr: 'ALERTS{alertname=~"CPUThrottled|MemoryNearLimit",alertstate="firing"}',
          eval_time: "12m",
          exp_samples: [],
        },
        {
          expr: 'ALERTS{alertname="MemoryNearLimit",alertstate="firing"}',
          eval_time: "40m",
          exp_samples: [ownAlert("MemoryNearLimit", worker, "P2")],
        },
      ],
      alert_rule_test: [
        {
          eval_time: "40m",
          alertname: "CPUThrottled",
          exp_alerts: [
            {
              exp_labels: {
                priority: "P3",
                namespace: worker.namespace,
                job: worker.name,
                service: worker.name,
                team: worker.team,
              },
              exp_annotations: {
                summary: `${worker.name} is CPU-throttled`,
                description: `The containers of ${worker.name} were throttled in 50% of their CPU periods, above metrics.alerts.cpuThrottledRatioMax, for 30 minutes. Priority P3: ${ALERTS.find((x) => x.alert === "CPUThrottled")!.reason}.`,
                runbook_url: `${config.metrics.runbookBaseUrl}/resource-usage.md`,
              },
            },
          ],
        },
      ],
    },
  ],
};

describe("unclosed resources and resource usage (promtool)", () => {
  it("the dev stack's thresholds lie between the test's healthy and faulty cases", () => {
    expect(a.leakHorizonHours).toBe(24);
    expect(LEAK_FIT_WINDOW).toBe("6h");
    expect(a.cpuThrottledRatioMax).toBeGreaterThan(0.2);
    expect(a.cpuThrottledRatioMax).toBeLessThan(0.5);
    expect(a.memoryLimitRatioMax).toBeGreaterThan(900 / 1024);
    expect(a.memoryLimitRatioMax).toBeLessThan(980 / 1024);
  });

  it("fire on leaks, throttling and memory near its limit, and stay quiet for look-alikes (one promtool run)", async () => {
    const dir = tempFiles({
      "rules.yaml": toYaml(rules),
      "leaks.yaml": toYaml(leakTests),
      "usage.yaml": toYaml(usageTests),
    });
    const r = await runToolAsync("promtool", [
      "test",
      "rules",
      join(dir, "leaks.yaml"),
      join(dir, "usage.yaml"),
    ]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 180_000);
});
