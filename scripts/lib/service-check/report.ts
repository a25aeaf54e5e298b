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

/** GitHub refuses comments over 65,536 characters; the table is cut well before. */
export const COMMENT_MAX_CHARS = 60_000;

/** A code fence longer than any run of backticks in the text, so the text cannot end it. */
const fence = (text: string): string =>
  "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));

const block = (text: string): string => {
  const cut = text.length > COMMENT_MAX_CHARS ? `${text.slice(0, COMMENT_MAX_CHARS)}\n… (cut)` : text;
  const f = fence(cut);
  return `${f}text\n${cut}\n${f}`;
};

/**
 * The pull-request comment of the reusable workflow (.github/workflows/check-service.yml): the
 * table of a report, or why there is none (the service did not start, the check could not run).
 */
export function formatComment(
  report: Report | undefined,
  opts: { errors?: string; outcome?: string; runUrl?: string },
): string {
  const run = opts.runUrl ? `\n\n[The workflow run](${opts.runUrl})` : "";
  if (!report) {
    const errors = (opts.errors ?? "").trim();
    return [
      `### Service check: did not run (step ${opts.outcome || "not reached"})`,
      "",
      "The service did not start, did not answer on its metrics URL, or the check could not run: see the workflow run.",
      ...(errors ? ["", block(errors)] : []),
    ]
      .join("\n")
      .concat(run);
  }
  const verdict = report.passed ? "passed" : "FAILED";
  return [
    `### Service check: \`${report.service}\` against stack \`${report.stack}\`: ${verdict}`,
    "",
    block(formatTable(report)),
  ]
    .join("\n")
    .concat(run);
}
