import type { Priority } from "../../catalog/alert-levels";
import { DEPENDENCY_PROBE } from "../../catalog/recording-rules";
import type { StackConfig } from "../../config";
import type { DependencyConfig } from "../../config/dependencies";
import { toYaml } from "../../artifacts";
import { managedLabels } from "../labels";
import { resolveMetrics } from "../metrics/settings";
import { BLACKBOX_PORT, blackboxExporterObjects } from "../platform/blackbox";
import { probe } from "../platform/monitors";

/**
 * The services' declared dependencies (`services[].dependencies`), probed by a blackbox exporter of
 * their own in the metrics namespace: the same image and object shape as Kibana's probe
 * (platform/blackbox.ts), apart from it because it serves the services' teams, not the logging
 * stack, and needs no CA of the logging namespace. Prometheus reaches it through the Probes below,
 * which prometheus-operator turns into scrape configs; `DependencyDown` reads what they record.
 */

export type DependenciesInput = Pick<StackConfig, "services" | "metrics">;

/** The exporter's objects and pods, the Probes' `job`, and the platform component of its own alert. */
export const DEPENDENCY_PROBE_NAME = DEPENDENCY_PROBE.job;

/** One module per kind of dependency. */
export const DEPENDENCY_MODULES = { http: "dependency_http", tcp: "dependency_tcp" } as const;
export type DependencyKind = keyof typeof DEPENDENCY_MODULES;

export const dependencyKind = (d: DependencyConfig): DependencyKind => (d.url !== undefined ? "http" : "tcp");
export const dependencyTargetOf = (d: DependencyConfig): string => d.url ?? d.tcp!;

/** Whether any service declares a dependency: only then does the exporter run. */
export const probesDependencies = (config: Pick<StackConfig, "services">): boolean =>
  config.services.some((s) => s.dependencies.length > 0);

/**
 * How long a probe may take: a dependency slower than this to answer its health check is down for
 * the service's purposes. Below Prometheus's 10s scrape timeout, which the exporter would cut it to
 * (less half a second) anyway.
 */
export const PROBE_TIMEOUT = "5s";

/**
 * The exporter's modules. IPv4 first: the exporter makes one connection attempt to one address,
 * and by default prefers IPv6, so a host with an AAAA record would fail from a pod of an IPv4-only
 * cluster while it works; IPv6 stays the fallback for IPv6-only hosts. HTTP accepts 2xx (the
 * default) after redirects and verifies certificates against the image's CA bundle.
 */
export const dependencyBlackboxConfig = () => ({
  modules: {
    [DEPENDENCY_MODULES.http]: {
      prober: "http",
      timeout: PROBE_TIMEOUT,
      http: { method: "GET", follow_redirects: true, preferred_ip_protocol: "ip4" },
    },
    [DEPENDENCY_MODULES.tcp]: {
      prober: "tcp",
      timeout: PROBE_TIMEOUT,
      tcp: { preferred_ip_protocol: "ip4" },
    },
  },
});

export const dependencyBlackboxYaml = (): string => toYaml(dependencyBlackboxConfig());

/** The exporter's ConfigMap, Deployment and Service in the metrics namespace (`ref("namespace")`). */
export const dependencyProbeObjects = () =>
  blackboxExporterObjects({
    name: DEPENDENCY_PROBE_NAME,
    labels: managedLabels(),
    configYaml: dependencyBlackboxYaml(),
  });

/** The exporter's in-cluster address, as a Probe's `prober.url` names it. */
export const dependencyProberUrl = (config: Pick<StackConfig, "metrics">): string =>
  `${DEPENDENCY_PROBE_NAME}.${resolveMetrics(config).namespace}.svc:${BLACKBOX_PORT}`;

/**
 * One Probe per service, kind and priority in use: a Probe has one module, and its targets' labels
 * are common to all of them. Every series of a target carries the service that needs it and the
 * dependency's priority; `namespace` stays the Probe's (the metrics namespace), so the rules select
 * our probes by their namespace as they do Kibana's.
 */
export function dependencyProbes(config: DependenciesInput) {
  const l = DEPENDENCY_PROBE.labels;
  return config.services.flatMap((svc) => {
    const groups = new Map<string, { kind: DependencyKind; priority: Priority; targets: string[] }>();
    for (const d of svc.dependencies) {
      const key = `${dependencyKind(d)}-${d.priority.toLowerCase()}`;
      const group = groups.get(key) ?? { kind: dependencyKind(d), priority: d.priority, targets: [] };
      group.targets.push(dependencyTargetOf(d));
      groups.set(key, group);
    }
    return [...groups].map(([key, g]) =>
      probe(config, {
        name: `${DEPENDENCY_PROBE_NAME}-${svc.name}-${key}`,
        job: DEPENDENCY_PROBE.job,
        proberUrl: dependencyProberUrl(config),
        module: DEPENDENCY_MODULES[g.kind],
        targets: g.targets,
        labels: { [l.service]: svc.name, [l.namespace]: svc.namespace, [l.priority]: g.priority },
      }),
    );
  });
}
