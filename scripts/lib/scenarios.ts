import type { Priority } from "../../infra/catalog/alert-levels";
import { METRIC_CONTRACT } from "../../infra/catalog/metric-contract";
import { ALERTS } from "../../infra/generators/metrics/alerts";

/**
 * The scenario library: synthetic traffic of the contract metrics for one service, before and
 * after an incident's onset, for `promtool test rules`. A scenario says which priorities must
 * fire (and by when) and which must stay quiet. The same scenarios feed the detection benchmark.
 */

/** What the service looks like during one minute. */
export interface Snapshot {
  rps: number;
  /** Share of requests answered with 5xx. */
  errorRatio: number;
  /** Cumulative share of requests at or below each HTTP latency bucket bound (HTTP_BUCKETS). */
  latency: number[];
  /** Cumulative share of database operations at or below each DB_BUCKETS bound. */
  db: number[];
  cacheHitRatio: number;
  /** Cumulative share of job runs at or below each JOB_BUCKETS bound. */
  jobs: number[];
  memoryBytes: number;
  /** The scrape fails (`up` is 0 and the target reports nothing): the pods are gone. */
  down?: boolean;
  /**
   * Outbound HTTP calls to one destination (OpenTelemetry's client histogram, HTTP_BUCKETS):
   * calls per second, the share that failed (answered 503), and the cumulative share per bound.
   * None when absent: the library's scenarios are about the service's own traffic.
   */
  calls?: { rps: number; failedRatio: number; latency: number[] };
  /**
   * Resource usage (issue 26 §2), when other than RESOURCES: open descriptors, pool connections
   * in use, CPU cores used and the throttled share of CFS periods.
   */
  resources?: Partial<Resources>;
}

export interface Resources {
  openFds: number;
  poolUsed: number;
  cpuCores: number;
  throttledRatio: number;
}

/** A quiet service's resources: far from every limit below. */
export const RESOURCES: Resources = { openFds: 120, poolUsed: 4, cpuCores: 0.3, throttledRatio: 0.02 };
/** The limits every simulated service runs under. */
const LIMITS = { maxFds: 1024, pool: 20, cpuRequest: 0.5, cpuLimit: 1, memoryBytes: 2 * 2 ** 30 };

/** Where a snapshot's outbound calls go. */
export const CALL_DESTINATION = "payments.example.com";

export const HTTP_BUCKETS = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"];
export const DB_BUCKETS = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"];
export const JOB_BUCKETS = ["1", "10", "60", "300", "600", "1800", "3600", "+Inf"];

export interface Expectation {
  /** Minutes after onset by which the check holds (priorities fired at any time in between). */
  byMinute: number;
  fires: Priority[];
  quiet: Priority[];
}

export interface Scenario {
  name: string;
  description: string;
  /**
   * Rule evaluation interval in minutes. Samples come every minute (or finer, `inputSeries`): a
   * 5-minute rate needs two samples in its left-open range (t - 5m, t].
   */
  interval: number;
  onsetMinute: number;
  durationMinutes: number;
  at(minute: number): Snapshot;
  expect: Expectation[];
  /**
   * Another team's Service with the same name in another namespace, scraped from minute 0 with
   * the same `job` (prometheus-operator's default: the Kubernetes Service's name).
   */
  twin?: { namespace: string; at(minute: number): Snapshot };
  /**
   * Alerts that the scenario's steady state fires (the twin's ServiceNameShared): they must have
   * fired by the onset, and the other checks leave them out.
   */
  ambient?: string[];
}

/** Where a simulated service's series come from: its `job` and its Service's namespace. */
export interface Target {
  name: string;
  namespace: string;
  /** Its owner, when the checks should find it on the service's alerts. */
  team?: string;
}

/** Deterministic noise so the tests are reproducible: a small linear congruential generator. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Minutes of normal traffic before an incident: the 6-hour window of the slowest paging pair must
 * hold history, or a short history would make every window as jumpy as the shortest.
 */
export const BASELINE = 360;

