import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { THANOS } from "../../infra/versions";

/**
 * Thanos's own files at the pinned release (tests/data/thanos/<tag>/, verbatim, with their blob
 * ids), and what the tests read from them: each component's flag reference (its `--help` block in
 * docs/components/<c>.md) and the Go structs its YAML configs are parsed into.
 */

export const DATA_DIR = join(__dirname, "../data/thanos", THANOS.tag);

export interface Sources {
  repository: string;
  tag: string;
  commit: string;
  files: Record<string, string>;
}
export const sources = (): Sources => JSON.parse(readFileSync(join(DATA_DIR, "sources.json"), "utf8"));

export const upstreamFile = (path: string): string => readFileSync(join(DATA_DIR, path), "utf8");

/** Git's blob id of a file's bytes (`git hash-object`). */
export function blobId(path: string): string {
  const bytes = readFileSync(join(DATA_DIR, path));
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export interface Flag {
  name: string;
  /** Printed as `--[no-]name`: takes no value, and `--no-name` is valid too. */
  boolean: boolean;
  /** The default in the help (`--name=24h`), quotes removed; undefined when none is printed. */
  default?: string;
  /** Printed with `...`: may be given more than once. */
  repeatable: boolean;
  help: string;
}

/** A flag's first line: `  -w, --[no-]wait` or `      --name=default ...`; help lines are indented further. */
const FLAG_LINE = /^ {2}(?:-\w, | {4})--(\[no-\])?([a-z0-9][a-z0-9.\-_]*)(?:=(\S+))?( \.\.\.)?\s*(.*)$/;

/**
 * The flags of `thanos <component> --help` as the docs print them: the block opened by the
 * fence ```` ```$ mdox-exec="thanos <component> --help" ````, from `Flags:` to the closing fence.
 */
export function flagReference(component: string): Map<string, Flag> {
  const doc = upstreamFile(`docs/components/${component}.md`);
  const fence = `\`\`\`$ mdox-exec="thanos ${component} --help"`;
  const start = doc.indexOf(fence);
  if (start < 0) throw new Error(`no flag block for ${component}`);
  const end = doc.indexOf("\n```", start + fence.length);
  const block = doc.slice(start + fence.length, end).split("\n");
  const from = block.findIndex((l) => l.trim() === "Flags:");
  if (from < 0) throw new Error(`no Flags: line in the ${component} block`);
  const flags = new Map<string, Flag>();
  let last: Flag | undefined;
  for (const line of block.slice(from + 1)) {
    const m = FLAG_LINE.exec(line);
    if (m) {
      last = {
        name: m[2]!,
        boolean: m[1] !== undefined,
        default: m[3]?.replace(/^"(.*)"$/, "$1"),
        repeatable: m[4] !== undefined,
        help: m[5] ?? "",
      };
      flags.set(last.name, last);
    } else if (last && line.trim() !== "") last.help = `${last.help} ${line.trim()}`.trim();
  }
  return flags;
}

/** Marked deprecated in its help: "(Deprecated)", "(Deprecated, Experimental)" or "Deprecated after vX". */
export const isDeprecated = (f: Flag): boolean => /\(Deprecated\b|^Deprecated after\b/.test(f.help);

/** The values a flag's help enumerates ("Possible options: a, b or c.", "One of: a, b."), if any. */
export function enumerated(f: Flag): string[] | undefined {
  const m = /(?:Possible options|Possible values are|Must be one of|One of):?\s+(.+?)(?:\.(?:\s|$)|$)/i.exec(
    f.help,
  );
  if (!m) return undefined;
  return m[1]!
    .split(/,\s*|\s+or\s+/)
    .map((v) => v.trim().replace(/^"(.*)"$/, "$1"))
    .filter((v) => v !== "");
}

/** Prometheus's (model.Duration) form: Thanos's duration flags, with the `d`, `w`, `y` units. */
export const MODEL_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
/** Go's time.Duration form (time.ParseDuration): no days. */
export const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * A JSON Schema of a Go struct of a file, from its `yaml:"…"` field tags: the keys Thanos knows
 * and their types. Strings of a named string type take the values of its constants.
 */
export function goStructSchema(file: string, root: string): object {
  const src = upstreamFile(file);
  const structs = new Map<string, [string, string][]>();
  for (const m of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
    const fields = [...m[2]!.matchAll(/^\s*\w+\s+(\S+)\s+`yaml:"([^",]*)[^`]*`/gm)].map(
      (f) => [f[2]!, f[1]!] as [string, string],
    );
    structs.set(m[1]!, fields);
  }
  const enums = new Map<string, string[]>();
  for (const m of src.matchAll(/^\s*\w+\s+(\w+)\s+=\s+"([^"]*)"/gm))
    enums.set(m[1]!, [...(enums.get(m[1]!) ?? []), m[2]!]);
  // Only the structs reachable from the root: others hold types no config has (sync.Mutex).
  const definitions: Record<string, object> = {};
  const define = (name: string): void => {
    if (name in definitions) return;
    definitions[name] = {};
    definitions[name] = {
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(structs.get(name)!.map(([key, t]) => [key, typeSchema(t)])),
    };
  };
  const typeSchema = (t: string): object => {
    const bare = t.replace(/^\*/, "");
    if (bare.startsWith("[]")) return { type: "array", items: typeSchema(bare.slice(2)) };
    if (bare === "bool") return { type: "boolean" };
    if (bare === "string") return { type: "string" };
    if (bare === "int") return { type: "integer" };
    if (bare === "time.Duration") return { type: "string", pattern: GO_DURATION.source };
    if (bare === "any") return {};
    if (enums.has(bare)) return { type: "string", enum: enums.get(bare) };
    if (structs.has(bare)) {
      define(bare);
      return { $ref: `#/definitions/${bare}` };
    }
    throw new Error(`${file}: no schema for Go type ${t}`);
  };
  if (!structs.has(root)) throw new Error(`${file}: no struct ${root}`);
  define(root);
  return { $ref: `#/definitions/${root}`, definitions };
}
