import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CHART_DATA_DIR, chartDir, committedCharts, parseHeader } from "./chart-data";

/**
 * The chart templates and subcharts committed under tests/data/charts/<chart>/<version>/ for the
 * tests that render charts with the real Helm (tests/helpers/charts.ts): each file is listed in one
 * of the version's `*.sources` files with its git blob id at the tag that file's header names, and
 * is that file, verbatim (tests/data/charts/README.md).
 */

const blobId = (bytes: Buffer): string =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
      )
    : [];

/** Files with a header of their own (values.yaml, Chart.yaml, CRDs) or that list the others. */
const headed = (file: string) =>
  file === "values.yaml" || file === "Chart.yaml" || file.startsWith("crds/") || file.endsWith(".sources");

describe.each(committedCharts())("committed files of %s %s", (chart, version) => {
  const dir = chartDir(chart, version);
  const sources = readdirSync(dir).filter((f) => f.endsWith(".sources"));

  it("are each listed once in a .sources file, verbatim at the tag it names", () => {
    const listed = new Map<string, string>();
    for (const file of sources) {
      const text = readFileSync(join(dir, file), "utf8");
      const header = parseHeader(text, join(relative(CHART_DATA_DIR, dir), file));
      expect(header.source, file).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+ \S+$/);
      expect(header.tag, file).toMatch(/^\S+ \(commit [0-9a-f]{40}\)$/);
      for (const line of text.split("\n").filter((l) => /^[0-9a-f]{40} /.test(l))) {
        const path = line.slice(41);
        expect(listed.has(path), `${path} listed twice`).toBe(false);
        listed.set(path, line.slice(0, 40));
      }
    }
    const committed = filesUnder(dir)
      .map((f) => relative(dir, f))
      .filter((f) => !headed(f));
    expect(committed.sort()).toEqual([...listed.keys()].sort());
    for (const [file, blob] of listed) expect(blobId(readFileSync(join(dir, file))), file).toBe(blob);
  });

  it("have every subchart listed under the chart version's name and version in its own .sources file", () => {
    for (const sub of existsSync(join(dir, "charts")) ? readdirSync(join(dir, "charts")) : []) {
      const file = `subchart-${sub}.sources`;
      expect(sources, sub).toContain(file);
      const header = parseHeader(readFileSync(join(dir, file), "utf8"), file);
      const chartYaml = readFileSync(join(dir, "charts", sub, "Chart.yaml"), "utf8");
      expect(chartYaml).toMatch(new RegExp(`^name: ${header.chart}$`, "m"));
      expect(chartYaml).toMatch(new RegExp(`^version: "?${header.version.replace(/\./g, "\\.")}"?$`, "m"));
    }
  });
});