const NORMAL: Snapshot = {
  rps: 20,
  errorRatio: 0.0002,
  latency: [0.3, 0.6, 0.9, 0.997, 0.999, 1, 1, 1],
  db: [0.4, 0.7, 0.95, 0.99, 0.999, 1, 1, 1],
  cacheHitRatio: 0.93,
  jobs: [0.2, 0.7, 0.99, 1, 1, 1, 1, 1],
  memoryBytes: 512 * 2 ** 20,
};

/** Normal traffic with ordinary noise: jittered rates, error blips, GC sawtooth in memory. */
function normal(seed: number): (minute: number) => Snapshot {
  const rand = noise(seed);
  const cache = new Map<number, Snapshot>();
  let last = 0;
  return (minute) => {
    // Draw in order so that a minute's noise does not depend on who asked first.
    while (last <= minute) {
      const blip = rand() < 0.01; // about one short error blip every 100 minutes
      cache.set(last, {
        ...NORMAL,
        rps: NORMAL.rps * (0.8 + 0.4 * rand()),
        errorRatio: blip ? 0.02 : NORMAL.errorRatio * 2 * rand(),
        cacheHitRatio: NORMAL.cacheHitRatio - 0.05 * rand(),
        memoryBytes: NORMAL.memoryBytes * (1 + 0.08 * ((last % 30) / 30) + 0.02 * rand()),
      });
      last++;
    }
    return cache.get(minute)!;
  };
}

/** Builds one scenario's sampler once, so noise is drawn a single time per minute. */
function memo(f: (minute: number) => Snapshot): (minute: number) => Snapshot {
  const cache = new Map<number, Snapshot>();
  return (m) => {
    let s = cache.get(m);
    if (!s) {
      s = f(m);
      cache.set(m, s);
    }
    return s;
  };
}

/**
 * Traffic that changes only every `minutes`: the snapshot of each slot's first minute holds for
 * the whole slot.
 */
function held(minutes: number, f: (minute: number) => Snapshot): (minute: number) => Snapshot {
  return (m) => f(m - (m % minutes));
}

function withBase(onset: number, change: (s: Snapshot, sinceOnset: number) => Snapshot, seed = 7) {
  const base = normal(seed);
  return memo((m) => (m >= onset ? change(base(m), m - onset) : base(m)));
}

export const SCENARIOS: Scenario[] = [
  {
    name: "normal traffic",
    description: "six hours of ordinary traffic: jittered load, rare one-minute error blips, GC sawtooth",
    interval: 1,
    onsetMinute: 0,
    durationMinutes: 360,
    at: memo(normal(11)),
    expect: [{ byMinute: 360, fires: [], quiet: ["P1", "P2", "P3"] }],
  },
  {
    name: "total outage",
    description: "every request fails with 5xx",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 120,
    at: withBase(BASELINE, (s) => ({ ...s, errorRatio: 1 })),
    expect: [{ byMinute: 2, fires: ["P1"], quiet: [] }],
  },
  {
    name: "partial outage (fast burn)",
    description: "5% of requests fail: 50× the budget of a 99.9% SLO",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 120,
    at: withBase(BASELINE, (s) => ({ ...s, errorRatio: 0.05 })),
    expect: [
      { byMinute: 10, fires: [], quiet: ["P1"] },
      { byMinute: 30, fires: ["P1"], quiet: [] },
    ],
  },
  {
    name: "slow burn",
    description: "0.25% of requests fail for days: 2.5× the budget, only a ticket",
    // Evaluated every 5 minutes: five simulated days at one evaluation a minute take minutes.
    interval: 5,
    onsetMinute: 3 * 24 * 60,
    durationMinutes: 5 * 24 * 60,
    // The traffic of 5-minute slots, as when this scenario was sampled every 5 minutes.
    at: held(
      5,
      withBase(3 * 24 * 60, (s) => ({ ...s, errorRatio: 0.0025 })),
    ),
    expect: [{ byMinute: 24 * 60, fires: ["P3"], quiet: ["P1", "P2"] }],
  },
  {
    name: "latency regression",
    description: "10% of requests take 1-2.5 s: p99 far above the threshold, the latency budget burns at 10×",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 120,
    at: withBase(BASELINE, (s) => ({ ...s, latency: [0.2, 0.5, 0.8, 0.9, 0.93, 1, 1, 1] })),
    expect: [{ byMinute: 20, fires: ["P2"], quiet: ["P1"] }],
  },
  {
    name: "slow database",
    description: "database operations p99 rises from ~0.1 s to ~3 s while requests still meet their SLO",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 120,
    at: withBase(BASELINE, (s) => ({ ...s, db: [0.2, 0.4, 0.7, 0.8, 0.9, 0.95, 1, 1] })),
    expect: [{ byMinute: 20, fires: ["P3"], quiet: ["P1", "P2"] }],
  },
  {
    name: "cache hit ratio drop",
    description: "cache hit ratio falls from ~0.9 to 0.4 (e.g. a key-format change after a deploy)",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 120,
    at: withBase(BASELINE, (s) => ({ ...s, cacheHitRatio: 0.4 })),
    expect: [{ byMinute: 25, fires: ["P3"], quiet: ["P1", "P2"] }],
  },
  {
    name: "memory growth",
    description: "resident memory grows by 20% of its start value per hour (a leak)",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 240,
    at: withBase(BASELINE, (s, t) => ({ ...s, memoryBytes: s.memoryBytes * (1 + (0.2 * t) / 60) })),
    expect: [{ byMinute: 180, fires: ["P2"], quiet: ["P1"] }],
  },
];

