/** The checks of one scrape against the service's requirements: pure, from parsed families. */
import type { ContractMetric } from "../../../infra/catalog/metric-contract";
import { type Exposition, type Family, normalizeLe, underscoreEscape } from "./exposition";
import type { Finding, FindingLevel } from "./findings";
import { type ServiceRequirements, TARGET_LABELS } from "./requirements";

/** Distinct values of one label in one family above which it looks unbounded. */
export const DEFAULT_MAX_LABEL_VALUES = 100;

/** Unit suffixes the contract's names end with (Prometheus' base units). */
const UNIT_SUFFIXES = ["_seconds", "_bytes"];
const UNIT_ABBREVIATIONS: Record<string, string[]> = { seconds: ["s", "seconds"], bytes: ["By", "bytes"] };

/**
 * A value that names one thing rather than a kind of thing: ids, uuids, hashes, numbers, and long
 * tokens with a digit (a route's words, `password-reset-confirmation`, have none).
 */
const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{24,})$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;
const PERSONAL_NAME =
  /(^|_)(e_?mail|phone|ssn|user_?name|user_?id|customer_?id|client_?ip|client_address|remote_addr|ip_address)($|_)/i;
/** Labels that name the platform's own targets or destinations: an address there is no person. */
const ADDRESS_LABELS = new Set(["instance", "server_address", "le", "quantile"]);

function finding(
  f: Omit<Finding, "dependents" | "fix"> & Partial<Pick<Finding, "dependents" | "fix">>,
): Finding {
  return { fix: "", dependents: [], ...f };
}

/**
 * Where the contract metric is, under its own name or a near miss: no unit suffix, milliseconds,
 * or a UTF-8 name (`http.server.request.duration_seconds`) that the rules' name escapes.
 */
function locate(m: ContractMetric, ex: Exposition): { family?: Family; nearMiss?: Family; utf8?: Family } {
  const names = [m.name, ...(m.type === "counter" ? [m.name.replace(/_total$/, "")] : [])];
  const own = names.map((n) => ex.families.get(n)).find((f) => f !== undefined);
  if (own) return { family: own };
  const suffix = UNIT_SUFFIXES.find((s) => m.name.endsWith(s));
  const candidates = suffix
    ? [
        m.name.slice(0, -suffix.length),
        m.name.replace(/_seconds$/, "_milliseconds"),
        m.name.replace(/_seconds$/, "_ms"),
      ]
    : [];
  const nearMiss = candidates.map((c) => ex.families.get(c)).find((f) => f !== undefined);
  if (nearMiss) return { nearMiss };
  // Prometheus 3 asks for UTF-8 names (escaping=allow-utf-8) and stores the name as it comes.
  const utf8 = [...ex.families.values()].find(
    (f) =>
      f.name !== underscoreEscape(f.name) && [...names, ...candidates].includes(underscoreEscape(f.name)),
  );
  return utf8 ? { utf8 } : {};
}

const bounds = (f: Family): { raw: string; value: number }[] => {
  const seen = new Map<string, number>();
  for (const s of f.samples)
    if (s.name.endsWith("_bucket") && s.labels.le !== undefined)
      seen.set(s.labels.le, Number.parseFloat(s.labels.le));
  return [...seen.entries()].map(([raw, value]) => ({ raw, value })).sort((a, b) => a.value - b.value);
};

export interface MetricCheckOptions {
  maxLabelValues?: number;
  /** Lines of `promtool check metrics` (its lint), one problem each. */
  lint?: string[];
}

