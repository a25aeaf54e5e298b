import type { Concern } from "../../artifacts";
import { prerequisites } from "./catalog";

/** Markdown table cells: a `|` would end the cell. */
const cell = (text: string): string => text.replace(/\|/g, "\\|");

export const prerequisitesConcern: Concern = {
  name: "prerequisites",
  artifacts: () => [],
  summary: (config) => {
    const list = prerequisites(config);
    return [
      "## Prerequisites",
      "",
      `What must exist before the first \`pulumi up\`, which does not create it. \`pulumi up\` (and \`pulumi preview\`) looks up the ${list.filter((p) => p.lookup).length} marked "checked" first, and stops with one line per missing one before creating anything.`,
      "",
      "| Prerequisite | Why | Config | How to check | Checked |",
      "|---|---|---|---|---|",
      ...list.map(
        (p) =>
          `| ${cell(p.what)} | ${cell(p.why)} | ${p.configKeys.map((k) => `\`${k}\``).join(", ") || "—"} | ${cell(p.howToCheck)} | ${p.lookup ? "checked" : "by you"} |`,
      ),
      "",
    ].join("\n");
  },
};
