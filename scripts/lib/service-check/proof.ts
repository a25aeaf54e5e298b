/**
 * The SLI proof: the scraped samples, as Prometheus would store them for this service, fed to the
 * real `promtool test rules` with this stack's rendered recording rules. Each record the service's
 * panels and alerts read is asked for as a test that expects nothing: promtool fails exactly the
 * records that have a value, and prints it.
 */
import { type Exposition, type Family, isLegacyName, normalizeLe } from "./exposition";
import type { Finding, SliResult } from "./findings";
import { SERVICE_DATA } from "../../../infra/generators/metrics";
import type { ServiceRequirements } from "./requirements";

/** Minutes of samples promtool evaluates over: the 5m windows are full, the longer ones partly. */
export const PROOF_MINUTES = 15;
const COUNTER_TYPES = new Set(["counter", "histogram", "summary"]);

const num = (x: number): string => (Object.is(x, -0) ? "0" : String(x));

/**
 * A sample's labels as Prometheus 3 stores them: `le` of a classic histogram and `quantile` of a
 * summary normalized on ingestion (textparse normalizeFloatsInLabelValues), so that the rules
 * match the threshold bucket in the proof exactly when they will in Prometheus.
 */
function stored(fam: Family, labels: Record<string, string>): Record<string, string> {
  const l = fam.type === "histogram" ? "le" : fam.type === "summary" ? "quantile" : undefined;
  const v = l === undefined ? undefined : labels[l];
  return l === undefined || v === undefined ? labels : { ...labels, [l]: normalizeLe(v) };
}

/**
 * Input series from one or two scrapes a little apart. Counters go on rising at the rate between
 * the scrapes; with one scrape, each counter rises by its own value a minute (a synthetic increment
 * with the scrape's mix of statuses and durations). Gauges keep the last value.
 */