export function checkMetrics(
  req: ServiceRequirements,
  ex: Exposition,
  opts: MetricCheckOptions = {},
): Finding[] {
  const out: Finding[] = [];
  const max = opts.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES;
  for (const line of ex.unreadable)
    out.push(
      finding({
        id: "exposition.unreadable",
        level: "error",
        subject: "exposition",
        message: line,
        fix: "Expose the Prometheus text or OpenMetrics format.",
        requirement: "Prometheus scrapes the text or OpenMetrics format",
      }),
    );
  // A lint of a family the platform reads is the team's to fix; one of a family nothing here reads
  // (a client library's own, such as prom-client's gauge `nodejs_active_handles_total`) is noted
  // only, so that `--fail-on warning` does not fail every service built on that library.
  const readNames = new Set([...req.metrics.map((m) => m.name), ...req.overrideMetrics.keys()]);
  const readByPlatform = (name: string) =>
    [name, name.replace(/_(bucket|sum|count|total|created)$/, "")].some(
      (n) => readNames.has(n) || readNames.has(`${n}_total`),
    );
  for (const line of opts.lint ?? [])
    out.push(
      finding({
        id: "promtool.lint",
        level: readByPlatform(line.split(" ")[0] ?? "") ? "warning" : "info",
        subject: line.split(" ")[0] ?? "",
        message: `promtool check metrics: ${line}`,
        fix: "See Prometheus' naming best practices (base units, `_total` on counters, HELP text).",
        requirement: "promtool check metrics (the Prometheus naming conventions)",
      }),
    );

  for (const m of req.metrics) {
    const required = req.required.has(m.id);
    const dependents = req.metricDependents.get(m.id) ?? [];
    const requirement = `metric contract (docs/metrics.md): \`${m.name}\`, ${m.type} in ${m.unit}${required ? ", read by the service's SLO alerts" : ""}`;
    const hard: FindingLevel = required ? "error" : "warning";
    const { family, nearMiss, utf8 } = locate(m, ex);
    const fam = family ?? nearMiss ?? utf8;
    if (utf8) {
      out.push(
        finding({
          id: "metric.utf8-name",
          level: hard,
          subject: utf8.name,
          message: `\`${utf8.name}\` is exposed under a UTF-8 name where the rules read \`${m.name}\`: Prometheus 3 asks for UTF-8 names (\`escaping=allow-utf-8\`) and stores them as written, so every record that reads it stays empty.`,
          fix: `Expose it as \`${m.name}\`: use the Prometheus exporter's UnderscoreEscapingWithSuffixes translation strategy (the OpenTelemetry default), not NoUTF8EscapingWithSuffixes or NoTranslation.`,
          requirement,
          dependents,
        }),
      );
    } else if (!family && nearMiss) {
      out.push(
        finding({
          id: "metric.unit-suffix",
          level: hard,
          subject: nearMiss.name,
          message: `\`${nearMiss.name}\`${nearMiss.unit ? ` (UNIT ${nearMiss.unit})` : ""} is exposed where the rules read \`${m.name}\`: the exporter's translation strategy leaves the unit suffix out, so every record that reads it stays empty.`,
          fix: `Expose it as \`${m.name}\`: use a Prometheus exporter translation strategy that adds unit suffixes (UnderscoreEscapingWithSuffixes), or rename the instrument in an SDK View (OpenTelemetry JS's exporter never adds them).`,
          requirement,
          dependents,
        }),
      );
    } else if (!family) {
      out.push(
        finding({
          id: "metric.missing",
          level: required ? "error" : "info",
          subject: m.name,
          message: required
            ? `\`${m.name}\` is not exposed: the service's SLO alerts can never fire and its panels stay empty.`
            : `\`${m.name}\` is not exposed${m.optional ? ` (${m.optional})` : ""}: what reads it stays empty for this service.`,
          fix: required
            ? `Instrument ${m.otelName ? `\`${m.otelName}\` (OpenTelemetry semantic conventions)` : `\`${m.name}\``} as the metric contract says.`
            : "",
          requirement,
          dependents,
        }),
      );
      continue;
    }
    if (!fam) continue;
    // OpenTelemetry JS's Prometheus exporter writes an exponential histogram as TYPE untyped with
    // no samples; the text formats Prometheus scrapes here have classic buckets only.
    if (m.type === "histogram" && fam.type !== "histogram" && fam.samples.length === 0)
      out.push(
        finding({
          id: "metric.type",
          level: hard,
          subject: fam.name,
          message: `\`${fam.name}\` is declared (${fam.type}) but has no samples: an exponential (base-2) histogram the exporter cannot write in the text formats, which this stack scrapes (it does not scrape native histograms).`,
          fix: "Aggregate it as an explicit-bucket histogram with boundaries in seconds in your SDK's view (not the base-2 exponential aggregation).",
          requirement,
          dependents,
        }),
      );
    else if (fam.type !== m.type)
      out.push(
        finding({
          id: "metric.type",
          level: hard,
          subject: fam.name,
          message: `\`${fam.name}\` is a ${fam.type}, the contract's is a ${m.type}.`,
          fix: `Make it a ${m.type}.`,
          requirement,
          dependents,
        }),
      );
    const units = UNIT_ABBREVIATIONS[m.unit];
    if (fam.unit && units && !units.includes(fam.unit))
      out.push(
        finding({
          id: "metric.unit",
          level: hard,
          subject: fam.name,
          message: `\`${fam.name}\` declares unit \`${fam.unit}\`; the contract's is ${m.unit}.`,
          fix: `Record it in ${m.unit}.`,
          requirement,
          dependents,
        }),
      );
    if (m.type === "histogram" && fam.type === "histogram")
      checkHistogram(req, m, fam, required, dependents, out);
    checkLabels(req, m, fam, required, max, dependents, out);
  }
  out.push(...overrideSeries(req, ex));
  out.push(...personalData(ex));
  return out;
}

/**
 * The series the service's query overrides read instead of the contract's (`services[].queries`):
 * the records that use an override read nothing else, so each such series must be exposed.
 */
