import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { isMap, isPair, isScalar, parseDocument, visit } from "yaml";
import * as versions from "../../infra/versions";
import { knownStacks, REPO_ROOT } from "../../scripts/lib/stack-file";
import { HELM, RENOVATE_SCHEMA, renovateSchemaFile } from "../../scripts/lib/tools";

/**
 * renovate.json against Renovate's published schema (fetched by `npm run tools`), and its custom
 * managers run over the repository the way Renovate's regex manager runs them: every pin must be
 * found, with its source, and land in a group of its concern.
 */

type Json = Record<string, unknown>;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");
const renovate = JSON.parse(read("renovate.json")) as Json;
const schema = JSON.parse(readFileSync(renovateSchemaFile(), "utf8")) as Json & {
  properties: Record<string, Json>;
  definitions: Record<string, Json>;
};

/** Every property name a schema node declares, through `$ref`, `items`, `allOf`, `oneOf`, `anyOf`. */
function declared(node: Json | undefined, seen = new Set<Json>()): Set<string> {
  const names = new Set<string>();
  if (!node || seen.has(node)) return names;
  seen.add(node);
  const ref = node.$ref as string | undefined;
  if (ref?.startsWith("#/definitions/"))
    for (const n of declared(schema.definitions[ref.slice(14)], seen)) names.add(n);
  for (const n of Object.keys((node.properties as Json | undefined) ?? {})) names.add(n);
  const subs = [node.items, ...((node.allOf ?? []) as Json[]), ...((node.oneOf ?? []) as Json[])];
  for (const sub of [...subs, ...((node.anyOf ?? []) as Json[])])
    if (sub && typeof sub === "object") for (const n of declared(sub as Json, seen)) names.add(n);
  return names;
}

const MATCHERS = /^match|^exclude/;

