// @ts-check
/**
 * Runs one of the project's TypeScript scripts: `node scripts/run.mjs scripts/render.ts [args]`.
 * The script and everything it imports from this repository are bundled by esbuild into
 * node_modules/.cache/observability/ (packages stay external) and run by plain Node: no loader that
 * transpiles each module as it is required, no source maps for the stack traces Pulumi captures per
 * resource. The bundle is rebuilt only when one of its input files changed.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const cacheDir = join(root, "node_modules", ".cache", "observability");

/** @typedef {{ inputs: Record<string, { mtimeMs: number, size: number }> }} Manifest */

/**
 * Whether the bundle is older than none of its inputs.
 * @param {string} bundle
 * @param {string} manifestFile
 */
function upToDate(bundle, manifestFile) {
  if (!existsSync(bundle) || !existsSync(manifestFile)) return false;
  /** @type {Manifest} */
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
  return Object.entries(manifest.inputs).every(([file, seen]) => {
    const path = join(root, file);
    if (!existsSync(path)) return false;
    const s = statSync(path);
    return s.mtimeMs === seen.mtimeMs && s.size === seen.size;
  });
}

/**
 * Bundles `entry` (a path relative to the repository) and returns the bundle's path.
 * @param {string} entry
 */
export async function bundle(entry) {
  const name = entry.replace(/[^A-Za-z0-9]+/g, "-");
  const out = join(cacheDir, `${name}.cjs`);
  const manifestFile = join(cacheDir, `${name}.json`);
  if (upToDate(out, manifestFile)) return out;
  /** @type {typeof import("esbuild")} */
  const esbuild = require("esbuild");
  mkdirSync(cacheDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    outfile: out,
    metafile: true,
    logLevel: "warning",
    plugins: [
      {
        // Each module keeps its own __dirname (the program reads files beside it), not the bundle's.
        name: "own-dirname",
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, "utf8").replace(
              /\b__dirname\b/g,
              JSON.stringify(dirname(args.path)),
            ),
            loader: "ts",
          }));
        },
      },
    ],
  });
  /** @type {Manifest} */
  const manifest = { inputs: {} };
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const path = resolve(process.cwd(), input);
    const s = statSync(path);
    manifest.inputs[relative(root, path)] = { mtimeMs: s.mtimeMs, size: s.size };
  }
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return out;
}

const [entry, ...args] = process.argv.slice(2);
if (entry && resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  const file = await bundle(relative(root, resolve(entry)));
  process.argv = [process.argv[0] ?? "node", join(root, entry), ...args];
  require(file);
}
