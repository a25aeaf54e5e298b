// Preloaded by runtime.test.ts: when the process exits, writes to $LOADERS_OUT the modules that
// required the TypeScript compiler.
"use strict";
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  const ts = Object.values(require.cache).filter((m) => /[\\/]node_modules[\\/]typescript[\\/]/.test(m.id));
  const loaders = Object.values(require.cache)
    .filter((m) => m.children.some((c) => ts.includes(c)))
    .map((m) => m.id.replace(process.cwd(), "."));
  writeFileSync(process.env.LOADERS_OUT, JSON.stringify(loaders));
});