export function inputSeries(req: ServiceRequirements, scrapes: Exposition[], namespace: string) {
  const [first, second] = scrapes;
  if (!first) return [];
  // UTF-8 names are quoted, as promtool's series syntax (PromQL's) allows since Prometheus 3.
  const q = (n: string, metric: boolean) => (isLegacyName(n, metric) ? n : JSON.stringify(n));
  const key = (name: string, labels: Record<string, string>) => {
    const pairs = Object.entries({ ...labels, job: req.service.name, namespace, instance: "service-check:0" })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${q(k, false)}=${JSON.stringify(v)}`);
    return isLegacyName(name) ? `${name}{${pairs.join(",")}}` : `{${[q(name, true), ...pairs].join(",")}}`;
  };
  const later = new Map<string, number>();
  for (const fam of second?.families.values() ?? [])
    for (const s of fam.samples) later.set(key(s.name, stored(fam, s.labels)), s.value);
  const out: { series: string; values: string }[] = [];
  const seen = new Set<string>();
  for (const fam of first.families.values())
    for (const s of fam.samples) {
      if (!Number.isFinite(s.value)) continue;
      const series = key(s.name, stored(fam, s.labels));
      // Two bounds printed differently but equal are one series to Prometheus: it keeps the first.
      if (seen.has(series)) continue;
      seen.add(series);
      const counter =
        COUNTER_TYPES.has(fam.type) && !(fam.type === "summary" && s.labels.quantile !== undefined);
      const next = later.get(series) ?? (second ? s.value : counter ? 2 * s.value : s.value);
      if (counter) {
        const d = next - s.value;
        out.push({
          series,
          values: `${num(s.value)}${d < 0 ? "-" : "+"}${num(Math.abs(d))}x${PROOF_MINUTES}`,
        });
      } else out.push({ series, values: `${num(s.value)} ${num(next)}x${PROOF_MINUTES - 1}` });
    }
  return out;
}

/** The promtool expression that asks for one record of the service. */
export const proofExpr = (record: string, namespace: string, job: string): string =>
  `min(${record}{namespace="${namespace}",job="${job}"})`;

/**
 * The service's `job:service:info` where the proof gives it another namespace than its own: the
 * rule file records it for the configured namespace, and the records that keep to configured
 * services (`and on (namespace, job) job:service:info`) join on it.
 */
function infoSeries(req: ServiceRequirements, namespace: string) {
  if (namespace === req.service.namespace) return [];
  const labels = { job: req.service.name, namespace, service: req.service.name, team: req.service.team };
  return [
    {
      series: `${SERVICE_DATA.info}{${Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}}`,
      values: `1x${PROOF_MINUTES}`,
    },
  ];
}

/** One promtool test group: the service's series and a test per record. */
export function proofGroup(req: ServiceRequirements, scrapes: Exposition[], namespace: string) {
  return {
    name: `${req.service.name}@${namespace}`,
    interval: "1m",
    input_series: [...inputSeries(req, scrapes, namespace), ...infoSeries(req, namespace)],
    promql_expr_test: req.records.map((r) => ({
      expr: proofExpr(r.record, namespace, req.service.name),
      eval_time: `${PROOF_MINUTES}m`,
      exp_samples: [],
    })),
  };
}

/** The test file around some groups, for the stack's rule file at `rulesPath`. */
export const proofFile = (req: ServiceRequirements, rulesPath: string, groups: unknown[]) => ({
  rule_files: [rulesPath],
  evaluation_interval: "1m",
  // promtool evaluates groups in random order otherwise; records read records of earlier groups.
  group_eval_order: req.ruleFile.groups.map((g) => g.name),
  tests: groups,
});

/** The value promtool printed for each expression it failed (`got: {} 1E+00`). */
export function parseProofOutput(output: string): Map<string, number> {
  const values = new Map<string, number>();
  const re = /expr: ("(?:[^"\\]|\\.)*"), time: [^\n]*\n\s*exp: [^\n]*\n\s*got: \{[^}]*\} (\S+)/g;
  for (const m of output.matchAll(re)) values.set(JSON.parse(m[1]!) as string, Number(m[2]));
  return values;
}

/** The SLIs and their findings from promtool's output. */
export function proofResults(
  req: ServiceRequirements,
  namespace: string,
  values: Map<string, number>,
  runError?: string,
): { slis: SliResult[]; findings: Finding[] } {
  if (runError)
    return {
      slis: [],
      findings: [
        {
          id: "sli.proof-failed",
          level: "error",
          subject: "promtool test rules",
          message: runError,
          fix: "",
          requirement: "the SLI proof runs promtool",
          dependents: [],
        },
      ],
    };
  const slis: SliResult[] = req.records.map((r) => {
    const v = values.get(proofExpr(r.record, namespace, req.service.name));
    return {
      record: r.record,
      value: v === undefined || Number.isNaN(v) ? null : v,
      required: r.required,
      dependents: r.dependents,
    };
  });
  const findings: Finding[] = [];
  const missing = slis.filter((s) => s.value === null);
  for (const s of missing.filter((x) => x.required))
    findings.push({
      id: "sli.no-value",
      level: "error",
      subject: s.record,
      message: `\`${s.record}\` has no value for this service: the SLO alerts that read it can never fire and its panels stay empty.`,
      fix: "Fix the metric findings above; then drive traffic between the two scrapes.",
      requirement: "recording rules of this stack (promtool test rules on the scraped samples)",
      dependents: s.dependents,
    });
  const optional = missing.filter((x) => !x.required && x.dependents.length > 0);
  if (optional.length > 0)
    findings.push({
      id: "sli.optional-no-value",
      level: "info",
      subject: optional.map((s) => s.record).join(", "),
      message: `${optional.length} records read by panels or alerts have no value: the metrics they read are not exposed or saw no traffic, or the record is absent while nothing is wrong (a resource that does not leak has no exhaustion hours).`,
      fix: "",
      requirement: "recording rules of this stack",
      dependents: optional.flatMap((s) => s.dependents.filter((d) => d.kind !== "record")).slice(0, 20),
    });
  if (req.clusterRecords.length > 0)
    findings.push({
      id: "sli.cluster-side",
      level: "info",
      subject: req.clusterRecords.map((c) => c.record).join(", "),
      message: `${req.clusterRecords.length} records read what the cluster scrapes about the service, not its own metrics, so no scrape of the service proves them: ${req.clusterRecords
        .map((c) => `\`${c.record}\` from ${c.providers.join(", ")}`)
        .join("; ")}.`,
      fix: "",
      requirement:
        "recording rules of this stack: container usage from cAdvisor and kube-state-metrics (kube-prometheus-stack), dependency probes from the blackbox exporter, joined to the service by Prometheus' scrape of its pods",
      dependents: dedupe(req.clusterRecords.flatMap((c) => c.dependents)),
    });
  if (missing.every((s) => !s.required) && slis.some((s) => s.required))
    findings.push({
      id: "sli.all-values",
      level: "info",
      subject: "SLIs",
      message:
        "Every SLI the SLO alerts read has a value: your dashboards will have data; your SLO alerts can fire.",
      fix: "",
      requirement: "recording rules of this stack",
      dependents: [],
    });
  return { slis, findings };
}

function dedupe<T extends { kind: string; name: string }>(ds: T[]): T[] {
  const seen = new Set<string>();
  return ds.filter((d) => !seen.has(`${d.kind}:${d.name}`) && seen.add(`${d.kind}:${d.name}`) !== undefined);
}
