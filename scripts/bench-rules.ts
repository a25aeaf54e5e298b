// `npm run bench:rules` (issue 16 §2): what the rule set costs a real Prometheus to evaluate, for
// N services, in three forms (as rendered, the flat form before the bucket rates were recorded,
// the per-service form before issue 16), over synthetic history in the metric contract's shape. Options (flags or env): --services 10,40 (BENCH_RULES_SERVICES),
// --history 12h (BENCH_RULES_HISTORY), --measure 45 seconds (BENCH_RULES_MEASURE),
// --instants 3 (BENCH_RULES_INSTANTS), --tolerance 0.02 (BENCH_RULES_TOLERANCE),
// --tiled-tolerance 0.15 (BENCH_RULES_TILED_TOLERANCE) for the 30m and 1h ratios built from 5m tiles,
// --rule-times 0 (BENCH_RULES_RULE_TIMES): name each form's N slowest rules.
import { spawn } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toYaml } from "../infra/artifacts";
import { type RuleFile, ruleFile } from "../infra/generators/metrics";
import { baselineRuleFile } from "./lib/bench-rules/baseline";
import { flatBaselineRuleFile } from "./lib/bench-rules/flat-baseline";
import { benchConfig, serviceName } from "./lib/bench-rules/config";
import { DEFAULT_SHAPE, History } from "./lib/bench-rules/history";
import { agree, cycle, median, recordsToBackfill } from "./lib/bench-rules/analysis";
import { killAll, Prometheus, sleep } from "./lib/bench-rules/prometheus";
import { useProjectTools } from "./lib/tools";

// Prometheus and promtool of the deployed generation (`npm run tools`).
useProjectTools();

const EVALUATION_INTERVAL_S = 15;

function option(flag: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${flag}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  return process.env[env] ?? fallback;
}

function durationMinutes(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m) throw new Error(`expected a duration like 90m, 12h or 3d, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as "m" | "h" | "d"];
}

const OPTIONS = {
  services: option("services", "BENCH_RULES_SERVICES", "10,40")
    .split(",")
    .map((s) => Number(s.trim())),
  history: option("history", "BENCH_RULES_HISTORY", "12h"),
  measureSeconds: Number(option("measure", "BENCH_RULES_MEASURE", "45")),
  instants: Number(option("instants", "BENCH_RULES_INSTANTS", "3")),
  tolerance: Number(option("tolerance", "BENCH_RULES_TOLERANCE", "0.02")),
  // The 30m and 1h ratios add up six or twelve 5m rates: an increment that falls between two
  // tiles' samples is missed by both and made up by extrapolation only on average, so with sparse
  // counters (a few errors per 5 minutes) single values scatter by several percent.
  tiledTolerance: Number(option("tiled-tolerance", "BENCH_RULES_TILED_TOLERANCE", "0.15")),
  // How many of each form's slowest rules to name (0: none), from /api/v1/rules' evaluationTime.
  ruleTimes: Number(option("rule-times", "BENCH_RULES_RULE_TIMES", "0")),
};

const started = Date.now();
const progress = (what: string) =>
  process.stderr.write(`[bench:rules ${((Date.now() - started) / 1000).toFixed(0)}s] ${what}\n`);

/** Runs a command to completion; its output is returned, a failure throws with it. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} failed (${code}):\n${out}`)),
    );
  });
}

/** Hard links every block of `from` into `to`: blocks are immutable, so runs can share them. */
function linkBlocks(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const block of readdirSync(from).filter((b) => /^[0-9A-Z]{26}$/.test(b))) {
    mkdirSync(join(to, block, "chunks"), { recursive: true });
    for (const f of readdirSync(join(from, block))) {
      if (f !== "chunks") linkSync(join(from, block, f), join(to, block, f));
    }
    for (const f of readdirSync(join(from, block, "chunks")))
      linkSync(join(from, block, "chunks", f), join(to, block, "chunks", f));
  }
}

/**
 * Backfills epoch minutes [from, to) of `history` into `outDir`: one OpenMetrics file per 2-hour
 * block, two promtool processes at a time beside the generator; each file is removed once loaded.
 */
async function backfill(history: History, from: number, to: number, work: string, outDir: string) {
  mkdirSync(outDir, { recursive: true });
  const pending: Promise<unknown>[] = [];
  let samples = 0;
  for (let a = from, k = 0; a < to; k++) {
    const b = Math.min(to, (Math.floor(a / 120) + 1) * 120);
    const file = join(work, `chunk-${k}.om`);
    samples += history.write(file, a, b);
    pending.push(
      run("promtool", ["tsdb", "create-blocks-from", "openmetrics", "-q", file, outDir]).then(() =>
        rmSync(file, { force: true }),
      ),
    );
    if (pending.length >= 2) await pending.shift();
    a = b;
  }
  await Promise.all(pending);
  return samples;
}

