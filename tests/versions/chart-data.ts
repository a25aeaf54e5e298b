import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CHART_GROUPS } from "../../infra/generators/platform/chart-rules";

/**
 * The Helm charts' own files, committed under tests/data/charts/<chart>/<version>/ (values.yaml and
 * Chart.yaml, each verbatim below a header naming its source), and the check of the values the
 * program sets against them.
 */

export const CHART_DATA_DIR = join(__dirname, "..", "data", "charts");

export interface ChartHeader {
  chart: string;
  version: string;
  source: string;
  tag: string;
}

export interface ChartData {
  header: { values: ChartHeader; chart: ChartHeader };
  /** values.yaml parsed. */
  values: Record<string, unknown>;
  /** Dotted paths of keys values.yaml documents only in a comment (`# podLabels: {}`). */
  commented: Set<string>;
  /** Chart.yaml parsed. */
  chartYaml: { name: string; version: string; appVersion?: string };
}

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const HEADER = /^# (chart|source|tag): (.+)$/;
/** The header's last line: what follows is the chart's file as it is. */
export const HEADER_END = "# Everything below this header is that file, verbatim.";

/** The `# chart:`, `# source:` and `# tag:` lines at the top of a committed chart file. */
export function parseHeader(text: string, file: string): ChartHeader {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = HEADER.exec(line);
    if (!m) break;
    fields[m[1] as string] = (m[2] as string).trim();
  }
  const [chart, version, ...rest] = (fields.chart ?? "").split(" ");
  if (!chart || !version || rest.length > 0 || !fields.source || !fields.tag)
    throw new Error(
      `${file}: expected a header of "# chart: <name> <version>", "# source: <repository> <path>" and "# tag: <tag> (commit <sha>)" lines (tests/data/charts/README.md)`,
    );
  return { chart, version, source: fields.source, tag: fields.tag };
}

export const chartDir = (chart: string, version: string): string => join(CHART_DATA_DIR, chart, version);

/** How to add the files of a chart version that is not committed yet. */
export function missingChartMessage(chart: string, version: string, repo: string, who: string): string {
  const dir = `tests/data/charts/${chart}/${version}`;
  return [
    `${who} ${chart} ${version} from ${repo}, but ${dir}/values.yaml and Chart.yaml are not committed. Add them:`,
    `  helm repo add chart-source ${repo} && helm repo update chart-source`,
    `  mkdir -p ${dir}`,
    `  helm show values chart-source/${chart} --version ${version} > ${dir}/values.yaml`,
    `  helm show chart chart-source/${chart} --version ${version} > ${dir}/Chart.yaml`,
    "then put the header of tests/data/charts/README.md on top of each (chart, source, tag and commit).",
  ].join("\n");
}

export function hasChartData(chart: string, version: string): boolean {
  const dir = chartDir(chart, version);
  return existsSync(join(dir, "values.yaml")) && existsSync(join(dir, "Chart.yaml"));
}

/** For each wanted chart version without committed files, what to add and how (once per version). */
export function missingChartFiles(
  wanted: { chart: string; version: string; repo: string; who: string }[],
): string[] {
  const seen = new Set<string>();
  return wanted.flatMap(({ chart, version, repo, who }) => {
    const key = `${chart}@${version}`;
    if (seen.has(key) || hasChartData(chart, version)) return [];
    seen.add(key);
    return [missingChartMessage(chart, version, repo, who)];
  });
}

/** Every committed chart and version, as [chart, version]. */
export function committedCharts(): [string, string][] {
  return readdirSync(CHART_DATA_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(CHART_DATA_DIR, d.name), { withFileTypes: true })
        .filter((v) => v.isDirectory())
        .map((v) => [d.name, v.name] as [string, string]),
    );
}

const cache = new Map<string, ChartData>();