function overrideSeries(req: ServiceRequirements, ex: Exposition): Finding[] {
  const exposed = new Set<string>();
  for (const fam of ex.families.values()) {
    exposed.add(fam.name);
    for (const s of fam.samples) exposed.add(s.name);
  }
  return [...req.overrideMetrics.entries()].map(([metric, o]) => {
    const keys = o.queries.map((q) => `services[${req.service.name}].queries.${q}`).join(", ");
    const requirement = `${keys} (Pulumi.${req.stack}.yaml): the records that use ${o.queries.length > 1 ? "these overrides" : "this override"} read \`${metric}\`${o.required ? ", and the service's SLO alerts read them" : ""}`;
    return exposed.has(metric)
      ? finding({
          id: "override.present",
          level: "info",
          subject: metric,
          message: `\`${metric}\`, which ${keys} ${o.queries.length > 1 ? "read" : "reads"}, is exposed.`,
          requirement,
          dependents: o.dependents,
        })
      : finding({
          id: "override.missing",
          level: o.required ? "error" : "warning",
          subject: metric,
          message: `\`${metric}\` is not exposed, and ${keys} ${o.queries.length > 1 ? "read" : "reads"} it: the records that use the override stay empty${o.required ? " and the service's SLO alerts can never fire" : ""}.`,
          fix: `Expose \`${metric}\`, or change or remove the override in the stack config.`,
          requirement,
          dependents: o.dependents,
        });
  });
}

function checkHistogram(
  req: ServiceRequirements,
  m: ContractMetric,
  fam: Family,
  required: boolean,
  dependents: Finding["dependents"],
  out: Finding[],
) {
  const b = bounds(fam);
  const finite = b.filter((x) => Number.isFinite(x.value));
  const top = finite.at(-1)?.value ?? 0;
  const lowest = finite.find((x) => x.value > 0)?.value ?? 0;
  // OpenTelemetry's default boundaries are 0, 5, 10, … 10000. A request histogram reaching 1000
  // is milliseconds; one reaching 100 is too when it starts at 1 or more (a seconds histogram with
  // a 120 s bucket for slow uploads starts at a few milliseconds). A job histogram starting at 5
  // and reaching thousands is milliseconds.
  const msSized =
    m.id === "backgroundJobDuration"
      ? lowest >= 5 && top >= 5000
      : top >= 1000 || (top >= 100 && lowest >= 1);
  if (m.unit === "seconds" && msSized)
    out.push(
      finding({
        id: "histogram.milliseconds",
        level: required ? "error" : "warning",
        subject: fam.name,
        message: `\`${fam.name}\`'s bucket bounds (${finite.map((x) => x.raw).join(", ")}) look like milliseconds: the SDK's default boundaries, or a duration recorded in ms under a seconds name.`,
        fix: "Record seconds and set explicit bucket boundaries in seconds in your SDK's view (e.g. 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).",
        requirement: `metric contract: \`${m.name}\` in seconds`,
        dependents,
      }),
    );
  if (m.id !== "httpServerDuration" || req.latencyThresholdSeconds === undefined) return;
  const t = req.latencyThresholdSeconds;
  const want = normalizeLe(String(t));
  const stored = b.map((x) => normalizeLe(x.raw));
  const matched = stored.some((s) =>
    new RegExp(`^(?:${req.thresholdLeRegex!.replaceAll("\\\\", "\\")})$`).test(s),
  );
  const requirement = `services[${req.service.name}].slo.latencyThresholdSeconds = ${t}: the latency SLI counts requests in the bucket \`le="${want}"\` (as Prometheus 3 stores it)`;
  const sloDeps = req.records
    .filter((r) => r.topic === "slo" && r.record.includes("slow"))
    .flatMap((r) => [
      { kind: "record" as const, name: r.record },
      ...r.dependents.filter((d) => d.kind === "alert"),
    ]);
  if (!stored.includes(want) || !matched) {
    const below = finite.filter((x) => x.value < t).at(-1)?.raw;
    const above = finite.find((x) => x.value > t)?.raw;
    out.push(
      finding({
        id: "histogram.threshold-bucket",
        level: "error",
        subject: `${fam.name}{le="${want}"}`,
        message: `No bucket bound at the SLO latency threshold ${t}s${finite.length ? ` (nearest: ${[below, above].filter(Boolean).join(" and ")})` : ""}: the latency SLI has no value and the latency SLO alerts can never fire.`,
        fix: `Set explicit bucket boundaries that include ${t} in your SDK's view (or histogram's buckets), or set slo.latencyThresholdSeconds to one of your bounds.`,
        requirement,
        dependents: dedupe(sloDeps),
      }),
    );
  } else
    out.push(
      finding({
        id: "histogram.threshold-bucket",
        level: "info",
        subject: `${fam.name}{le="${want}"}`,
        message: `The SLO latency threshold ${t}s is a bucket bound (stored as le="${want}").`,
        requirement,
        dependents: dedupe(sloDeps),
      }),
    );
}

