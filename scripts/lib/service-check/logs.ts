/** The checks of a service's log lines against the log contract, as the ingest pipeline reads them. */
import type { Finding, FindingId } from "./findings";
import type { ServiceRequirements } from "./requirements";

interface Problem {
  id: FindingId;
  subject: string;
  message: string;
  fix: string;
  requirement: string;
  pipeline?: string;
}

/** Keys at any depth, as the redaction pipeline walks them (lower-cased). */
function keys(node: unknown, prefix = ""): string[] {
  if (Array.isArray(node)) return node.flatMap((v) => keys(v, prefix));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v, `${prefix}${k}.`)]);
}

export function checkLogs(req: ServiceRequirements, text: string): Finding[] {
  const problems = new Map<string, { p: Problem; lines: number[] }>();
  const add = (line: number, p: Problem) => {
    const key = `${p.id}\u0000${p.subject}`;
    const seen = problems.get(key) ?? { p, lines: [] };
    seen.lines.push(line);
    problems.set(key, seen);
  };
  const L = req.logs;
  const schema = "log contract (docs/logs.md)";
  let count = 0;
  text.split("\n").forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === "") return;
    count++;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      line = undefined;
    }
    if (line === null || typeof line !== "object" || Array.isArray(line)) {
      add(n, {
        id: "log.not-json",
        subject: "line",
        message: "line is not a JSON object",
        fix: "Write one JSON object per line (a structured logger's JSON output).",
        requirement: `${schema}: one JSON object per line`,
        pipeline: "tag invalid_json",
      });
      return;
    }
    const o = line as Record<string, unknown>;
    for (const f of L.required)
      if (f !== "request_id" && (o[f] === undefined || o[f] === null || o[f] === ""))
        add(n, {
          id: "log.field-missing",
          subject: f,
          message: `no \`${f}\``,
          fix: `Write \`${f}\` on every line.`,
          requirement: `${schema}: \`${f}\` is required`,
        });
    if (
      typeof o.timestamp === "string" &&
      (!/^\d{4}-\d{2}-\d{2}T/.test(o.timestamp) || Number.isNaN(Date.parse(o.timestamp)))
    )
      add(n, {
        id: "log.timestamp",
        subject: "timestamp",
        message: `\`timestamp\` "${o.timestamp}" is not ISO 8601`,
        fix: "Write ISO 8601 in UTC, e.g. 2023-06-08T12:00:00Z.",
        requirement: `${schema}: timestamp is ISO 8601`,
        pipeline: "tag invalid_timestamp",
      });
    else if (o.timestamp !== undefined && typeof o.timestamp !== "string")
      add(n, {
        id: "log.timestamp",
        subject: "timestamp",
        message: "`timestamp` is not a string",
        fix: "Write ISO 8601 in UTC, e.g. 2023-06-08T12:00:00Z.",
        requirement: `${schema}: timestamp is ISO 8601`,
        pipeline: "tag invalid_timestamp",
      });
    // The pipeline upper-cases `level` before it compares it with the five levels.
    if (o.level !== undefined && !(typeof o.level === "string" && L.levels.includes(o.level.toUpperCase())))
      add(n, {
        id: "log.level-unknown",
        subject: `level=${JSON.stringify(o.level)}`,
        message: `level ${JSON.stringify(o.level)} is not one of ${L.levels.join(", ")}`,
        fix: `Map your logger's levels onto ${L.levels.join(", ")} (e.g. warn → WARNING, fatal → CRITICAL).`,
        requirement: `${schema}: level is one of the five levels`,
        pipeline: "tag invalid_level",
      });
    if (o.service !== undefined && o.service !== req.service.name)
      add(n, {
        id: "log.service",
        subject: `service=${JSON.stringify(o.service)}`,
        message: `\`service\` is ${JSON.stringify(o.service)}, the configured name is "${req.service.name}"`,
        fix: `Write service: "${req.service.name}" (its name in the stack config's services).`,
        requirement: `${schema}: service equals the configured name`,
      });
    const scope = o.scope ?? "request";
    if (o.scope !== undefined && !L.scopes.includes(String(o.scope)))
      add(n, {
        id: "log.value",
        subject: "scope",
        message: `\`scope\` ${JSON.stringify(o.scope)} is not one of ${L.scopes.join(", ")}`,
        fix: `Use ${L.scopes.join(" or ")}.`,
        requirement: `${schema}: scope`,
      });
    if (scope === "request" && (o.request_id === undefined || o.request_id === null || o.request_id === ""))
      add(n, {
        id: "log.request-id-missing",
        subject: "request_id",
        message: "request-scoped line without `request_id`",
        fix: "Write the request's id on every line logged while serving it; mark lines about the process itself `scope: process`.",
        requirement: `${schema}: request_id on request-scoped lines`,
        pipeline: `tag ${L.missingRequestIdTag}`,
      });
    for (const f of L.numeric)
      if (o[f] !== undefined && !(typeof o[f] === "number" && Number.isInteger(o[f])))
        add(n, {
          id: "log.type",
          subject: f,
          message: `\`${f}\` is ${JSON.stringify(o[f])}, not a whole number`,
          fix: `Write \`${f}\` as a JSON number of milliseconds.`,
          requirement: `${schema}: ${f} is a number (mapped as long)`,
        });
    for (const [f, allowed] of L.values)
      if (f !== "level" && f !== "scope" && o[f] !== undefined && !allowed.includes(String(o[f])))
        add(n, {
          id: "log.value",
          subject: f,
          message: `\`${f}\` ${JSON.stringify(o[f])} is not one of ${allowed.join(", ")}`,
          fix: `Use one of ${allowed.join(", ")} or leave it out.`,
          requirement: `${schema}: ${f} values`,
          pipeline: f === "log_type" ? "tag invalid_log_type" : undefined,
        });
    // A plain name is removed at any depth (the scrub script); a dotted one is a path (its remove processor).
    for (const k of keys(o))
      if (L.redacted.includes(k.split(".").at(-1)!.toLowerCase()) || L.redacted.includes(k.toLowerCase()))
        add(n, {
          id: "log.sensitive-field",
          subject: k,
          message: `field \`${k}\` is one the pipeline removes (sensitive)`,
          fix: `Do not log \`${k}\`: the value never reaches Elasticsearch, and it sat in clear in the container's log file.`,
          requirement: "log redaction (built-in sensitive fields + logging.redactFields)",
          pipeline: "redact: remove",
        });
  });
  const findings: Finding[] = [...problems.values()].map(({ p, lines }) => ({
    id: p.id,
    level: "error",
    subject: p.subject,
    message: `${p.message} (${lines.length} of ${count} lines, e.g. line ${lines.slice(0, 3).join(", ")})`,
    fix: p.fix,
    requirement: p.requirement,
    dependents: p.pipeline ? [{ kind: "pipeline", name: p.pipeline }] : [],
  }));
  if (count === 0)
    findings.push({
      id: "log.empty",
      level: "warning",
      subject: "logs",
      message: "no log lines to check",
      fix: "Pass the service's log output (a file, or - for standard input).",
      requirement: schema,
      dependents: [],
    });
  return findings;
}