/** What Renovate would reject or silently ignore in a config: schema errors and undeclared keys. */
function renovateProblems(config: Json): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);
  const errors = (value: unknown, where: string) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}`);
  const root = new Set(Object.keys(schema.properties));
  const unknown = (obj: Json, known: Set<string>, where: string) =>
    Object.keys(obj)
      .filter((k) => k !== "$schema" && !known.has(k))
      .map((k) => `${where}.${k} is not a Renovate option`);
  const problems = [...errors(config, "renovate.json"), ...unknown(config, root, "renovate.json")];
  const managerKeys = declared(schema.properties.customManagers);
  for (const [i, m] of ((config.customManagers ?? []) as Json[]).entries())
    problems.push(...unknown(m, managerKeys, `customManagers[${i}]`));
  // A package rule may set any option; the schema types only its matchers, so the rest is
  // checked as the top-level options they are.
  const ruleKeys = new Set([...declared(schema.properties.packageRules), ...root]);
  for (const [i, rule] of ((config.packageRules ?? []) as Json[]).entries()) {
    problems.push(...unknown(rule, ruleKeys, `packageRules[${i}]`));
    const options = Object.fromEntries(
      Object.entries(rule).filter(([k]) => !MATCHERS.test(k) && root.has(k)),
    );
    problems.push(...errors(options, `packageRules[${i}]`));
  }
  if (config.postUpgradeTasks)
    problems.push(
      ...unknown(
        config.postUpgradeTasks as Json,
        declared(schema.properties.postUpgradeTasks),
        "postUpgradeTasks",
      ),
    );
  return problems;
}

interface Dep {
  file: string;
  depName: string;
  currentValue: string;
  datasource: string;
  /** What the datasource looks up when it is not depName (aws-rds: a DescribeDBEngineVersions filter). */
  packageName?: string;
  registryUrl?: string;
  /** Offset of the version in the file. */
  at: number;
}

interface CustomManager {
  managerFilePatterns: string[];
  matchStrings: string[];
  datasourceTemplate?: string;
  depNameTemplate?: string;
  registryUrlTemplate?: string;
}

/** Files of the repository (not dependencies or generated output) a manager's patterns select. */
function managed(patterns: string[]): string[] {
  const files = readdirSync(REPO_ROOT, { recursive: true, encoding: "utf8" }).filter(
    (f) => !/^(node_modules|\.git|\.tools|out|policy\/node_modules)\//.test(f),
  );
  const regexes = patterns.map((p) => {
    // Renovate takes `/.../` as a regex and anything else as a glob; ours are all regexes.
    expect(p, `${p} is a /regex/`).toMatch(/^\/.*\/$/);
    return new RegExp(p.slice(1, -1));
  });
  return files.filter((f) => regexes.some((r) => r.test(f)));
}

/**
 * Renovate compiles patterns with RE2, which has no lookaround, backreferences or atomic groups;
 * JavaScript would accept them, so they are refused here. What is left means the same in both.
 */
const NOT_RE2 = /\(\?<?[=!]|\(\?>|\\[1-9]|\\k</;

/** The regex manager's extraction: each match of each matchString; a template wins over a capture. */
function extract(m: CustomManager, file: string, content: string): Dep[] {
  return m.matchStrings.flatMap((s) =>
    [...content.matchAll(new RegExp(s, "dg"))].map((x) => ({
      file,
      depName: m.depNameTemplate ?? x.groups?.depName ?? "",
      currentValue: x.groups?.currentValue ?? "",
      datasource: m.datasourceTemplate ?? x.groups?.datasource ?? "",
      packageName: x.groups?.packageName,
      registryUrl: m.registryUrlTemplate ?? x.groups?.registryUrl,
      at: x.indices?.groups?.currentValue?.[0] ?? -1,
    })),
  );
}

interface PackageRule {
  matchDepNames?: string[];
  matchDatasources?: string[];
  matchFileNames?: string[];
  matchUpdateTypes?: string[];
  groupName?: string;
  enabled?: boolean;
  extractVersion?: string;
}

/** The package rules that apply to a dependency, as Renovate matches names, datasources and files. */
const rulesFor = (dep: Pick<Dep, "file" | "depName" | "datasource">): PackageRule[] =>
  (renovate.packageRules as PackageRule[]).filter(
    (r) =>
      r.matchDepNames?.includes(dep.depName) &&
      (!r.matchDatasources || r.matchDatasources.includes(dep.datasource)) &&
      (!r.matchFileNames || r.matchFileNames.some((g) => minimatch(dep.file, g, { dot: true }))),
  );

const managers = renovate.customManagers as CustomManager[];
const found: Dep[] = managers.flatMap((m) =>
  managed(m.managerFilePatterns).flatMap((f) => extract(m, f, read(f))),
);

/** A pin in code: an exported object with a `version` or `tag`. */
type Pin = {
  version?: string;
  tag?: string;
  chart?: string;
  repo?: string;
  repository?: string;
  engine?: string;
};
const codePins = Object.entries(versions)
  .map(([name, v]) => [name, v as Pin] as const)
  .filter(([, v]) => typeof v.version === "string" || typeof v.tag === "string");

/** Every `...Version` key of a stack file, with where its value is. */
function stackPins(stack: string): { key: string; value: string; at: number }[] {
  const doc = parseDocument(read(`Pulumi.${stack}.yaml`));
  const pins: { key: string; value: string; at: number }[] = [];
  visit(doc, {
    Pair(_, pair, path) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      const key = String(pair.key.value);
      if (!/Version$/.test(key) || !pair.value.range) return;
      const section = path
        .filter(isPair)
        .map((p) => (isScalar(p.key) ? String(p.key.value) : ""))
        .at(-1);
      pins.push({ key: `${section}.${key}`, value: String(pair.value.value), at: pair.value.range[0] });
    },
  });
  expect(isMap(doc.contents)).toBe(true);
  return pins;
}

describe("renovate.json", () => {
  it(`is valid against Renovate's published schema (${RENOVATE_SCHEMA.version}) and sets only known options`, () => {
    expect(renovateProblems(renovate)).toEqual([]);
  });

  it("is reported when it misspells an option or gives one the wrong type", () => {
    const broken = structuredClone(renovate);
    (broken.packageRules as Json[]).push({ matchDepName: ["x"], groupName: 3 });
    broken.customManager = [];
    expect(renovateProblems(broken)).toEqual(
      expect.arrayContaining([
        "renovate.json.customManager is not a Renovate option",
        `packageRules[${(broken.packageRules as Json[]).length - 1}].matchDepName is not a Renovate option`,
        `packageRules[${(broken.packageRules as Json[]).length - 1}]/groupName must be string,null`,
      ]),
    );
  });
});

