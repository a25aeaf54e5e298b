import type { Concern } from "../../infra/artifacts";
import { SECRET_MEANING, requiredSecrets } from "../../infra/config";
import type { RecordedResource } from "./mock-runtime";
import type { RenderResult } from "./render-files";

/** Type tokens such as `aws:s3/bucket:Bucket` read better as `aws:s3:Bucket`. */
const shortType = (t: string): string => t.replace(/^([^:]+):([^/:]+)\/[^:]*:(.+)$/, "$1:$2:$3");

/** The resources `pulumi up` creates, and the top-level components they are grouped under. */
export function renderCounts(result: RenderResult): { resources: number; components: number } {
  const custom = result.resources.filter((r) => r.custom);
  const top = topComponents(result);
  return { resources: custom.length, components: new Set(custom.map((r) => top.get(r.urn)?.urn)).size };
}

/** Each resource's top-level component (the one directly under the stack). */
function topComponents(result: RenderResult): Map<string, RecordedResource> {
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const top = new Map<string, RecordedResource>();
  for (const r of result.resources) {
    let root = r;
    while (root.parent && byUrn.get(root.parent)) root = byUrn.get(root.parent)!;
    top.set(r.urn, root);
  }
  return top;
}

function resourcesPerComponent(result: RenderResult): string[] {
  const top = topComponents(result);
  const groups = new Map<string, RecordedResource[]>();
  for (const r of result.resources.filter((x) => x.custom)) {
    const root = top.get(r.urn)!;
    const key = `${root.name} (\`${root.type}\`)`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = ["| Component | Resources | Protected | By type |", "|---|---|---|---|"];
  for (const [component, list] of [...groups].sort()) {
    const counts = new Map<string, number>();
    for (const r of list) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    const types = [...counts]
      .sort()
      .map(([t, n]) => `${t} ×${n}`)
      .join(", ");
    lines.push(`| ${component} | ${list.length} | ${list.filter((r) => r.protect).length} | ${types} |`);
  }
  return lines;
}

/**
 * summary.md: what a reviewer reads first. Counts that agree with the CLI, who is notified per
 * priority, what is protected and which secrets the stack needs, then one short section per
 * concern; details are in the rendered files it links to.
 */
export function buildSummary(result: RenderResult, concerns: Concern[]): string {
  const { resources, components } = renderCounts(result);
  const protectedResources = result.resources.filter((r) => r.custom && r.protect);
  const [first, ...rest] = concerns;
  return [
    `# Offline render: stack \`${result.stack}\``,
    "",
    `Environment \`${result.config.environment}\`, ${result.config.production ? "production: highly available, stateful resources protected" : `not production: single replicas${protectedResources.length === 0 ? ", nothing protected" : ""}`}. \`pulumi up\` would create ${resources} resources in ${components} components; every one, with its inputs, is in [resources.json](resources.json), and the stack outputs are in [outputs.json](outputs.json).`,
    "",
    ...(first ? [first.summary(result.config)] : []),
    "## Resources per component",
    "",
    ...resourcesPerComponent(result),
    "",
    protectedResources.length === 0
      ? "No resource is protected: `pulumi destroy` would delete everything, data included."
      : `Protected and kept on delete (\`protect\`, \`retainOnDelete\`): ${protectedResources
          .map((r) => `\`${r.name}\``)
          .sort()
          .join(", ")}.`,
    "",
    "## Secrets this stack needs",
    "",
    "Set each with `pulumi config set --secret <key> <value>`; the render has no decryption key and shows each as `[secret]`.",
    "",
    ...requiredSecrets(result.config).map((k) => `- \`${k}\`: ${SECRET_MEANING[k]}`),
    "",
    ...rest.map((c) => c.summary(result.config)),
  ].join("\n");
}
