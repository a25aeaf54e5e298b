import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { durationSeconds } from "../../infra/config/common";
import { DOWNSAMPLING_AGES } from "../../infra/config/thanos";
import { THANOS } from "../../infra/versions";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { rendered, STACKS } from "../helpers/render";
import {
  blobId,
  enumerated,
  type Flag,
  flagReference,
  GO_DURATION,
  goStructSchema,
  isDeprecated,
  MODEL_DURATION,
  sources,
  upstreamFile,
} from "./upstream";

/**
 * Every Thanos container the program runs, checked against the release it runs (THANOS in
 * infra/versions.ts): each flag exists in that component's flag reference and is not deprecated,
 * takes a value of the right form, and the YAML passed inline matches the Go structs Thanos parses
 * it into. The references are Thanos's own files at the tag (tests/data/thanos/).
 */

const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];
const COMPONENTS = ["query", "query-frontend", "store", "compact"] as const;

interface Container {
  name: string;
  image: string;
  args: string[];
}
interface Run {
  workload: string;
  component: string;
  args: string[];
}

/** Each Thanos container of a render: its workload, its subcommand and its flags. */
function thanosRuns(resources: RecordedResource[]): Run[] {
  return resources
    .filter((r) => WORKLOADS.includes(r.type))
    .flatMap((r) => {
      const spec = r.inputs.spec as { template: { spec: { containers: Container[] } } };
      return spec.template.spec.containers
        .filter((c) => c.image.startsWith(`${THANOS.repository}:`))
        .map((c) => ({ workload: `${r.type} ${r.name}`, component: c.args[0]!, args: c.args.slice(1) }));
    });
}

/** `--name=value`, `--name` or `--no-name`. */
const parseArg = (arg: string) => {
  const m = /^--([a-z0-9][a-z0-9.\-_]*)(?:=([\s\S]*))?$/.exec(arg);
  if (!m) return undefined;
  return { name: m[1]!, value: m[2] };
};

/** What is wrong with one argument of a component, against its flag reference. */
function argProblems(reference: Map<string, Flag>, arg: string): string[] {
  const parsed = parseArg(arg);
  if (!parsed) return [`${arg}: not a --flag`];
  const negated = parsed.name.startsWith("no-") ? reference.get(parsed.name.slice(3)) : undefined;
  const flag = reference.get(parsed.name) ?? (negated?.boolean ? negated : undefined);
  if (!flag) return [`--${parsed.name}: no such flag`];
  const problems: string[] = [];
  if (isDeprecated(flag)) problems.push(`--${flag.name} is deprecated: ${flag.help}`);
  if (flag.boolean) {
    if (parsed.value !== undefined) problems.push(`--${flag.name} is a boolean flag, given a value`);
    return problems;
  }
  if (parsed.value === undefined || parsed.value === "") return [...problems, `--${flag.name} needs a value`];
  const options = enumerated(flag);
  if (options && !options.includes(parsed.value))
    problems.push(`--${flag.name}=${parsed.value}: expected one of ${options.join(", ")}`);
  if (flag.default !== undefined && MODEL_DURATION.test(flag.default) && !MODEL_DURATION.test(parsed.value))
    problems.push(`--${flag.name}=${parsed.value}: expected a duration like its default ${flag.default}`);
  if (flag.default !== undefined && /^[\d.]+:\d+$/.test(flag.default) && !/^[\w.]+:\d+$/.test(parsed.value))
    problems.push(`--${flag.name}=${parsed.value}: expected host:port like its default ${flag.default}`);
  return problems;
}

const flagValue = (run: Run, name: string): string | undefined =>
  run.args.map(parseArg).find((a) => a?.name === name)?.value;