/** Beyond the issue's library: the latency SLO must page on its own, without any 5xx. */
export const EXTRA_SCENARIOS: Scenario[] = [
  {
    name: "latency outage",
    description: "half of the requests take 1-2.5 s: the latency budget burns at 50x while nothing fails",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 60,
    at: withBase(BASELINE, (s) => ({ ...s, latency: [0.1, 0.2, 0.4, 0.5, 0.6, 1, 1, 1] })),
    expect: [{ byMinute: 25, fires: ["P1"], quiet: [] }],
  },
];

/**
 * Issue 22: another namespace's Service named like ours, healthy and busy (100 times our traffic),
 * must neither hide our outage nor dilute our SLIs; both namespaces reporting the job is a ticket.
 */
export const SHARED_NAME_SCENARIOS: Scenario[] = [
  {
    name: "total outage beside a same-named service",
    description: "every request fails while a same-named Service elsewhere serves 100x the traffic well",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 30,
    at: withBase(BASELINE, (s) => ({ ...s, errorRatio: 1 })),
    twin: { namespace: "marketing", at: withBase(0, (s) => ({ ...s, rps: s.rps * 100 }), 23) },
    ambient: ["ServiceNameShared"],
    expect: [{ byMinute: 2, fires: ["P1"], quiet: [] }],
  },
  {
    name: "latency outage beside a same-named service",
    description:
      "half of the requests take 1-2.5 s while a same-named Service elsewhere serves 100x the traffic fast",
    interval: 1,
    onsetMinute: BASELINE,
    durationMinutes: BASELINE + 30,
    at: withBase(BASELINE, (s) => ({ ...s, latency: [0.1, 0.2, 0.4, 0.5, 0.6, 1, 1, 1] })),
    twin: { namespace: "marketing", at: withBase(0, (s) => ({ ...s, rps: s.rps * 100 }), 23) },
    ambient: ["ServiceNameShared"],
    expect: [{ byMinute: 25, fires: ["P1"], quiet: [] }],
  },
  {
    name: "service down beside a same-named service",
    description: "no pod answers scrapes while a same-named Service elsewhere is up",
    interval: 1,
    onsetMinute: 60,
    durationMinutes: 60 + 30,
    at: withBase(60, (s) => ({ ...s, down: true })),
    twin: { namespace: "marketing", at: memo(normal(23)) },
    ambient: ["ServiceNameShared"],
    // ServiceDown waits 2 minutes (`for`), after the evaluation that first sees the failed scrape.
    expect: [{ byMinute: 4, fires: ["P1"], quiet: [] }],
  },
];

/** The scenarios' sample interval (promtool's `interval`): a snapshot per minute. */
export const SAMPLE_SECONDS = 60;

export interface InputSeries {
  series: string;
  values: string;
}

