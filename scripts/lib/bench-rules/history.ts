import { closeSync, openSync, writeSync } from "node:fs";
import { METRIC_CONTRACT } from "../../../infra/catalog/metric-contract";
import { BENCH_NAMESPACE } from "./config";

/**
 * Synthetic history in the metric contract's shape, one sample per minute, written as OpenMetrics
 * text for `promtool tsdb create-blocks-from openmetrics`. Values are a pure function of the series
 * and the minute plus the running counter state, so two copies of the state continued over the
 * same minutes write identical samples (each benchmark run tops its copy up to its own start).
 */

/** OpenTelemetry's default bounds for http.server.request.duration (the "full bucket list"). */
export const OTEL_HTTP_BUCKETS = [
  "0.005",
  "0.01",
  "0.025",
  "0.05",
  "0.075",
  "0.1",
  "0.25",
  "0.5",
  "0.75",
  "1",
  "2.5",
  "5",
  "7.5",
  "10",
];
/** OpenTelemetry's advice for db.client.operation.duration. */
export const OTEL_DB_BUCKETS = ["0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "10"];
export const JOB_BUCKETS = ["1", "10", "60", "300", "600", "1800", "3600"];

export interface HistoryShape {
  routes: number;
  methods: string[];
  statuses: string[];
  instances: number;
  httpBuckets: string[];
}

export const DEFAULT_SHAPE: HistoryShape = {
  routes: 4,
  methods: ["GET", "POST"],
  statuses: ["200", "404", "500"],
  instances: 2,
  httpBuckets: OTEL_HTTP_BUCKETS,
};

/** A stateless hash in [0, 1): the noise of one series at one minute. */
function noise(series: number, minute: number): number {
  let h = Math.imul(series ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(minute, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Share of a log-normal latency distribution at or below `le` seconds (erf by Abramowitz-Stegun). */
function logNormalCdf(le: number, median: number, sigma: number): number {
  if (!Number.isFinite(le)) return 1;
  const z = Math.log(le / median) / (sigma * Math.SQRT2);
  const t = 1 / (1 + 0.3275911 * Math.abs(z));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return 0.5 * (1 + Math.sign(z) * y);
}

const labels = (pairs: Record<string, string>): string =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

/** Increments one family's values for a minute: `base` is its first index in the value array. */
type Step = (minute: number, values: Float64Array, minutes: number) => void;

/**
 * Rounds to a whole count without bias (up with probability equal to the fraction): plain rounding
 * would turn a steady 0.3 errors a minute into none at all.
 */
const count = (x: number, series: number, minute: number): number =>
  Math.floor(x + noise(series ^ 0x5bd1e995, minute));

/**
 * Minutes of traffic the counters hold when the history starts: real counters are far from zero,
 * and rate() does not extrapolate a window's start below zero, which would bias sparse ones.
 */
const UPTIME_MINUTES = 7 * 1440;

export class History {
  /** Each series' line up to its value: `name{labels} `. */
  readonly prefixes: string[] = [];
  private readonly steps: Step[] = [];
  values: Float64Array;

  constructor(
    readonly services: string[],
    readonly shape: HistoryShape = DEFAULT_SHAPE,
  ) {
    services.forEach((job, s) => {
      this.http(job, s);
      this.db(job, s);
      this.cache(job, s);
      this.jobs(job, s);
      this.memory(job, s);
    });
    this.values = new Float64Array(this.prefixes.length);
    for (const step of this.steps) step(0, this.values, UPTIME_MINUTES);
  }

  get seriesCount(): number {
    return this.prefixes.length;
  }

  /** A copy that continues independently from the same state. */
  clone(): History {
    const copy = Object.create(History.prototype) as History;
    Object.assign(copy, this, { values: Float64Array.from(this.values) });
    return copy;
  }

  private add(name: string, pairs: Record<string, string>): number {
    // The namespace label of a target scraped through a ServiceMonitor: the rules aggregate by it.
    this.prefixes.push(`${name}${labels({ namespace: BENCH_NAMESPACE, ...pairs })} `);
    return this.prefixes.length - 1;
  }

  /**
   * A histogram's bucket, _count and _sum series: `observations(minute, minutes)` is how many
   * requests the minute (or a span of `minutes` starting there) observed, `cdf` their share per bound.
   */
  private histogram(
    name: string,
    pairs: Record<string, string>,
    bounds: string[],
    observations: (minute: number, minutes: number) => number,
    cdf: number[],
    mean: number,
  ): void {
    const first = this.add(`${name}_bucket`, { ...pairs, le: bounds[0]! });
    for (const le of [...bounds.slice(1), "+Inf"]) this.add(`${name}_bucket`, { ...pairs, le });
    const total = this.add(`${name}_count`, pairs);
    const sum = this.add(`${name}_sum`, pairs);
    const shares = [...cdf, 1];
    this.steps.push((minute, v, minutes) => {
      const n = observations(minute, minutes);
      if (n <= 0) return;
      for (let b = 0; b < shares.length; b++) v[first + b]! += Math.round(n * shares[b]!);
      v[total]! += n;
      v[sum]! = Math.round((v[sum]! + n * mean) * 1000) / 1000;
    });
  }

  private http(job: string, s: number): void {
    const { routes, methods, statuses, instances, httpBuckets } = this.shape;
    const statusShare: Record<string, number> = { "200": 0.897, "404": 0.1, "500": 0.003 };
    for (let r = 0; r < routes; r++) {
      // Each route has its own latency: medians from 40 ms to ~160 ms, all mostly under 0.5 s.
      const median = 0.04 * (1 + r);
      const cdf = httpBuckets.map((le) => logNormalCdf(Number(le), median, 0.6));
      const mean = median * Math.exp(0.18);
      methods.forEach((method, m) => {
        for (const status of statuses) {
          for (let i = 0; i < instances; i++) {
            const key = this.prefixes.length;
            // Requests per minute: the service's base rate with a daily swing and ±10% noise.
            const perMinute = (20 + (s % 7) * 5) * 60 * (m === 0 ? 0.7 : 0.3) * (statusShare[status] ?? 0.01);
            this.histogram(
              METRIC_CONTRACT.httpServerDuration.name,
              {
                job,
                http_route: `/api/r${r}`,
                http_request_method: method,
                http_response_status_code: status,
                instance: `pod-${i}:9464`,
              },
              httpBuckets,
              (minute, minutes) =>
                count(
                  minutes *
                    (perMinute / routes / instances) *
                    (1 + 0.3 * Math.sin((2 * Math.PI * minute) / 1440)) *
                    (0.9 + 0.2 * noise(key, minute)),
                  key,
                  minute,
                ),
              cdf,
              mean,
            );
          }
        }
      });
    }
  }

  private db(job: string, s: number): void {
    const cdf = OTEL_DB_BUCKETS.map((le) => logNormalCdf(Number(le), 0.008, 0.8));
    for (const op of ["SELECT", "INSERT", "UPDATE"]) {
      for (let i = 0; i < this.shape.instances; i++) {
        const key = this.prefixes.length;
        this.histogram(
          METRIC_CONTRACT.dbClientDuration.name,
          { job, db_system_name: "postgresql", db_operation_name: op, instance: `pod-${i}:9464` },
          OTEL_DB_BUCKETS,
          (minute, minutes) =>
            Math.round(
              minutes *
                (op === "SELECT" ? 900 : 200) *
                (1 + (s % 3) * 0.2) *
                (0.9 + 0.2 * noise(key, minute)),
            ),
          cdf,
          0.011,
        );
      }
    }
  }

  private cache(job: string, _s: number): void {
    for (let i = 0; i < this.shape.instances; i++) {
      const hit = this.add(METRIC_CONTRACT.cacheRequests.name, {
        job,
        cache_name: "default",
        result: "hit",
        instance: `pod-${i}:9464`,
      });
      const miss = this.add(METRIC_CONTRACT.cacheRequests.name, {
        job,
        cache_name: "default",
        result: "miss",
        instance: `pod-${i}:9464`,
      });
      this.steps.push((minute, v, minutes) => {
        const n = Math.round(minutes * 600 * (0.9 + 0.2 * noise(hit, minute)));
        const hits = Math.round(n * (0.88 + 0.04 * noise(miss, minute)));
        v[hit]! += hits;
        v[miss]! += n - hits;
      });
    }
  }

  private jobs(job: string, _s: number): void {
    const cdf = JOB_BUCKETS.map((le) => logNormalCdf(Number(le), 20, 1));
    for (const name of ["report", "cleanup"]) {
      for (const outcome of ["success", "failure"]) {
        for (let i = 0; i < this.shape.instances; i++) {
          const key = this.prefixes.length;
          // Jobs are rare: a run every few minutes, failures rarer still.
          const p = outcome === "success" ? 0.4 : 0.02;
          this.histogram(
            METRIC_CONTRACT.backgroundJobDuration.name,
            { job, job_name: name, outcome, instance: `pod-${i}:9464` },
            JOB_BUCKETS,
            (minute, minutes) => (minutes > 1 ? Math.round(p * minutes) : noise(key, minute) < p ? 1 : 0),
            cdf,
            30,
          );
        }
      }
    }
  }

  private memory(job: string, _s: number): void {
    for (let i = 0; i < this.shape.instances; i++) {
      const mem = this.add(METRIC_CONTRACT.processMemory.name, { job, instance: `pod-${i}:9464` });
      // The scrape's own health series: the alerts read it (ServiceDown, ServiceNotScraped).
      const up = this.add("up", { job, instance: `pod-${i}:9464` });
      this.steps.push((minute, v) => {
        // A garbage collector's sawtooth around 300 MB: no trend, so no leak alert.
        v[mem] = Math.round(300e6 + 40e6 * ((minute % 30) / 30) + 2e6 * noise(mem, minute));
        v[up] = 1;
      });
    }
  }

  /**
   * Advances the state over epoch minutes [from, to) and appends their samples to `file` (one
   * timestamp per minute, all series), ending with `# EOF`. Returns the number of samples.
   */
  write(file: string, from: number, to: number): number {
    const fd = openSync(file, "w");
    try {
      for (let minute = from; minute < to; minute++) {
        for (const step of this.steps) step(minute, this.values, 1);
        const ts = ` ${minute * 60}\n`;
        const parts = new Array<string>(this.prefixes.length);
        for (let i = 0; i < this.prefixes.length; i++) parts[i] = this.prefixes[i]! + this.values[i]! + ts;
        writeSync(fd, parts.join(""));
      }
      writeSync(fd, "# EOF\n");
    } finally {
      closeSync(fd);
    }
    return (to - from) * this.prefixes.length;
  }
}
