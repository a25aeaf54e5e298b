// `npm run bench`: the offline render against the floor of merely loading the SDKs it uses, each in
// fresh processes in one run, then the alert detection times in promtool's simulated time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectionTimes } from "./bench-detection";
import { REPO_ROOT } from "./lib/stack-file";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The packages whose loading is the floor: Pulumi and every provider SDK the program uses. */
export const SDKS = [
  "@pulumi/pulumi",
  "@pulumi/aws",
  "@pulumi/kubernetes",
  "@pulumi/tls",
  "@pulumi/newrelic",
  "@pulumiverse/grafana",
  "@pulumiverse/sentry",
  "@pulumi/pagerduty",
  "@pulumi/random",
];
// Providers load their modules lazily: touching every export loads what the program can use.
const FLOOR = `for (const m of ${JSON.stringify(SDKS)}) { const x = require(m); for (const k of Object.keys(x)) x[k]; }`;

interface Sample {
  seconds: number;
  peakRssMiB: number;
}

/** Runs `node <args>` in a fresh process: wall time from spawn to exit, and its peak memory. */
function run(args: string[]): Sample {
  const dir = mkdtempSync(join(tmpdir(), "obs-bench-"));
  const measure = join(dir, "measure.jsonl");
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["-r", "./scripts/lib/measure.cjs", ...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, MEASURE_OUT: measure },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${r.stderr}`);
    const { peakRssMiB } = JSON.parse(readFileSync(measure, "utf8").trim()) as { peakRssMiB: number };
    return { seconds, peakRssMiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const renderArgs = (stack: string) => [
  "scripts/run.mjs",
  "scripts/render.ts",
  "--stack",
  stack,
  "--out",
  `out/bench-${stack}`,
];

async function main(): Promise<void> {
  const started = Date.now();
  const progress = (what: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${what}\n`);

  progress("warming the render's bundle cache");
  run(renderArgs("dev"));
  console.log(
    `## Offline render against the SDK-load floor (median of ${RUNS} fresh processes, interleaved)\n`,
  );
  console.log("| Process | Time (s) | Ratio to floor | Peak memory (MiB) |");
  console.log("|---|---|---|---|");
  const samples: Record<string, Sample[]> = { floor: [], dev: [], prod: [] };
  for (let i = 0; i < RUNS; i++) {
    progress(`round ${i + 1}/${RUNS}: floor, dev, prod`);
    samples.floor!.push(run(["-e", FLOOR]));
    for (const stack of ["dev", "prod"]) samples[stack]!.push(run(renderArgs(stack)));
  }
  const floor = median(samples.floor!.map((s) => s.seconds));
  for (const [name, list] of Object.entries(samples)) {
    const seconds = median(list.map((s) => s.seconds));
    const label = name === "floor" ? `loading ${SDKS.length} SDKs (floor)` : `render ${name}`;
    console.log(
      `| ${label} | ${seconds.toFixed(2)} | ${(seconds / floor).toFixed(2)} | ${median(list.map((s) => s.peakRssMiB)).toFixed(0)} |`,
    );
  }
  rmSync(join(REPO_ROOT, "out", "bench-dev"), { recursive: true, force: true });
  rmSync(join(REPO_ROOT, "out", "bench-prod"), { recursive: true, force: true });

  progress("alert detection scenarios (promtool)");
  console.log("\n## Alert detection (promtool's simulated time, dev stack's rules)\n");
  console.log("| Scenario | First alert (P1, else first ticket) | Minutes from onset |");
  console.log("|---|---|---|");
  for (const r of await detectionTimes((name) => progress(`scenario: ${name}`)))
    console.log(`| ${r.scenario} | ${r.firstAlert} | ${r.minutes ?? "never"} |`);
  progress("done");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