interface Form {
  name: string;
  rules: RuleFile;
  dir: string;
}

interface Measured {
  recording: number;
  alerting: number;
  evalSecondsPerCycle: number;
  busySecondsPerCycle: number;
  cpuSecondsPerMinute: number;
  /** (record, job) → value per instant. */
  values: Map<string, number>[];
}

const countRules = (f: RuleFile) => {
  const rules = f.groups.flatMap((g) => g.rules);
  return { recording: rules.filter((r) => r.record).length, alerting: rules.filter((r) => r.alert).length };
};

interface RulesApi {
  groups: {
    name: string;
    rules: {
      name: string;
      type: string;
      health: string;
      lastError?: string;
      lastEvaluation: string;
      evaluationTime: number;
    }[];
  }[];
}

async function inParallel<T>(items: T[], width: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await each(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Starts Prometheus over the form's data, lets it evaluate, measures, checks health and values. */
async function measure(form: Form, instants: number[], notes: string[]): Promise<Measured> {
  const prom = await Prometheus.start(join(form.dir, "data"), [join(form.dir, "rules.yaml")]);
  try {
    const total = countRules(form.rules).recording + countRules(form.rules).alerting;
    // Every rule evaluated at least once, then one more cycle: the first touches cold pages.
    for (;;) {
      const rules = await prom.api<RulesApi>("/api/v1/rules");
      const evaluated = rules.groups
        .flatMap((g) => g.rules)
        .filter((r) => !r.lastEvaluation.startsWith("0001")).length;
      if (evaluated >= total) break;
      await sleep(1000);
    }
    await sleep(EVALUATION_INTERVAL_S * 1000);
    // Blocks that overlap (backfilled records beside the raw history) are merged by the server
    // a minute after start; measuring during that would charge the merge to the rules.
    if (readdirSync(join(form.dir, "records")).length > 0) {
      progress(`  ${form.name}: waited for the merge of overlapping blocks: ${await settleCompaction(prom)}`);
    }
    const cpu0 = await prom.ownMetric("process_cpu_seconds_total");
    const t0 = Date.now();
    const perCycle: number[] = [];
    const ruleTimes = new Map<string, number[]>();
    const busy: number[] = [];
    while (Date.now() - t0 < OPTIONS.measureSeconds * 1000) {
      await sleep(EVALUATION_INTERVAL_S * 1000);
      const reading = cycle(await prom.ownMetrics());
      perCycle.push(reading.sum);
      busy.push(reading.busy);
      if (OPTIONS.ruleTimes > 0)
        for (const [i, r] of (await prom.api<RulesApi>("/api/v1/rules")).groups
          .flatMap((g) => g.rules)
          .entries()) {
          const key = `${i} ${r.name}`;
          ruleTimes.set(key, [...(ruleTimes.get(key) ?? []), r.evaluationTime]);
        }
    }
    if (OPTIONS.ruleTimes > 0) {
      const slowest = [...ruleTimes]
        .map(([key, times]) => [key.replace(/^\d+ /, ""), median(times)] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, OPTIONS.ruleTimes);
      notes.push(
        `${form.name}, slowest rules (median s per evaluation): ${slowest.map(([name, t]) => `${name} ${t.toFixed(4)}`).join(", ")}`,
      );
    }
    const cpu1 = await prom.ownMetric("process_cpu_seconds_total");
    const minutes = (Date.now() - t0) / 60000;
    const missed = await prom.ownMetric("prometheus_rule_group_iterations_missed_total");
    if (missed > 0)
      notes.push(`${form.name}: ${missed} group evaluations missed (a group took longer than 15 s)`);

    const rules = await prom.api<RulesApi>("/api/v1/rules");
    const unhealthy = rules.groups
      .flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })))
      .filter((r) => r.health !== "ok");
    if (unhealthy.length > 0) {
      throw new Error(
        `${form.name}: ${unhealthy.length} rules not healthy, e.g. ${unhealthy
          .slice(0, 3)
          .map((r) => `${r.group}/${r.name}: ${r.health} ${r.lastError ?? ""}`)
          .join("; ")}`,
      );
    }

    // The recorded values at fixed instants of the history, by evaluating each recording rule's
    // expression there: both forms' runs see the same history at the same timestamps.
    const values: Map<string, number>[] = [];
    const recording = form.rules.groups.flatMap((g) => g.rules).filter((r) => r.record);
    for (const t of instants) {
      const at = new Map<string, number>();
      // A few queries at a time: the server spreads them over its cores, the measurement is over.
      await inParallel(recording, 4, async (r) => {
        for (const s of await prom.query(r.expr, t)) {
          const job = r.labels?.job ?? s.metric.job ?? "";
          at.set(`${r.record} ${job}`, Number(s.value[1]));
        }
      });
      values.push(at);
    }
    return {
      ...countRules(form.rules),
      evalSecondsPerCycle: median(perCycle),
      busySecondsPerCycle: median(busy),
      cpuSecondsPerMinute: (cpu1 - cpu0) / minutes,
      values,
    };
  } finally {
    await prom.stop();
  }
}