const labels = (t: Target, extra: Record<string, string> = {}): string =>
  `{${Object.entries({ namespace: t.namespace, job: t.name, ...extra })
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/**
 * A counter's sample values, one every `stepSeconds` from minute 0: the running total of
 * `perMinute` (increments per minute, constant within each minute), rounded as a counter is.
 */
function counter(samples: number, stepSeconds: number, perMinute: (minute: number) => number): number[] {
  const out: number[] = [];
  let total = 0;
  for (let i = 0; i < samples; i++) {
    out.push(Math.round(total));
    // Add what each minute between this sample and the next contributes.
    for (let t = i * stepSeconds; t < (i + 1) * stepSeconds; ) {
      const minute = Math.floor(t / 60);
      const until = Math.min((minute + 1) * 60, (i + 1) * stepSeconds);
      total += (perMinute(minute) * (until - t)) / 60;
      t = until;
    }
  }
  return out;
}

/**
 * promtool input series for one scenario and service `svc`, one sample every `stepSeconds` (a
 * divisor of a minute: the snapshots are per minute); `others` get only `up` so that their "not
 * scraped" alerts stay quiet, and the scenario's twin gets its own traffic under the same job.
 * Histograms are printed the way client libraries print them: every label set (here each status
 * code) has its own buckets, and its `+Inf` bucket equals its `_count`, so that a 5m rate
 * extrapolates a bucket as it does the count. While a snapshot is `down`, `up` is 0 and every
 * other series has no sample.
 */
export function inputSeries(
  s: Scenario,
  svc: Target,
  others: Target[],
  stepSeconds = SAMPLE_SECONDS,
): InputSeries[] {
  if (60 % stepSeconds !== 0) throw new Error(`samples every ${stepSeconds}s: not a divisor of a minute`);
  const samples = Math.floor((s.durationMinutes * 60) / stepSeconds) + 1;
  const twin = s.twin ? { name: svc.name, namespace: s.twin.namespace } : undefined;
  return [
    ...others.map((t) => upSeries(t, samples)),
    ...serviceSeries(svc, s.at, samples, stepSeconds),
    ...(twin && s.twin ? serviceSeries(twin, s.twin.at, samples, stepSeconds) : []),
  ];
}

/**
 * A service's resource series (issue 26 §2): what it exposes (descriptors, its pool, goroutines
 * or threads, items its jobs processed) and what the platform scrapes about its container
 * (cAdvisor through the kubelet, kube-state-metrics), joined to it by pod and container.
 */
function resourceSeries(
  t: Target,
  snapshot: (i: number) => Snapshot,
  indices: number[],
  print: (values: number[]) => string,
  count: (f: (x: Snapshot) => number) => string,
): InputSeries[] {
  const r = (x: Snapshot): Resources => ({ ...RESOURCES, ...x.resources });
  const gauge = (f: (x: Snapshot) => number) => print(indices.map((i) => f(snapshot(i))));
  const instance = { instance: `${t.name}-0` };
  const pool = { ...instance, db_client_connection_pool_name: "main" };
  const container = { namespace: t.namespace, pod: `${t.name}-0`, container: t.name };
  const cadvisor = { ...container, job: "kubelet", metrics_path: "/metrics/cadvisor" };
  const ksm = { ...container, job: "kube-state-metrics" };
  const m = (id: keyof typeof METRIC_CONTRACT) => METRIC_CONTRACT[id].name;
  const at = (l: Record<string, string>) =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
  // The platform's series keep coming while the pods are down: the kubelet still reports them.
  const always = (v: number) => `${v}x${indices.length - 1}`;
  return [
    { series: `${m("processOpenFds")}${labels(t, instance)}`, values: gauge((x) => r(x).openFds) },
    { series: `${m("processMaxFds")}${labels(t, instance)}`, values: gauge(() => LIMITS.maxFds) },
    ...(["used", "idle"] as const).map((state) => ({
      series: `${m("dbConnectionCount")}${labels(t, { ...pool, db_client_connection_state: state })}`,
      values: gauge((x) => (state === "used" ? r(x).poolUsed : LIMITS.pool - r(x).poolUsed)),
    })),
    { series: `${m("dbConnectionPending")}${labels(t, pool)}`, values: gauge(() => 0) },
    { series: `${m("dbConnectionLimit")}${labels(t, pool)}`, values: gauge(() => LIMITS.pool) },
    // Either runtime's count: a service has one of them; the panels read both.
    { series: `${m("goGoroutines")}${labels(t, instance)}`, values: gauge(() => 40) },
    { series: `${m("jvmThreadCount")}${labels(t, instance)}`, values: gauge(() => 60) },
    // Their run time: each run at the middle of its bucket (the top bucket's run at its bound).
    {
      series: `${METRIC_CONTRACT.backgroundJobDuration.name}_sum${labels(t)}`,
      values: count((x) => (2 / 60) * meanOfBuckets(JOB_BUCKETS, x.jobs)),
    },
    // 100 items in each of the duration histogram's two runs a minute (same labels).
    { series: `${m("backgroundJobItems")}${labels(t)}`, values: count(() => 200 / 60) },
    { series: `container_cpu_usage_seconds_total${at(cadvisor)}`, values: count((x) => r(x).cpuCores) },
    // CFS enforces a limit in 100 ms periods: 10 a second.
    { series: `container_cpu_cfs_periods_total${at(cadvisor)}`, values: count(() => 10) },
    {
      series: `container_cpu_cfs_throttled_periods_total${at(cadvisor)}`,
      values: count((x) => 10 * r(x).throttledRatio),
    },
    { series: `container_memory_working_set_bytes${at(cadvisor)}`, values: gauge((x) => x.memoryBytes) },
    ...(
      [
        ["requests", "cpu", LIMITS.cpuRequest],
        ["limits", "cpu", LIMITS.cpuLimit],
        ["limits", "memory", LIMITS.memoryBytes],
      ] as const
    ).map(([kind, resource, value]) => ({
      series: `kube_pod_container_resource_${kind}${at({ ...ksm, resource, unit: resource === "cpu" ? "core" : "byte" })}`,
      values: always(value),
    })),
  ];
}

/** The mean of a histogram whose observations sit at the middle of their bucket. */
function meanOfBuckets(bounds: readonly string[], cdf: number[]): number {
  let mean = 0;
  bounds.forEach((b, i) => {
    const lower = i === 0 ? 0 : Number(bounds[i - 1]);
    const upper = b === "+Inf" ? lower : Number(b);
    mean += ((cdf[i] ?? 1) - (i === 0 ? 0 : (cdf[i - 1] ?? 1))) * ((lower + upper) / 2);
  });
  return mean;
}

/** A service that only reports `up`, throughout. */
const upSeries = (t: Target, samples: number): InputSeries => ({
  series: `up${labels(t, { instance: `${t.name}-0` })}`,
  values: `1x${samples - 1}`,
});

/** The contract's series of one service whose traffic `at` describes. */
function serviceSeries(
  t: Target,
  at: (minute: number) => Snapshot,
  samples: number,
  stepSeconds: number,
): InputSeries[] {
  const http = METRIC_CONTRACT.httpServerDuration.name;
  const db = METRIC_CONTRACT.dbClientDuration.name;
  const cache = METRIC_CONTRACT.cacheRequests.name;
  const jobs = METRIC_CONTRACT.backgroundJobDuration.name;
  const mem = METRIC_CONTRACT.processMemory.name;
  const snapshot = (i: number) => at(Math.floor((i * stepSeconds) / 60));
  // A failed scrape stores nothing: promtool's `_` is a missing sample.
  const print = (values: number[]) => values.map((v, i) => (snapshot(i).down ? "_" : String(v))).join(" ");
  const perMin = (f: (x: Snapshot) => number) => (m: number) => f(at(m)) * 60;
  const count = (f: (x: Snapshot) => number) => print(counter(samples, stepSeconds, perMin(f)));
  /** A histogram's `_bucket` and `_count` series for one label set; `cdf` gives the share per bound. */
  const histogram = (
    name: string,
    bounds: readonly string[],
    extra: Record<string, string>,
    perSecond: (x: Snapshot) => number,
    cdf: (x: Snapshot) => number[],
  ): InputSeries[] => [
    ...bounds.map((le, i) => ({
      series: `${name}_bucket${labels(t, { ...extra, le })}`,
      values: count((x) => perSecond(x) * (cdf(x)[i] ?? 1)),
    })),
    { series: `${name}_count${labels(t, extra)}`, values: count(perSecond) },
  ];
  const indices = Array.from({ length: samples }, (_, i) => i);
  return [
    {
      // prometheus-operator labels a ServiceMonitor's target with its pod and container.
      series: `up${labels(t, { instance: `${t.name}-0`, pod: `${t.name}-0`, container: t.name })}`,
      values: indices.some((i) => snapshot(i).down)
        ? indices.map((i) => (snapshot(i).down ? "0" : "1")).join(" ")
        : `1x${samples - 1}`,
    },
    ...histogram(
      http,
      HTTP_BUCKETS,
      { http_response_status_code: "200" },
      (x) => x.rps * (1 - x.errorRatio),
      (x) => x.latency,
    ),
    ...histogram(
      http,
      HTTP_BUCKETS,
      { http_response_status_code: "500" },
      (x) => x.rps * x.errorRatio,
      (x) => x.latency,
    ),
    ...histogram(
      db,
      DB_BUCKETS,
      {},
      (x) => x.rps * 2,
      (x) => x.db,
    ),
    {
      series: `${cache}${labels(t, { result: "hit" })}`,
      values: count((x) => x.rps * 3 * x.cacheHitRatio),
    },
    {
      series: `${cache}${labels(t, { result: "miss" })}`,
      values: count((x) => x.rps * 3 * (1 - x.cacheHitRatio)),
    },
    // Two job runs a minute.
    ...histogram(
      jobs,
      JOB_BUCKETS,
      {},
      () => 2 / 60,
      (x) => x.jobs,
    ),
    {
      series: `${mem}${labels(t, { instance: `${t.name}-0` })}`,
      values: print(indices.map((i) => Math.round(snapshot(i).memoryBytes))),
    },
    ...resourceSeries(t, snapshot, indices, print, count),
    ...(at(0).calls
      ? (["200", "503"] as const).flatMap((status) =>
          histogram(
            METRIC_CONTRACT.httpClientDuration.name,
            HTTP_BUCKETS,
            {
              server_address: CALL_DESTINATION,
              http_request_method: "POST",
              http_response_status_code: status,
            },
            (x) =>
              (x.calls?.rps ?? 0) *
              (status === "503" ? (x.calls?.failedRatio ?? 0) : 1 - (x.calls?.failedRatio ?? 0)),
            (x) => x.calls?.latency ?? [],
          ),
        )
      : []),
  ];
}

/**
 * Alerts a scenario does not judge: the Watchdog, its ambient alerts, and the platform's own
 * (labelled `component`): a scenario simulates a service, not the platform's exporters, whose
 * absence those alerts would rightly report (tests/platform/ has the platform's scenarios).
 */
const ignored = (s: Scenario) => `component="",alertname!~"${["Watchdog", ...(s.ambient ?? [])].join("|")}"`;
/** The alerts a scenario judges: its service's (and its twin's, which shares the job). */
const judged = (s: Scenario, svc: Target) => `job="${svc.name}",${ignored(s)}`;
const firing = (s: Scenario, svc: Target, priority: Priority) =>
  `ALERTS{alertstate="firing",priority="${priority}",${judged(s, svc)}}`;
const minutes = (m: number) => `${m}m`;

/**
 * One promtool test per scenario: for every expectation, each priority in `fires` fired at some
 * point between onset and onset + byMinute, each in `quiet` never fired from the start until
 * then; before the onset nothing but the Watchdog and the scenario's ambient alerts fired, and
 * each ambient alert did. The checks judge the alerts of the service's job (`others` only report
 * `up`; promtoolSuiteTest checks that they stay quiet).
 */
export function promtoolTest(s: Scenario, svc: Target, others: Target[]) {
  return {
    name: s.name,
    interval: `${SAMPLE_SECONDS}s`,
    input_series: inputSeries(s, svc, others),
    promql_expr_test: scenarioChecks(s, svc),
  };
}

/**
 * Several scenarios in one promtool test, each on its own service (`runs[i].svc`, configured like
 * the others): promtool's cost is per evaluation step far more than per series, so ten scenarios
 * side by side cost about twice one. Each scenario's checks judge only its own service's alerts,
 * over its own minutes; one more check finds no alert, over the whole run, on any service that no
 * scenario simulates (`others`, which only report `up`, and anything without a job).
 */
export function promtoolSuiteTest(name: string, runs: { s: Scenario; svc: Target }[], others: Target[]) {
  const interval = runs[0]!.s.interval;
  if (runs.some((r) => r.s.interval !== interval))
    throw new Error("one evaluation interval per promtool test");
  const names = runs.map((r) => r.svc.name);
  if (new Set(names).size !== names.length) throw new Error("each scenario needs a service of its own");
  const end = Math.max(...runs.map((r) => r.s.durationMinutes));
  const samples = Math.floor((end * 60) / SAMPLE_SECONDS) + 1;
  return {
    name,
    interval: `${SAMPLE_SECONDS}s`,
    input_series: [
      ...others.map((t) => upSeries(t, samples)),
      ...runs.flatMap((r) => inputSeries(r.s, r.svc, [])),
    ],
    promql_expr_test: [
      ...runs.flatMap((r) => scenarioChecks(r.s, r.svc)),
      {
        expr: `count(max_over_time(ALERTS{alertstate="firing",component="",alertname!="Watchdog",job!~"${names.join("|")}"}[${minutes(end)}]))`,
        eval_time: minutes(end),
        exp_samples: [],
      },
    ],
  };
}

type Check = { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] };

/** The checks of one scenario whose service is `svc` (promtoolTest's). */
function scenarioChecks(s: Scenario, svc: Target): Check[] {
  const checks: Check[] = [];
  if (s.onsetMinute > 0) {
    checks.push({
      expr: `count(max_over_time(ALERTS{alertstate="firing",${judged(s, svc)}}[${minutes(s.onsetMinute)}]))`,
      eval_time: minutes(s.onsetMinute),
      exp_samples: [],
    });
  }
  for (const name of s.ambient ?? []) {
    // Fired once, on our service (its namespace, job and service label), never on the twin's.
    const labels = {
      alertname: name,
      priority: ALERTS.find((a) => a.alert === name)?.priority ?? "",
      namespace: svc.namespace,
      job: svc.name,
      service: svc.name,
      ...(svc.team ? { team: svc.team } : {}),
    };
    checks.push({
      expr: `count by (${Object.keys(labels).join(", ")}) (max_over_time(ALERTS{alertstate="firing",alertname="${name}",job="${svc.name}"}[${minutes(s.onsetMinute)}]))`,
      eval_time: minutes(s.onsetMinute),
      exp_samples: [
        {
          labels: `{${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(",")}}`,
          value: 1,
        },
      ],
    });
  }
  for (const e of s.expect) {
    const t = s.onsetMinute + e.byMinute;
    for (const p of e.fires) {
      checks.push({
        expr: `count(max_over_time(${firing(s, svc, p)}[${minutes(e.byMinute)}])) > bool 0`,
        eval_time: minutes(t),
        exp_samples: [{ labels: "{}", value: 1 }],
      });
    }
    for (const p of e.quiet) {
      checks.push({
        expr: `count(max_over_time(${firing(s, svc, p)}[${minutes(t)}]))`,
        eval_time: minutes(t),
        exp_samples: [],
      });
    }
  }
  return checks;
}

/**
 * A promtool query whose (deliberately unmatched) result lists, per alert, the first minute it
 * fired, for rules evaluated every `everyMinutes`.
 */
export function firstFiringProbe(s: Scenario, svc: Target, others: Target[], everyMinutes = s.interval) {
  const end = s.durationMinutes;
  return {
    name: `${s.name} (probe)`,
    interval: `${SAMPLE_SECONDS}s`,
    input_series: inputSeries(s, svc, others),
    promql_expr_test: [
      {
        expr: `min by (alertname, priority) (min_over_time(timestamp(ALERTS{alertstate="firing",component="",alertname!="Watchdog"})[${minutes(end)}:${minutes(everyMinutes)}]))`,
        eval_time: minutes(end),
        exp_samples: [],
      },
    ],
  };
}