describe("Thanos's own files (tests/data/thanos/)", () => {
  it("are the files of the pinned tag, unedited", () => {
    const s = sources();
    expect(s.tag).toBe(THANOS.tag);
    expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
    for (const [path, blob] of Object.entries(s.files)) expect(blobId(path), path).toBe(blob);
  });

  it("give each component a flag reference the parser reads", () => {
    for (const c of COMPONENTS) {
      const flags = flagReference(c);
      expect(flags.size, c).toBeGreaterThan(30);
      expect(flags.get("log.format"), c).toMatchObject({ boolean: false, default: "logfmt" });
      expect(enumerated(flags.get("log.format")!), c).toEqual(["logfmt", "json", "journald"]);
    }
    const query = flagReference("query");
    expect(query.get("query.auto-downsampling")).toMatchObject({ boolean: true });
    expect(query.get("query.replica-label")).toMatchObject({ repeatable: true });
    expect(isDeprecated(query.get("endpoint")!)).toBe(true);
    expect(isDeprecated(query.get("store.sd-files")!)).toBe(true);
    expect(isDeprecated(query.get("grpc-compression")!)).toBe(true);
    expect(isDeprecated(query.get("endpoint.sd-config")!)).toBe(false);
    // Gone since 0.38.
    expect(query.has("store")).toBe(false);
    expect(flagReference("compact").get("wait")).toMatchObject({ boolean: true });
  });

  it("make the checks fail on what Thanos would refuse", () => {
    const query = flagReference("query");
    expect(argProblems(query, "--store=dnssrv+_grpc._tcp.x")).toEqual(["--store: no such flag"]);
    expect(argProblems(query, "--endpoint=x:10901")[0]).toMatch(/^--endpoint is deprecated/);
    expect(argProblems(query, "--log.format=yaml")).toEqual([
      "--log.format=yaml: expected one of logfmt, json, journald",
    ]);
    expect(argProblems(query, "--query.timeout=2 minutes")[0]).toMatch(/expected a duration/);
    expect(argProblems(query, "--query.auto-downsampling=true")[0]).toMatch(/boolean flag/);
    expect(argProblems(query, "--no-query.auto-downsampling")).toEqual([]);
    expect(argProblems(flagReference("compact"), "--compact.enable-vertical-compaction")).toEqual([
      "--compact.enable-vertical-compaction: no such flag",
    ]);
  });
});

