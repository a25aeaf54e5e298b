// Preloaded (`node -r ./scripts/lib/measure.cjs ...`) by the benchmarks: when the process exits,
// appends its peak memory, as one JSON line, to the file $MEASURE_OUT names.
"use strict";
const { appendFileSync } = require("node:fs");

const out = process.env.MEASURE_OUT;
if (out)
  process.on("exit", () => {
    appendFileSync(out, `${JSON.stringify({ peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  });
