/** The report: findings in order, a table for people, JSON for machines, an exit code. */
import { FINDING_LEVELS, type Finding, fails, type Report, type SliResult } from "./findings";
import type { ServiceRequirements } from "./requirements";

export function buildReport(
  req: ServiceRequirements,
  findings: Finding[],
  slis: SliResult[],
  failOn: "error" | "warning",
): Report {
  const sorted = [...findings].sort(
    (a, b) => FINDING_LEVELS.indexOf(a.level) - FINDING_LEVELS.indexOf(b.level),
  );
  return {
    schemaVersion: 1,
    stack: req.stack,
    service: req.service.name,
    kind: req.service.kind,
    passed: !sorted.some((f) => fails(f.level, failOn)),
    failOn,
    findings: sorted,
    slis,
  };
}

const fmt = (v: number | null): string => (v === null ? "no value" : String(Number(v.toPrecision(4))));

/** One finding a line, with its fix on the next; then the SLIs; then the verdict. */
export function formatTable(r: Report): string {
  const lines = [`Service check: ${r.service} (${r.kind}) against stack ${r.stack}`, ""];
  for (const f of r.findings) {
    lines.push(`${f.level.toUpperCase().padEnd(7)} ${f.id.padEnd(26)} ${f.subject}: ${f.message}`);
    if (f.fix) lines.push(`${"".padEnd(35)}fix: ${f.fix}`);
  }
  if (r.slis.length > 0) {
    lines.push("", "SLIs (promtool test rules, this stack's recording rules):");
    for (const s of r.slis) {
      const readers = s.dependents.filter((d) => d.kind !== "record").length;
      lines.push(
        `  ${s.required ? "*" : " "} ${s.record.padEnd(58)} ${fmt(s.value).padEnd(10)} read by ${readers} alerts/panels`,
      );
    }
    lines.push("  (* read by the service's SLO alerts)");
  }
  lines.push("", r.passed ? `PASSED (fail on ${r.failOn})` : `FAILED (fail on ${r.failOn})`);
  return lines.join("\n");
}

export const exitCode = (r: Report): number => (r.passed ? 0 : 1);