describe.each(STACKS)("Thanos flags in %s", (stack) => {
  const result = rendered(stack);
  const runs = thanosRuns(result.resources);
  const run = (component: string): Run => {
    const found = runs.filter((r) => r.component === component);
    expect(found, component).toHaveLength(1);
    return found[0]!;
  };

  it("runs each component once, on the pinned image", () => {
    expect(runs.map((r) => r.component).sort()).toEqual([...COMPONENTS].sort());
  });

  it("passes only flags of the pinned release, none deprecated, with values of the right form", () => {
    for (const r of runs) {
      const reference = flagReference(r.component);
      const problems = r.args.flatMap((a) => argProblems(reference, a).map((p) => `${r.workload}: ${p}`));
      expect(problems).toEqual([]);
      // A flag given twice must be one that adds up.
      const names = r.args.map((a) => parseArg(a)!.name);
      const twice = names.filter((n, i) => names.indexOf(n) !== i && !reference.get(n)?.repeatable);
      expect(twice, r.workload).toEqual([]);
    }
  });

  it("gives Query an endpoint SD config Thanos's EndpointConfig takes", () => {
    const value = flagValue(run("query"), "endpoint.sd-config");
    expect(value).toBeDefined();
    const validate = new Ajv({ allErrors: true }).compile(
      goStructSchema("cmd/thanos/endpointset.go", "EndpointConfig"),
    );
    const parsed = parse(value!) as { endpoints: { address: string; strict?: boolean }[] };
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    // Thanos's own checks (endpointset.go): no `strict` on a DNS address; each replica by SRV.
    const ns = result.config.metrics.namespace;
    expect(parsed.endpoints.map((e) => e.address)).toEqual([
      `dnssrv+_grpc._tcp.prometheus-operated.${ns}.svc.cluster.local`,
      `dnssrv+_grpc._tcp.thanos-store.${ns}.svc.cluster.local`,
    ]);
    for (const e of parsed.endpoints) expect(e.strict ?? false).toBe(false);
    // The check can fail: an unknown key, a wrong type.
    expect(validate({ endpoints: [{ address: "x", strict: "yes" }] })).toBe(false);
    expect(validate({ endpoints: [{ addr: "x" }] })).toBe(false);
  });

  it("gives the Query Frontend an in-memory response cache Thanos's config types take", () => {
    const value = flagValue(run("query-frontend"), "query-range.response-cache-config");
    const file = "pkg/queryfrontend/config.go";
    const provider = new Ajv({ allErrors: true }).compile(goStructSchema(file, "CacheProviderConfig"));
    const inMemory = new Ajv({ allErrors: true }).compile(
      goStructSchema(file, "InMemoryResponseCacheConfig"),
    );
    const parsed = parse(value!) as { type: string; config: { max_size: string; validity: string } };
    expect(provider(parsed), JSON.stringify(provider.errors)).toBe(true);
    expect(parsed.type).toBe("IN-MEMORY");
    expect(inMemory(parsed.config), JSON.stringify(inMemory.errors)).toBe(true);
    // Without max_size or max_size_items Thanos creates no cache (query-frontend.md).
    expect(parsed.config.max_size).toBe(result.config.thanos.queryFrontend.cacheMaxSize);
    expect(parsed.config.validity).toMatch(GO_DURATION);
    // Go's durations have no days: the check refuses what Thanos would.
    expect(inMemory({ max_size: "1GB", validity: "1d" })).toBe(false);
    expect(provider({ type: "FIFO", config: {} })).toBe(false);
    // A response cache needs a split interval above 0 (the flag's help).
    expect(durationSeconds(flagValue(run("query-frontend"), "query-range.split-interval")!)).toBeGreaterThan(
      0,
    );
  });

  it("points the Query Frontend at Query and turns on downsampled reads", () => {
    expect(flagValue(run("query-frontend"), "query-frontend.downstream-url")).toBe(
      `http://thanos-query.${result.config.metrics.namespace}.svc:10902`,
    );
    expect(run("query-frontend").args).toContain("--query-range.request-downsampled");
    expect(run("query").args).toContain("--query.auto-downsampling");
    expect(flagValue(run("query"), "query.replica-label")).toBe("prometheus_replica");
  });

  it("keeps each resolution at least as long as the Compactor requires (compact.go)", () => {
    const src = upstreamFile("cmd/thanos/compact.go");
    // The start-up checks: raw retention against the 5-minute downsampling age, 5-minute against 1-hour.
    const raw = /raw resolution must be higher than .*?\((\d+) hours\)/.exec(src);
    const fiveMinutes = /5m resolution retention must be higher than .*?\((\d+) days\)/.exec(src);
    expect(raw && fiveMinutes).toBeTruthy();
    const rawMin = Number(raw![1]) * 3600;
    const fiveMin = Number(fiveMinutes![1]) * 86_400;
    // The config's own bounds say the same.
    expect(durationSeconds(DOWNSAMPLING_AGES.fiveMinutes)).toBe(rawMin);
    expect(durationSeconds(DOWNSAMPLING_AGES.oneHour)).toBe(fiveMin);
    const compact = run("compact");
    expect(compact.args).not.toContain("--downsampling.disable");
    expect(durationSeconds(flagValue(compact, "retention.resolution-raw")!)).toBeGreaterThanOrEqual(rawMin);
    expect(durationSeconds(flagValue(compact, "retention.resolution-5m")!)).toBeGreaterThanOrEqual(fiveMin);
    expect(durationSeconds(flagValue(compact, "retention.resolution-1h")!)).toBeGreaterThan(0);
    expect(flagValue(compact, "retention.resolution-raw")).toBe(result.config.thanos.retention.raw);
    expect(flagValue(compact, "retention.resolution-5m")).toBe(result.config.thanos.retention.fiveMinutes);
    expect(flagValue(compact, "retention.resolution-1h")).toBe(result.config.thanos.retention.oneHour);
    expect(compact.args).toContain("--wait");
  });

  it("has the Store Gateway ignore deletion marks after half the Compactor's delete delay", () => {
    const deleteDelay = flagValue(run("compact"), "delete-delay")!;
    expect(deleteDelay).toBe(result.config.thanos.deleteDelay);
    const ignore = flagValue(run("store"), "ignore-deletion-marks-delay")!;
    expect(durationSeconds(ignore) * 2).toBe(durationSeconds(deleteDelay));
    // The store's help states the rule.
    expect(flagReference("store").get("ignore-deletion-marks-delay")!.help).toMatch(/\(delete-delay\)\/2/);
  });
});
