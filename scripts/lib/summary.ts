import type { Concern } from "../../infra/artifacts";
import type { RenderResult } from "./offline";

/** Type tokens such as `aws:s3/bucket:Bucket` read better as `aws:s3:Bucket`. */
const shortType = (t: string): string => t.replace(/^([^:]+):([^/:]+)\/[^:]*:(.+)$/, "$1:$2:$3");

/** Groups resources under their top-level component and counts them by type. */
function resourcesPerComponent(result: RenderResult): string[] {
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const root = (urn: string): string => {
    let r = byUrn.get(urn);
    while (r?.parent && byUrn.has(r.parent)) r = byUrn.get(r.parent);
    return r ? `${r.name} (${r.type})` : urn;
  };
  const groups = new Map<string, Map<string, number>>();
  for (const r of result.resources) {
    if (!r.custom) continue;
    const g = root(r.urn);
    const counts = groups.get(g) ?? new Map<string, number>();
    counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    groups.set(g, counts);
  }
  const lines = ["| Component | Resources | By type |", "|---|---|---|"];
  for (const [g, counts] of [...groups].sort()) {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const types = [...counts]
      .sort()
      .map(([t, n]) => `${t} ×${n}`)
      .join(", ");
    lines.push(`| ${g} | ${total} | ${types} |`);
  }
  return lines;
}

export function buildSummary(result: RenderResult, concerns: Concern[]): string {
  const custom = result.resources.filter((r) => r.custom);
  const protectedCount = custom.filter((r) => r.protect).length;
  return [
    `# Offline render: stack \`${result.stack}\``,
    "",
    `Environment \`${result.config.environment}\` (${result.config.production ? "production: HA, stateful resources protected" : "non-production"}).`,
    `${custom.length} resources in ${result.resources.length - custom.length} components; ${protectedCount} protected against deletion.`,
    result.placeholders.length > 0
      ? `Secrets not set in the stack file were rendered with placeholders and appear as \`[secret]\`: ${result.placeholders.map((p) => `\`${p}\``).join(", ")}.`
      : "",
    "",
    "## Resources per component",
    "",
    ...resourcesPerComponent(result),
    "",
    ...concerns.map((c) => c.summary(result.config)),
  ].join("\n");
}
