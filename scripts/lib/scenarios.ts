import type { Priority } from "../../infra/catalog/alert-levels";
import { METRIC_CONTRACT } from "../../infra/catalog/metric-contract";

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
}

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
  /** Sample and evaluation interval in minutes. */
  interval: number;
  onsetMinute: number;
  durationMinutes: number;
  at(minute: number): Snapshot;
  expect: Expectation[];
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
    interval: 5,
    onsetMinute: 3 * 24 * 60,
    durationMinutes: 5 * 24 * 60,
    at: withBase(3 * 24 * 60, (s) => ({ ...s, errorRatio: 0.0025 })),
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

export interface InputSeries {
  series: string;
  values: string;
}

const labels = (job: string, extra: Record<string, string> = {}): string =>
  `{${Object.entries({ job, ...extra })
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** Accumulates per-minute increments into a counter's sample values. */
function counter(samples: number, step: number, perMinute: (minute: number) => number): string {
  const out: string[] = [];
  let total = 0;
  for (let i = 0; i < samples; i++) {
    out.push(String(Math.round(total)));
    total += perMinute(i * step) * step;
  }
  return out.join(" ");
}

/**
 * promtool input series for one scenario and service `job`; `others` get only `up` so that
 * their "not scraped" alerts stay quiet.
 */
export function inputSeries(s: Scenario, job: string, others: string[]): InputSeries[] {
  const samples = Math.floor(s.durationMinutes / s.interval) + 1;
  const http = METRIC_CONTRACT.httpServerDuration.name;
  const db = METRIC_CONTRACT.dbClientDuration.name;
  const cache = METRIC_CONTRACT.cacheRequests.name;
  const jobs = METRIC_CONTRACT.backgroundJobDuration.name;
  const mem = METRIC_CONTRACT.processMemory.name;
  const perMin = (f: (x: Snapshot) => number) => (m: number) => f(s.at(m)) * 60;
  const series: InputSeries[] = [
    ...[job, ...others].map((j) => ({
      series: `up${labels(j, { instance: `${j}-0` })}`,
      values: `1x${samples - 1}`,
    })),
    {
      series: `${http}_count${labels(job, { http_response_status_code: "200" })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * (1 - x.errorRatio)),
      ),
    },
    {
      series: `${http}_count${labels(job, { http_response_status_code: "500" })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * x.errorRatio),
      ),
    },
    ...HTTP_BUCKETS.map((le, i) => ({
      series: `${http}_bucket${labels(job, { le })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * (x.latency[i] ?? 1)),
      ),
    })),
    {
      series: `${db}_count${labels(job)}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * 2),
      ),
    },
    ...DB_BUCKETS.map((le, i) => ({
      series: `${db}_bucket${labels(job, { le })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * 2 * (x.db[i] ?? 1)),
      ),
    })),
    {
      series: `${cache}${labels(job, { result: "hit" })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * 3 * x.cacheHitRatio),
      ),
    },
    {
      series: `${cache}${labels(job, { result: "miss" })}`,
      values: counter(
        samples,
        s.interval,
        perMin((x) => x.rps * 3 * (1 - x.cacheHitRatio)),
      ),
    },
    { series: `${jobs}_count${labels(job)}`, values: counter(samples, s.interval, () => 2) },
    ...JOB_BUCKETS.map((le, i) => ({
      series: `${jobs}_bucket${labels(job, { le })}`,
      values: counter(samples, s.interval, (m) => 2 * (s.at(m).jobs[i] ?? 1)),
    })),
    {
      series: `${mem}${labels(job, { instance: `${job}-0` })}`,
      values: Array.from({ length: samples }, (_, i) =>
        String(Math.round(s.at(i * s.interval).memoryBytes)),
      ).join(" "),
    },
  ];
  return series;
}

const firing = (priority: Priority) =>
  `ALERTS{alertstate="firing",priority="${priority}",alertname!="Watchdog"}`;
const minutes = (m: number) => `${m}m`;

/**
 * One promtool test per scenario: for every expectation, each priority in `fires` fired at some
 * point between onset and onset + byMinute, each in `quiet` never fired from the start until
 * then; before the onset nothing but the Watchdog fired.
 */
export function promtoolTest(s: Scenario, job: string, others: string[]) {
  const checks: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[] = [];
  if (s.onsetMinute > 0) {
    checks.push({
      expr: `count(max_over_time(ALERTS{alertstate="firing",alertname!="Watchdog"}[${minutes(s.onsetMinute)}]))`,
      eval_time: minutes(s.onsetMinute),
      exp_samples: [],
    });
  }
  for (const e of s.expect) {
    const t = s.onsetMinute + e.byMinute;
    for (const p of e.fires) {
      checks.push({
        expr: `count(max_over_time(${firing(p)}[${minutes(e.byMinute)}])) > bool 0`,
        eval_time: minutes(t),
        exp_samples: [{ labels: "{}", value: 1 }],
      });
    }
    for (const p of e.quiet) {
      checks.push({
        expr: `count(max_over_time(${firing(p)}[${minutes(t)}]))`,
        eval_time: minutes(t),
        exp_samples: [],
      });
    }
  }
  return {
    name: s.name,
    interval: minutes(s.interval),
    input_series: inputSeries(s, job, others),
    promql_expr_test: checks,
  };
}

/** A promtool query whose (deliberately unmatched) result lists, per alert, the first minute it fired. */
export function firstFiringProbe(s: Scenario, job: string, others: string[]) {
  const end = s.durationMinutes;
  return {
    name: `${s.name} (probe)`,
    interval: minutes(s.interval),
    input_series: inputSeries(s, job, others),
    promql_expr_test: [
      {
        expr: `min by (alertname, priority) (min_over_time(timestamp(ALERTS{alertstate="firing",alertname!="Watchdog"})[${minutes(end)}:${minutes(s.interval)}]))`,
        eval_time: minutes(end),
        exp_samples: [],
      },
    ],
  };
}
