import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/lib/stack-file";

/**
 * The user's product spec: shared/ lies beside every checkout of this project (CI included);
 * OBS_SPEC_PATH points elsewhere.
 */
export const SPEC_PATH =
  process.env.OBS_SPEC_PATH ?? join(REPO_ROOT, "..", "shared", "spec", "monitoring-and-logging.md");

/** Rows of the markdown table under the given heading of the spec, as arrays of cell strings. */
export function specText(): string {
  if (!existsSync(SPEC_PATH)) throw new Error(`product spec not found at ${SPEC_PATH}; set OBS_SPEC_PATH`);
  return readFileSync(SPEC_PATH, "utf8");
}

export function specTable(heading: string): string[][] {
  const text = specText();
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`spec has no heading "${heading}"`);
  const rows: string[][] = [];
  for (const line of text.slice(start + heading.length + 2).split("\n")) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("|")) {
      if (rows.length > 0) break;
      continue;
    }
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.every((c) => /^-+$/.test(c))) continue;
    rows.push(cells);
  }
  return rows.slice(1); // drop the header row
}

/** "30 days", "1 year", "7 years" in days (a year is 365 days, as S3 and ILM count). */
export function periodDays(period: string): number {
  const m = /^(\d+)\s+(day|days|year|years)$/.exec(period.trim());
  if (!m) throw new Error(`cannot read period "${period}"`);
  return Number(m[1]) * (m[2]!.startsWith("year") ? 365 : 1);
}
