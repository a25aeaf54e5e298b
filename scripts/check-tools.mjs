// @ts-check
/**
 * The external tools the tests run, checked once before any test (`npm test` runs this first):
 * a missing one stops the run with one line naming the command that installs them.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Each tool under any of its names (Debian names Alertmanager its own way). */
const TOOLS = {
  promtool: ["promtool"],
  amtool: ["amtool"],
  alertmanager: ["prometheus-alertmanager", "alertmanager"],
};
export const INSTALL_TOOLS = "apt-get update && apt-get install -y prometheus prometheus-alertmanager";

/** @param {string} name */
const found = (name) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

/** The tools that are not installed, or an empty list. */
export const missingTools = () =>
  Object.entries(TOOLS)
    .filter(([, names]) => !names.some(found))
    .map(([tool]) => tool);

/** The one-line message for missing tools. @param {string[]} missing */
export const missingToolsMessage = (missing) =>
  `${missing.join(", ")} not installed: the tests run the real tools. Install them (as root) with: ${INSTALL_TOOLS}`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(missingToolsMessage(missing));
    process.exit(1);
  }
}