/**
 * The latest timestamp at or before `t` (epoch seconds) on which the backfilled records lie, read
 * from a Prometheus over the first form's records; `t` itself when no form backfilled any.
 */
async function onRecordGrid(forms: Form[], t: number, work: string): Promise<number> {
  const form = forms.find((f) => readdirSync(join(f.dir, "records")).length > 0);
  if (!form) return t;
  const record = recordsToBackfill(form.rules)[0]![0]!.record!;
  const dir = join(work, "grid");
  linkBlocks(join(form.dir, "records"), dir);
  const prom = await Prometheus.start(dir, []);
  try {
    const [sample] = await prom.query(`max(timestamp(${record}))`, t);
    if (!sample) throw new Error(`no backfilled ${record} at ${t}`);
    return Number(sample.value[1]);
  } finally {
    await prom.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for the server's first compaction pass (a minute after start) to finish; says what it did. */
async function settleCompaction(prom: Prometheus): Promise<string> {
  const state = async () =>
    Promise.all(
      [
        "prometheus_tsdb_blocks_loaded",
        "prometheus_tsdb_compactions_total",
        "prometheus_tsdb_vertical_compactions_total",
      ].map((m) => prom.ownMetric(m)),
    );
  const before = await state();
  while ((await prom.ownMetric("prometheus_tsdb_compactions_triggered_total")) < 1) await sleep(1000);
  let last = "";
  let now = before;
  for (let stable = 0; stable < 3; ) {
    await sleep(2000);
    now = await state();
    stable = now.join() === last ? stable + 1 : 0;
    last = now.join();
  }
  return `blocks ${before[0]} -> ${now[0]}, ${now[1]! - before[1]!} compactions (${now[2]! - before[2]!} vertical)`;
}

async function main(): Promise<void> {
  const historyMinutes = durationMinutes(OPTIONS.history);
  const work = mkdtempSync(join(tmpdir(), "bench-rules-"));
  const cleanup = () => {
    killAll();
    rmSync(work, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  process.on("exit", cleanup);

  const shape = DEFAULT_SHAPE;
  console.log("## Rule evaluation in a real Prometheus\n");
  console.log(
    `History: ${OPTIONS.history} at 1 sample/minute; per service ${shape.routes} routes x ${shape.methods.length} methods x ${shape.statuses.length} status codes x ${shape.instances} instances of the HTTP histogram (${shape.httpBuckets.length} bounds + +Inf), plus database, cache, job and memory series. Evaluation every ${EVALUATION_INTERVAL_S}s, measured over ${OPTIONS.measureSeconds}s per run.\n`,
  );
  const rows: string[] = [];
  const notes: string[] = [];
  for (const n of OPTIONS.services) {
    const dir = join(work, `n${n}`);
    mkdirSync(dir, { recursive: true });
    const config = benchConfig(n);
    const history = new History(
      Array.from({ length: n }, (_, k) => serviceName(k + 1)),
      shape,
    );
    const end = Math.floor(Date.now() / 60000);
    const from = end - historyMinutes;
    progress(`N=${n}: generating and backfilling ${history.seriesCount} series x ${historyMinutes} minutes`);
    const t = Date.now();
    const samples = await backfill(history, from, end, dir, join(dir, "raw"));
    progress(
      `N=${n}: ${(samples / 1e6).toFixed(1)}M samples backfilled in ${((Date.now() - t) / 1000).toFixed(0)}s`,
    );

    const forms: Form[] = [
      { name: "as rendered", rules: ruleFile(config), dir: join(dir, "rendered") },
      { name: "flat baseline", rules: flatBaselineRuleFile(config), dir: join(dir, "flat") },
      {
        name: "per-service baseline",
        rules: baselineRuleFile(config) as RuleFile,
        dir: join(dir, "baseline"),
      },
    ];
    for (const form of forms) {
      mkdirSync(join(form.dir, "records"), { recursive: true });
      writeFileSync(join(form.dir, "rules.yaml"), toYaml(form.rules));
      const levels = recordsToBackfill(form.rules);
      for (const [i, rules] of levels.entries()) {
        progress(
          `N=${n} ${form.name}: backfilling ${rules.length} recorded series others read (level ${i + 1})`,
        );
        // One file path and group name for every level of every form: promtool evaluates a group
        // at timestamps offset by a hash of both, so all backfilled records share one grid.
        const rulesFile = join(work, "backfill.yaml");
        writeFileSync(rulesFile, toYaml({ groups: [{ name: "backfill", rules }] }));
        const source = join(form.dir, `source-${i}`);
        linkBlocks(join(dir, "raw"), source);
        linkBlocks(join(form.dir, "records"), source);
        const prom = await Prometheus.start(source, []);
        try {
          await run("promtool", [
            "tsdb",
            "create-blocks-from",
            "rules",
            "-q",
            `--start=${from * 60}`,
            `--end=${end * 60 - 1}`,
            `--eval-interval=${EVALUATION_INTERVAL_S}s`,
            `--url=${prom.url}`,
            `--output-dir=${join(form.dir, "records")}`,
            rulesFile,
          ]);
        } finally {
          await prom.stop();
        }
        rmSync(source, { recursive: true, force: true });
      }
      if (levels.length === 0) notes.push(`N=${n} ${form.name}: no recording rule reads another's output`);
    }

    // Instants on the backfilled records' grid: a record read at an instant (a 5m ratio dividing
    // two 5m records) then reads samples of that very instant, as in a live evaluation.
    const last = await onRecordGrid(forms, (end - 1) * 60, work);
    const instants = Array.from(
      { length: OPTIONS.instants },
      (_, i) => last - Math.floor((i * Math.min(historyMinutes, 360)) / Math.max(1, OPTIONS.instants)) * 60,
    );
    const results: Measured[] = [];
    for (const form of forms) {
      // The history continues up to this run's start, so short windows hold data while it runs.
      const data = join(form.dir, "data");
      linkBlocks(join(dir, "raw"), data);
      linkBlocks(join(form.dir, "records"), data);
      const now = Math.floor(Date.now() / 60000) + 1;
      await backfill(history.clone(), end, now, form.dir, data);
      progress(`N=${n} ${form.name}: evaluating`);
      const m = await measure(form, instants, notes);
      rmSync(data, { recursive: true, force: true });
      results.push(m);
      progress(
        `N=${n} ${form.name}: ${m.evalSecondsPerCycle.toFixed(3)} s/cycle (busy ${m.busySecondsPerCycle.toFixed(3)}), ${m.cpuSecondsPerMinute.toFixed(2)} CPU s/min`,
      );
    }
    const [rendered, ...baselines] = results as [Measured, Measured, Measured];
    for (const [form, m] of forms.map((f, i) => [f, results[i]!] as const)) {
      rows.push(
        `| ${n} | ${form.name} | ${m.recording} + ${m.alerting} | ${m.evalSecondsPerCycle.toFixed(3)} | ${m.busySecondsPerCycle.toFixed(3)} | ${m.cpuSecondsPerMinute.toFixed(2)} |`,
      );
    }
    const tiled = (key: string) => /:ratio_rate(30m|1h)\b/.test(key);
    for (const [i, baseline] of baselines.entries()) {
      const name = forms[i + 1]!.name;
      rows.push(
        `| ${n} | ratio rendered/${name} | ${((rendered.recording + rendered.alerting) / (baseline.recording + baseline.alerting)).toFixed(2)} | ${(rendered.evalSecondsPerCycle / baseline.evalSecondsPerCycle).toFixed(2)} | ${(rendered.busySecondsPerCycle / baseline.busySecondsPerCycle).toFixed(2)} | ${(rendered.cpuSecondsPerMinute / baseline.cpuSecondsPerMinute).toFixed(2)} |`,
      );
      const a = agree(rendered.values, baseline.values, (key) =>
        tiled(key) ? OPTIONS.tiledTolerance : OPTIONS.tolerance,
      );
      notes.push(
        `N=${n}, against the ${name}: ${a.compared} recorded values compared at ${instants.length} instants; ${a.beyond} differ by more than ${(OPTIONS.tolerance * 100).toFixed(1)}% (${(OPTIONS.tiledTolerance * 100).toFixed(0)}% for the tiled 30m and 1h ratios)` +
          (a.worst.diff > 0
            ? `; largest difference ${(a.worst.diff * 100).toFixed(3)}% (${a.worst.key}: ${a.worst.rendered} vs ${a.worst.baseline})`
            : "") +
          (a.extra ? `; ${a.extra} values only in the rendered form (its helper records)` : "") +
          (a.missing.length
            ? `; ${a.missing.length} values missing from the rendered form, e.g. ${a.missing.slice(0, 3).join(", ")}`
            : ""),
      );
      if (a.beyond > 0) notes.push(`N=${n}: beyond tolerance, e.g. ${a.beyondExamples.join("; ")}`);
      if (a.beyond > 0 || a.missing.length > 0) process.exitCode = 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    "| Services | Form | Rules (recording + alerting) | Evaluation s/cycle (sum over groups) | Busy s/cycle (wall) | CPU s/min |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  console.log("");
  for (const n of notes) console.log(`- ${n}`);
  console.log(`\nTotal ${((Date.now() - started) / 1000).toFixed(0)}s.`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
