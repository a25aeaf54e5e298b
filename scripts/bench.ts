// `npm run bench`: render time and peak memory per stack, each in a fresh process, as a table.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectionTimes } from "./bench-detection";
import { REPO_ROOT } from "./lib/stack-file";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Sample {
  resources: number;
  seconds: number;
  peakRssMiB: number;
}

/** One render in a child process; GNU time would be the same, but node reports maxRSS itself. */
function renderOnce(stack: string): Sample {
  const out = mkdtempSync(join(tmpdir(), "obs-bench-"));
  const script = `
    const start = process.hrtime.bigint();
    require("tsx/cjs");
    const { renderStack, renderFiles, writeFiles } = require("./scripts/lib/offline.ts");
    renderStack(${JSON.stringify(stack)}).then((r) => {
      writeFiles(${JSON.stringify(out)}, renderFiles(r));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      console.log(JSON.stringify({ resources: r.resources.length, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
      process.exit(0);
    });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`render of ${stack} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Sample;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  console.log(`## Offline render (median of ${RUNS} runs, each in a fresh process)\n`);
  console.log("| Stack | Resources | Render time (s) | Peak memory (MiB) |");
  console.log("|---|---|---|---|");
  for (const stack of ["dev", "prod"]) {
    const samples = Array.from({ length: RUNS }, () => renderOnce(stack));
    console.log(
      `| ${stack} | ${samples[0]!.resources} | ${median(samples.map((s) => s.seconds)).toFixed(2)} | ${median(samples.map((s) => s.peakRssMiB)).toFixed(0)} |`,
    );
  }

  console.log("\n## Alert detection (promtool's simulated time, dev stack's rules)\n");
  console.log("| Scenario | First alert (P1, else first ticket) | Minutes from onset |");
  console.log("|---|---|---|");
  for (const r of await detectionTimes())
    console.log(`| ${r.scenario} | ${r.firstAlert} | ${r.minutes ?? "never"} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