function checkLabels(
  req: ServiceRequirements,
  m: ContractMetric,
  fam: Family,
  required: boolean,
  max: number,
  dependents: Finding["dependents"],
  out: Finding[],
) {
  const read = req.labelsRead.get(m.id) ?? new Set<string>();
  const names = new Set(fam.samples.flatMap((s) => Object.keys(s.labels)));
  for (const l of m.labels) {
    if (TARGET_LABELS.has(l.name) || l.name === "le" || names.has(l.name)) continue;
    const level: FindingLevel = required && read.has(l.name) ? "error" : "warning";
    // `http.route` where the rules read `http_route`: a UTF-8 label name, stored as written.
    const utf8 = [...names].find((n) => n !== l.name && underscoreEscape(n, false) === l.name);
    out.push(
      finding({
        id: "label.missing",
        level,
        subject: `${fam.name}{${l.name}}`,
        message: utf8
          ? `\`${fam.name}\` has \`${utf8}\` where the rules read \`${l.name}\` (${l.meaning}): Prometheus 3 stores UTF-8 label names as written${read.has(l.name) ? ", so the records that select on it stay empty" : ""}.`
          : `\`${fam.name}\` has no \`${l.name}\` label (${l.meaning})${read.has(l.name) ? ": the records that select on it stay empty" : ""}.`,
        fix: utf8
          ? "Use the Prometheus exporter's UnderscoreEscapingWithSuffixes translation strategy (the OpenTelemetry default), which writes label names with underscores."
          : `Add the \`${l.name}\` attribute/label${l.values ? ` (${l.values})` : ""}.`,
        requirement: `metric contract: \`${m.name}\` labels`,
        dependents: read.has(l.name) ? dependents : [],
      }),
    );
  }
  for (const label of names) {
    if (TARGET_LABELS.has(label) || label === "le" || label === "quantile") continue;
    const values = [
      ...new Set(fam.samples.map((s) => s.labels[label]).filter((v): v is string => v !== undefined)),
    ];
    // A status code is a number by design, one of a few: no id.
    const ids = /status_code$/.test(label)
      ? []
      : values.filter((v) => v.includes("?") || v.split("/").some((seg) => ID_SEGMENT.test(seg)));
    if (ids.length > 0 || values.length > max)
      out.push(
        finding({
          id: "label.unbounded",
          level: ids.length > 0 && /route|path|url|target/.test(label) ? "error" : "warning",
          subject: `${fam.name}{${label}}`,
          message:
            ids.length > 0
              ? `\`${label}\` carries values that name single things (${ids
                  .slice(0, 3)
                  .map((v) => `"${v}"`)
                  .join(", ")}): one series per id, without bound.`
              : `\`${label}\` has ${values.length} distinct values (limit ${max}).`,
          fix:
            label === "http_route"
              ? "Set `http_route` to the matched route template (`/users/:id`), never the request's path."
              : `Keep \`${label}\`'s values to a small fixed set; put ids in logs or traces.`,
          requirement: "metric contract: labels are low-cardinality (each value is a series in Prometheus)",
          dependents,
        }),
      );
  }
}

function personalData(ex: Exposition): Finding[] {
  const out: Finding[] = [];
  for (const fam of ex.families.values()) {
    const names = new Set(fam.samples.flatMap((s) => Object.keys(s.labels)));
    for (const label of names) {
      const values = fam.samples.map((s) => s.labels[label] ?? "");
      const email = values.find((v) => EMAIL.test(v));
      const ip = ADDRESS_LABELS.has(label) ? undefined : values.find((v) => IPV4.test(v));
      if (PERSONAL_NAME.test(label) || email || ip)
        out.push(
          finding({
            id: "label.personal-data",
            level: email || ip ? "error" : "warning",
            subject: `${fam.name}{${label}}`,
            message: `\`${label}\` looks like personal data${email || ip ? ` (value "${email ?? ip}")` : ""}: metrics are kept for months and shown to every team.`,
            fix: `Drop \`${label}\` from the metric; keep who did what in the logs, where the pipeline redacts it.`,
            requirement: "spec: avoid sensitive data (metrics carry no personal data)",
          }),
        );
    }
  }
  return out;
}

function dedupe<T extends { kind: string; name: string }>(ds: T[]): T[] {
  const seen = new Set<string>();
  return ds.filter((d) => !seen.has(`${d.kind}:${d.name}`) && seen.add(`${d.kind}:${d.name}`) !== undefined);
}