export function chartData(chart: string, version: string): ChartData {
  const key = `${chart}@${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = chartDir(chart, version);
  const valuesText = readFileSync(join(dir, "values.yaml"), "utf8");
  const chartText = readFileSync(join(dir, "Chart.yaml"), "utf8");
  const values = parse(valuesText) as unknown;
  const data: ChartData = {
    header: {
      values: parseHeader(valuesText, join(dir, "values.yaml")),
      chart: parseHeader(chartText, join(dir, "Chart.yaml")),
    },
    values: isMap(values) ? values : {},
    commented: commentedKeys(valuesText),
    chartYaml: parse(chartText) as ChartData["chartYaml"],
  };
  cache.set(key, data);
  return data;
}

const KEY_LINE = /^( *)([^\s#-][^:]*?):(?:\s|$)/;
const LIST_ITEM = /^( *)- /;
const COMMENTED_KEY = /^( *)# ([A-Za-z_][\w.-]*):(?: |$)/;
const BLOCK_SCALAR = /:\s*[|>][-+0-9]*\s*(#.*)?$/;

/**
 * Keys a values.yaml documents in a comment instead of giving them a default, the way charts
 * document optional keys (`# ingressClassName: nginx`, `# podLabels: {}`): a line `# <key>:` whose
 * `#` stands where the real keys of the same map start. Example blocks indented further inside a
 * comment (`#   nodeSelectorTerms:`) are not keys; lines inside block scalars and list items are
 * skipped.
 */
export function commentedKeys(text: string): Set<string> {
  const all = text.split("\n");
  // Our own header (parseHeader) is not part of the chart's file.
  const lines = all.slice(all.findIndex((l) => !HEADER.test(l) && l !== HEADER_END));
  // Pass 1: the path of every real key line, and the column where each map's keys start.
  type Frame = { indent: number; key: string | null };
  const childIndent = new Map<string, number>();
  const pathOf = (stack: Frame[]): string | null =>
    stack.some((f) => f.key === null) ? null : stack.map((f) => f.key).join(".");
  const scan = (onComment?: (stack: Frame[], indent: number, key: string) => void) => {
    const stack: Frame[] = [];
    let blockIndent = -1;
    for (const line of lines) {
      const indent = line.length - line.trimStart().length;
      if (blockIndent >= 0) {
        if (line.trim() === "" || indent > blockIndent) continue;
        blockIndent = -1;
      }
      const comment = COMMENTED_KEY.exec(line);
      if (comment) {
        const col = (comment[1] as string).length;
        while (stack.length > 0 && (stack.at(-1) as Frame).indent >= col) stack.pop();
        onComment?.(stack, col, comment[2] as string);
        continue;
      }
      if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
      const item = LIST_ITEM.exec(line);
      if (item) {
        while (stack.length > 0 && (stack.at(-1) as Frame).indent >= indent) stack.pop();
        stack.push({ indent, key: null });
        if (BLOCK_SCALAR.test(line)) blockIndent = indent;
        continue;
      }
      const key = KEY_LINE.exec(line);
      if (!key) continue;
      while (stack.length > 0 && (stack.at(-1) as Frame).indent >= indent) stack.pop();
      const parent = pathOf(stack);
      if (parent !== null && !childIndent.has(parent)) childIndent.set(parent, indent);
      stack.push({ indent, key: (key[2] as string).replace(/^["']|["']$/g, "") });
      if (BLOCK_SCALAR.test(line)) blockIndent = indent;
    }
  };
  scan();
  const found = new Set<string>();
  scan((stack, col, key) => {
    const parent = pathOf(stack);
    if (parent === null) return;
    const expected = childIndent.get(parent);
    if (expected !== undefined && expected !== col) return;
    found.add(parent === "" ? key : `${parent}.${key}`);
  });
  return found;
}

/** A subtree the chart hands to another program as it is, so the chart's values.yaml cannot list its keys. */
export interface Passthrough {
  /**
   * `file`: another program's configuration file (its keys are that program's, not the chart's).
   * `map`: a Kubernetes or CRD field whose default is `{}` and which the chart copies as it is.
   * `field`: a Kubernetes field the chart copies as it is, whose default sets some of its keys.
   */
  kind: "file" | "map" | "field";
  why: string;
}

/**
 * The only places below which any key is accepted, per chart. Everywhere else a key must be in
 * the chart version's values.yaml (as a key, or documented in a comment).
 */
export const PASSTHROUGH: Readonly<Record<string, Readonly<Record<string, Passthrough>>>> = {
  "kube-prometheus-stack": {
    "defaultRules.disabled": {
      kind: "map",
      why: "names of the chart's default alerts; tests/platform/chart-rules.test.ts checks each against the chart's rule templates",
    },
    "defaultRules.additionalRuleLabels": {
      kind: "map",
      why: "labels the chart adds to every default alert: label names are ours",
    },
    ...Object.fromEntries(
      Object.entries(CHART_GROUPS)
        .filter(([, g]) => "component" in g)
        .flatMap(([key]) => [
          [
            `defaultRules.additionalRuleGroupLabels.${key}`,
            { kind: "map", why: "labels the chart adds to that rule group's alerts: label names are ours" },
          ],
          [
            `defaultRules.additionalRuleGroupAnnotations.${key}`,
            { kind: "map", why: "annotations the chart adds to that rule group's alerts, replacing its own" },
          ],
        ]),
    ),
    "alertmanager.config": {
      kind: "file",
      why: "Alertmanager's configuration file: the chart writes it as it is into the Secret Alertmanager reads",
    },
    "alertmanager.alertmanagerSpec.resources": {
      kind: "map",
      why: "the Alertmanager resource's spec.resources, a Kubernetes ResourceRequirements",
    },
    "alertmanager.alertmanagerSpec.storage": {
      kind: "map",
      why: "the Alertmanager resource's spec.storage, the operator's StorageSpec (a volumeClaimTemplate)",
    },
    "prometheus.prometheusSpec.externalLabels": {
      kind: "map",
      why: "the Prometheus resource's spec.externalLabels: label names are ours",
    },
    "prometheus.prometheusSpec.thanos": {
      kind: "field",
      why: "the Prometheus resource's spec.thanos (the operator's ThanosSpec): the chart renders `image` and `objectStorageConfig.existingSecret` (as a SecretKeySelector) and copies every other key as it is; tests/thanos/sidecar.test.ts renders the chart's template with our values and checks the result",
    },
    "prometheus.serviceAccount.annotations": {
      kind: "map",
      why: "annotations of Prometheus's ServiceAccount: names are ours (EKS's `eks.amazonaws.com/role-arn` for the Thanos sidecar's IAM role)",
    },
    "prometheus.prometheusSpec.resources": {
      kind: "map",
      why: "the Prometheus resource's spec.resources, a Kubernetes ResourceRequirements",
    },
    "prometheus.prometheusSpec.storageSpec": {
      kind: "map",
      why: "the Prometheus resource's spec.storage, the operator's StorageSpec (a volumeClaimTemplate)",
    },
  },
  grafana: {
    "grafana.ini": {
      kind: "file",
      why: "Grafana's own ini file: sections and keys are Grafana's settings, rendered into grafana.ini",
    },
    resources: { kind: "map", why: "the Grafana container's resources, a Kubernetes ResourceRequirements" },
    podLabels: { kind: "map", why: "labels of the Grafana pod: label names are ours" },
    podAnnotations: {
      kind: "map",
      why: "annotations of the Grafana pod template (deployment.yaml copies them with toYaml): names are ours (the OAuth client secret's checksum)",
    },
    deploymentStrategy: {
      kind: "field",
      why: "the Deployment's spec.strategy, a Kubernetes DeploymentStrategy the chart copies as it is (toYaml)",
    },
    affinity: {
      kind: "map",
      why: "the pod's spec.affinity, a Kubernetes Affinity the chart copies as it is (toYaml through tpl)",
    },
    envValueFrom: {
      kind: "map",
      why: "extra env of the Grafana container: the names are ours (GF_<SECTION>_<KEY>), each value a Kubernetes EnvVarSource the chart copies",
    },
    podDisruptionBudget: {
      kind: "map",
      why: "the PodDisruptionBudget's spec: the chart reads minAvailable, maxUnavailable and unhealthyPodEvictionPolicy from it (listed in the comment below the key)",
    },
    securityContext: {
      kind: "field",
      why: "the pod's spec.securityContext, a Kubernetes PodSecurityContext the chart copies as it is (toYaml, templates/_pod.tpl); tests/pod-security/ renders the chart with our values and checks the pod",
    },
  },
  "eck-operator": {
    podSecurityContext: {
      kind: "field",
      why: "the operator pod's spec.securityContext, a Kubernetes PodSecurityContext the chart copies as it is (toYaml, templates/statefulset.yaml); tests/pod-security/ renders the chart with our values and checks the pod",
    },
  },
};

/**
 * Every key of `values` that the chart's values.yaml does not have, as full dotted paths. Lists are
 * leaves (their items are Kubernetes objects the chart copies). Below a `passthrough` path anything
 * is accepted; below any other map only the chart's keys, so a key under a `{}` default is unknown
 * unless its path is listed.
 */
export function unknownValueKeys(
  values: Record<string, unknown>,
  chart: Pick<ChartData, "values" | "commented">,
  passthrough: Readonly<Record<string, Passthrough>> = {},
): string[] {
  const unknown: string[] = [];
  const walk = (value: Record<string, unknown>, defaults: unknown, path: string) => {
    for (const [key, v] of Object.entries(value)) {
      const p = path ? `${path}.${key}` : key;
      const known = (isMap(defaults) && key in defaults) || chart.commented.has(p);
      if (!known) {
        unknown.push(p);
        continue;
      }
      if (p in passthrough) continue;
      if (isMap(v)) walk(v, isMap(defaults) ? defaults[key] : undefined, p);
    }
  };
  walk(values, chart.values, "");
  return unknown;
}

/** The value at a dotted path, or undefined; a key may hold dots itself (`grafana.ini`). */
export function at(values: unknown, path: string): unknown {
  if (path === "") return values;
  if (!isMap(values)) return undefined;
  const parts = path.split(".");
  for (let i = parts.length; i > 0; i--) {
    const key = parts.slice(0, i).join(".");
    if (key in values) return at(values[key], parts.slice(i).join("."));
  }
  return undefined;
}

/** `v3.14.0-distroless` → `3.14.0`: the release an image tag or appVersion names. */
export function releaseOf(tag: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+)(?:$|[-+])/.exec(tag)?.[1];
}
