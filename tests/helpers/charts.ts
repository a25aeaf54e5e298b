import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { chartData, chartDir } from "../versions/chart-data";
import { runTool } from "./tools";

/**
 * A chart's committed files (tests/data/charts/<chart>/<version>/: values.yaml, Chart.yaml, and the
 * templates and subcharts listed in its `*.sources` files, verbatim) rendered by the real Helm
 * (`npm run tools`) with the values a release sets. The one substitution: the Chart.yaml handed to
 * Helm lists only the dependencies whose subchart is committed (under `charts/`); Helm refuses a
 * chart whose listed dependencies are missing, and the others render no pod of this stack
 * (kube-prometheus-stack's Grafana and Windows exporter are off, the eck-operator's CRD subchart
 * holds CRDs only).
 */

/** EKS's current Kubernetes minor: what the charts' capability checks see. */
export const KUBE_VERSION = "1.33.0";

export type K8sObject = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
};

export interface ChartRender {
  chart: string;
  version: string;
  /** Release name and namespace, as the release would install it. */
  name: string;
  namespace: string;
  values: Record<string, unknown>;
  /** Without the committed subcharts (faster, for renders of the parent's own templates). */
  subcharts?: boolean;
}

export function renderChart(r: ChartRender): K8sObject[] {
  const src = chartDir(r.chart, r.version);
  const dir = mkdtempSync(join(tmpdir(), "obs-chart-"));
  try {
    const { dependencies, ...chartYaml } = chartData(r.chart, r.version).chartYaml as Record<
      string,
      unknown
    > & {
      dependencies?: { name: string }[];
    };
    const useSubcharts = r.subcharts !== false && existsSync(join(src, "charts"));
    const kept = useSubcharts
      ? (dependencies ?? []).filter((d) => existsSync(join(src, "charts", d.name)))
      : [];
    writeFileSync(
      join(dir, "Chart.yaml"),
      stringify(kept.length > 0 ? { ...chartYaml, dependencies: kept } : chartYaml),
    );
    writeFileSync(join(dir, "values.yaml"), readFileSync(join(src, "values.yaml"), "utf8"));
    cpSync(join(src, "templates"), join(dir, "templates"), { recursive: true });
    if (useSubcharts) cpSync(join(src, "charts"), join(dir, "charts"), { recursive: true });
    writeFileSync(join(dir, "ours.json"), JSON.stringify(r.values));
    const out = runTool("helm", [
      "template",
      r.name,
      dir,
      `--namespace=${r.namespace}`,
      `--kube-version=${KUBE_VERSION}`,
      `--values=${join(dir, "ours.json")}`,
    ]);
    if (out.status !== 0) throw new Error(`helm template ${r.chart} ${r.version} failed: ${out.stderr}`);
    return parseAllDocuments(out.stdout).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
      const o = doc.toJS() as K8sObject | null;
      return o ? [o] : [];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