describe("Renovate's custom managers", () => {
  it.each(codePins)("find the pin %s in code, with its source", (name, pin) => {
    const value = pin.version ?? pin.tag;
    const deps = found.filter((d) => d.file === "infra/versions.ts" && d.currentValue === value);
    expect(deps, `${name} (${value}) needs a // renovate: comment on the line before it`).toHaveLength(1);
    const dep = deps[0]!;
    if (pin.chart)
      expect(dep).toMatchObject({ datasource: "helm", depName: pin.chart, registryUrl: pin.repo });
    else if (pin.repository) expect(dep).toMatchObject({ datasource: "docker", depName: pin.repository });
    else if (pin.engine) {
      // aws-rds looks versions up with a DescribeDBEngineVersions filter, given as packageName.
      expect(dep).toMatchObject({ datasource: "aws-rds", depName: pin.engine });
      expect(JSON.parse(dep.packageName ?? "null")).toEqual([{ Name: "engine", Values: [pin.engine] }]);
    } else expect(dep.datasource).toBe("docker");
  });

  it("find the Renovate schema and the Helm package the tests use", () => {
    expect(found.filter((d) => d.file === "scripts/lib/tools.ts")).toEqual([
      expect.objectContaining({
        datasource: "npm",
        depName: "renovate",
        currentValue: RENOVATE_SCHEMA.version,
      }),
      expect.objectContaining({
        datasource: "npm",
        depName: HELM.package,
        currentValue: HELM.version,
      }),
    ]);
  });

  it("find nothing but those pins, each once", () => {
    const expected = codePins.length + 2 + knownStacks().reduce((n, s) => n + stackPins(s).length, 0);
    expect(found).toHaveLength(expected);
  });

  it.each(knownStacks())(
    "find every version Pulumi.%s.yaml pins, as the dependency its default pins",
    (stack) => {
      const codeDeps = new Set(found.filter((d) => d.file === "infra/versions.ts").map((d) => d.depName));
      const pins = stackPins(stack);
      expect(pins.length).toBeGreaterThan(0);
      for (const pin of pins) {
        const dep = found.find((d) => d.file === `Pulumi.${stack}.yaml` && d.at === pin.at);
        expect(dep, `${stack}: ${pin.key} is found by no custom manager`).toBeDefined();
        expect(dep!.currentValue).toBe(pin.value);
        // The same dependency as the default it overrides, so both move in one pull request.
        expect(codeDeps.has(dep!.depName), `${pin.key}: ${dep!.depName}`).toBe(true);
      }
    },
  );

  it("use only what RE2 compiles, and name sources as the code's pins do", () => {
    for (const m of managers)
      for (const s of [...m.matchStrings, ...m.managerFilePatterns]) expect(s, s).not.toMatch(NOT_RE2);
    expect("(?<=x)y").toMatch(NOT_RE2);
    // A stack's pin must come from where the default comes from.
    const code = new Map(found.filter((d) => d.file === "infra/versions.ts").map((d) => [d.depName, d]));
    for (const dep of found.filter((d) => d.file.startsWith("Pulumi.")))
      expect(
        { datasource: dep.datasource, registryUrl: dep.registryUrl },
        `${dep.file}: ${dep.depName}`,
      ).toEqual({
        datasource: code.get(dep.depName)?.datasource,
        registryUrl: code.get(dep.depName)?.registryUrl,
      });
  });

  it("miss a pin that lost its renovate comment (so the check above can fail)", () => {
    const content = read("infra/versions.ts").replace(/\/\/ renovate: .*depName=grafana .*\n/, "\n");
    const deps = managers.flatMap((m) => extract(m, "infra/versions.ts", content));
    expect(deps.map((d) => d.depName)).not.toContain("grafana");
    expect(deps.map((d) => d.depName)).toContain("kube-prometheus-stack");
  });

  it("put every pin in a group of its concern", () => {
    for (const dep of found.filter((d) => d.datasource !== "npm"))
      expect(rulesFor(dep).find((r) => r.groupName)?.groupName, `${dep.file}: ${dep.depName}`).toBeDefined();
  });

  it("read the RDS engine's versions as majors, the form of its pin, in the grafana group", () => {
    const deps = found.filter((d) => d.datasource === "aws-rds");
    expect(deps).toHaveLength(1);
    const dep = deps[0]!;
    expect(dep.currentValue).toMatch(/^\d+$/);
    const rules = rulesFor(dep);
    const extract = rules.find((r) => r.extractVersion)?.extractVersion;
    expect(extract, "an extractVersion for aws-rds").toBeDefined();
    expect(extract!).not.toMatch(NOT_RE2);
    const major = (v: string) => new RegExp(extract!).exec(v)?.groups?.version;
    // What DescribeDBEngineVersions returns for postgres: major.minor.
    expect(["16.9", "17.2", "17.10", "18.1"].map(major)).toEqual(["16", "17", "17", "18"]);
    expect(major(`${dep.currentValue}.4`)).toBe(dep.currentValue);
    const chart = found.find((d) => d.file === "infra/versions.ts" && d.depName === "grafana")!;
    expect(rules.find((r) => r.groupName)?.groupName).toBe(
      rulesFor(chart).find((r) => r.groupName)?.groupName,
    );
  });

  it("group the Elasticsearch client with the Stack, whose minor it must match", () => {
    const client = { file: "package.json", depName: "@elastic/elasticsearch", datasource: "npm" };
    const stack = found.find((d) => d.depName === "docker.elastic.co/elasticsearch/elasticsearch")!;
    expect(rulesFor(client).find((r) => r.groupName)?.groupName).toBe(
      rulesFor(stack).find((r) => r.groupName)?.groupName,
    );
  });

  it("leave the CI container's Node.js out of the logging group and on its major", () => {
    // Renovate's github-actions manager finds `jobs.<job>.container.image`.
    const test = parseDocument(read(".github/workflows/test.yml")).toJS() as {
      jobs: { test: { container: { image: string } } };
    };
    const [depName] = test.jobs.test.container.image.split(":");
    const rules = rulesFor({ file: ".github/workflows/test.yml", depName: depName!, datasource: "docker" });
    expect(rules.find((r) => r.groupName)).toBeUndefined();
    expect(rules.find((r) => r.matchUpdateTypes?.includes("major"))?.enabled).toBe(false);
  });
});
