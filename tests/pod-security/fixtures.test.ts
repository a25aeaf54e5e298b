import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  admits,
  CHECK_IDS,
  EVALUATOR_VERSION,
  type Level,
  OVERRIDES,
  type PodLike,
  violations,
} from "../helpers/pod-security";

/**
 * The offline Pod Security evaluator (tests/helpers/pod-security.ts) against the reference's own
 * fixtures: kubernetes/pod-security-admission generates, per level and version, pods that must be
 * admitted (`pass/`) and pods that must be refused (`fail/`, named after the check that refuses
 * them). Those of v1.33 are committed verbatim under tests/data/pod-security/, with the git blob id
 * of each file at the tag `fixtures.sources` names.
 */

const DIR = join(__dirname, "..", "data", "pod-security");
const SOURCES = join(DIR, "fixtures.sources");

const blobId = (bytes: Buffer): string =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );

interface Fixture {
  path: string;
  level: Exclude<Level, "privileged">;
  expect: "pass" | "fail";
  /** The check the reference generated it for (file name without its number). */
  check: string;
  pod: PodLike;
}

const fixtures = (): Fixture[] =>
  filesUnder(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => {
      const path = relative(DIR, f);
      const [level, version, expectation, file] = path.split("/") as [string, string, string, string];
      expect(version).toBe(EVALUATOR_VERSION);
      return {
        path,
        level: level as Fixture["level"],
        expect: expectation as Fixture["expect"],
        check: file.replace(/\d*\.yaml$/, ""),
        pod: parse(readFileSync(f, "utf8")) as PodLike,
      };
    });

describe("the offline Pod Security evaluator", () => {
  it("has the reference's fixtures of that version, verbatim at the tag fixtures.sources names", () => {
    const text = readFileSync(SOURCES, "utf8");
    expect(text).toMatch(
      /^# source: https:\/\/github\.com\/kubernetes\/pod-security-admission test\/testdata$/m,
    );
    expect(text).toMatch(/^# tag: v0\.\d+\.\d+ \(commit [0-9a-f]{40}\)$/m);
    const listed = new Map(
      text
        .split("\n")
        .filter((l) => /^[0-9a-f]{40} /.test(l))
        .map((l) => [l.slice(41), l.slice(0, 40)] as const),
    );
    const committed = filesUnder(DIR)
      .map((f) => relative(DIR, f))
      .filter((f) => f !== "fixtures.sources" && f !== "README.md");
    expect(new Set(committed)).toEqual(new Set(listed.keys()));
    for (const file of committed) expect(blobId(readFileSync(join(DIR, file))), file).toBe(listed.get(file));
    // Both levels, both outcomes, every check of the version.
    const all = fixtures();
    for (const level of ["baseline", "restricted"] as const)
      for (const outcome of ["pass", "fail"] as const)
        expect(all.filter((f) => f.level === level && f.expect === outcome).length).toBeGreaterThan(5);
    const covered = new Set(all.filter((f) => f.expect === "fail").map((f) => f.check));
    expect([...covered].sort()).toEqual(
      Object.keys(CHECK_IDS)
        .map((id) => id.toLowerCase())
        .sort(),
    );
  });

  it.each(fixtures().map((f) => [f.path, f] as const))("%s", (_, f) => {
    const found = violations(f.pod, f.level);
    if (f.expect === "pass") {
      expect(found).toEqual([]);
      return;
    }
    // Refused, and by the check the fixture was made for (or the restricted one that replaces it).
    const ids = found.map((v) => v.check.toLowerCase());
    const replacing = Object.entries(OVERRIDES)
      .filter(([, replaced]) => replaced.some((r) => r.toLowerCase() === f.check))
      .map(([id]) => id.toLowerCase());
    expect(
      ids.filter((id) => id === f.check || (f.level === "restricted" && replacing.includes(id))),
      JSON.stringify(found),
    ).not.toEqual([]);
    // A pod refused at baseline is refused at restricted too; one admitted at restricted is at baseline.
    if (f.level === "baseline") expect(admits(f.pod, "restricted")).toBe(false);
  });
});

describe("the API server's defaulting, which the evaluator applies before its checks", () => {
  const base = () =>
    parse(readFileSync(join(DIR, "baseline", EVALUATOR_VERSION, "pass", "base.yaml"), "utf8")) as PodLike;

  it("gives a host-network pod's container ports their host port (SetDefaults_Pod)", () => {
    const pod = base();
    pod.spec.containers![0]!.ports = [{ name: "metrics", containerPort: 9100 }];
    expect(violations(pod, "baseline")).toEqual([]);
    pod.spec.hostNetwork = true;
    expect(violations(pod, "baseline").map((v) => v.check)).toEqual(["hostNamespaces", "hostPorts"]);
  });

  it("reads a volume that names no source as an emptyDir (SetDefaults_Volume)", () => {
    const pod = parse(
      readFileSync(join(DIR, "restricted", EVALUATOR_VERSION, "pass", "base.yaml"), "utf8"),
    ) as PodLike;
    pod.spec.volumes = [{ name: "scratch" }];
    expect(violations(pod, "restricted")).toEqual([]);
    pod.spec.volumes = [{ name: "node", hostPath: { path: "/" } }];
    expect(violations(pod, "restricted").map((v) => v.check)).toEqual(["restrictedVolumes"]);
    expect(violations(pod, "baseline").map((v) => v.check)).toEqual(["hostPathVolumes"]);
  });
});
