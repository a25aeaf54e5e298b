import type { Concern } from "../../artifacts";
import { resolveMetrics } from "../metrics/settings";
import {
  DEPENDENCY_MODULES,
  DEPENDENCY_PROBE_NAME,
  dependencyBlackboxYaml,
  dependencyKind,
  dependencyProbes,
  dependencyTargetOf,
  probesDependencies,
} from "./probes";

/** Render path of the dependency exporter's modules, as its ConfigMap holds them. */
export const DEPENDENCY_BLACKBOX_ARTIFACT = "exporters/dependency-blackbox.yml";

export const dependenciesConcern: Concern = {
  name: "dependencies",
  artifacts: (config) =>
    probesDependencies(config)
      ? [{ path: DEPENDENCY_BLACKBOX_ARTIFACT, content: dependencyBlackboxYaml() }]
      : [],
  summary: (config) => {
    if (!probesDependencies(config))
      return [
        "## Dependencies",
        "",
        "No service declares a dependency (`services[].dependencies`): no blackbox exporter probes any.",
        "",
      ].join("\n");
    const ns = resolveMetrics(config).namespace;
    return [
      "## Dependencies",
      "",
      `The blackbox exporter \`${DEPENDENCY_PROBE_NAME}\` in \`${ns}\` probes what each service declares it needs, every scrape interval (${dependencyProbes(config).length} Probes, modules in [${DEPENDENCY_BLACKBOX_ARTIFACT}](${DEPENDENCY_BLACKBOX_ARTIFACT})). \`DependencyDown\` fires with the dependency's priority and the service's team when most probes of 5 minutes failed, and quiets the service's own symptom alerts of the same or lower priority.`,
      "",
      "| Service | Dependency | Probe | Priority |",
      "|---|---|---|---|",
      ...config.services.flatMap((s) =>
        s.dependencies.map(
          (d) =>
            `| \`${s.name}\` (\`${s.namespace}\`) | \`${dependencyTargetOf(d)}\` | ${DEPENDENCY_MODULES[dependencyKind(d)]} | ${d.priority} |`,
        ),
      ),
      "",
    ].join("\n");
  },
};
