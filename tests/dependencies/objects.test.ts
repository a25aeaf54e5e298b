import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { DEPENDENCY_PROBE } from "../../infra/catalog/recording-rules";
import type { StackConfig } from "../../infra/config";
import {
  DEPENDENCY_BLACKBOX_ARTIFACT,
  DEPENDENCY_MODULES,
  DEPENDENCY_PROBE_NAME,
  dependenciesConcern,
  dependencyProbes,
  probesDependencies,
} from "../../infra/generators/dependencies";
import { flows } from "../../infra/generators/network-policies";
import { BLACKBOX_EXPORTER } from "../../infra/versions";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";
import { schemaProblems } from "../helpers/crds";
import { componentResources, one, rendered, STACKS } from "../helpers/render";
import { runToolAsync, tempFiles } from "../helpers/tools";
import { operatorScrapeConfig, type ProbeObject } from "./operator";

/**
 * The dependency prober as each stack renders it: its blackbox exporter (our own objects of the
 * official image, locked down like every exporter of the platform), one Probe per service, kind
 * and priority with the labels the rules join on, the config the real exporter accepts; and
 * nothing of it where no service declares a dependency.
 */

// biome-ignore lint/suspicious/noExplicitAny: rendered inputs are untyped JSON
type Json = Record<string, any>;
const PROBE = "kubernetes:monitoring.coreos.com/v1:Probe";

describe.each(STACKS)("the dependency prober (%s)", (stack) => {
  const r = rendered(stack);
  const config = r.config;
  const ns = config.metrics.namespace;
  const ours = componentResources(r, "observability:dependencies:DependencyProbes");
  const input = (type: string) => ours.find((x) => x.type === type)!.inputs as Json;

  it("runs the official blackbox exporter in the metrics namespace, non-root on a read-only root", () => {
    const deployment = input("kubernetes:apps/v1:Deployment");
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.metadata).toMatchObject({ name: DEPENDENCY_PROBE_NAME, namespace: ns });
    expect(container.image).toBe(`${BLACKBOX_EXPORTER.repository}:${BLACKBOX_EXPORTER.tag}`);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      // Stated per container too, so the container meets restricted on its own (pod security).
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // The ConfigMap holds the rendered modules as they are; a change of them rolls the pod.
    const yaml = r.artifacts.find((a) => a.path === DEPENDENCY_BLACKBOX_ARTIFACT)!.content;
    expect(input("kubernetes:core/v1:ConfigMap").data).toEqual({ "blackbox.yml": yaml });
    expect(deployment.spec.template.metadata.annotations["checksum/config"]).toBe(
      createHash("sha256").update(yaml).digest("hex").slice(0, 16),
    );
    // The Service selects the pods, on the port the Probes' prober names.
    const service = input("kubernetes:core/v1:Service");
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const probes = ours.filter((x) => x.type === PROBE);
    for (const p of probes)
      expect((p.inputs as Json).spec.prober.url).toBe(
        `${service.metadata.name}.${ns}.svc:${service.spec.ports[0].port}`,
      );
  });

  it("has one Probe per service, kind and priority, labelled with the service and the priority, after the chart", () => {
    const release = one(r, "kubernetes:helm.sh/v3:Release", "metrics-kps");
    const probes = ours.filter((x) => x.type === PROBE);
    const declared = config.services.flatMap((s) =>
      s.dependencies.map((d) => ({
        target: d.url ?? d.tcp,
        module: DEPENDENCY_MODULES[d.url ? "http" : "tcp"],
        labels: { service: s.name, service_namespace: s.namespace, priority: d.priority },
      })),
    );
    const rendered = probes.flatMap((p) => {
      const spec = (p.inputs as Json).spec;
      return (spec.targets.staticConfig.static as string[]).map((target) => ({
        target,
        module: spec.module,
        labels: spec.targets.staticConfig.labels,
      }));
    });
    expect(rendered).toEqual(expect.arrayContaining(declared));
    expect(rendered).toHaveLength(declared.length);
    for (const p of probes) {
      expect((p.inputs as Json).spec.jobName).toBe(DEPENDENCY_PROBE.job);
      expect((p.inputs as Json).metadata.namespace).toBe(ns);
      expect(schemaProblems(p.inputs as Json), p.name).toEqual([]);
      expect(p.dependencies, p.name).toContain(release.urn);
    }
  });
});

describe("the dependency prober's config and Probes on the real tools", () => {
  it("is a config the real blackbox exporter loads", async () => {
    const yaml = rendered("dev").artifacts.find((a) => a.path === DEPENDENCY_BLACKBOX_ARTIFACT)!.content;
    const dir = tempFiles({ "blackbox.yml": yaml });
    const ok = await runToolAsync("blackbox_exporter", ["--config.file=blackbox.yml", "--config.check"], {
      cwd: dir,
    });
    expect(ok.stdout + ok.stderr).toContain("Config file is ok");
    // The check can fail: a misspelt key is refused.
    const bad = tempFiles({ "blackbox.yml": yaml.replace("preferred_ip_protocol", "prefered_ip_protocol") });
    const refused = await runToolAsync(
      "blackbox_exporter",
      ["--config.file=blackbox.yml", "--config.check"],
      {
        cwd: bad,
      },
    );
    expect(refused.stdout + refused.stderr).toMatch(/field prefered_ip_protocol not found/);
  });

  it("turns the edges the schema accepts into Probes the CRD and Prometheus accept", async () => {
    const services = stackValue<Record<string, unknown>[]>("dev", "services").map((s, i) =>
      i > 0
        ? s
        : {
            ...s,
            dependencies: [
              { url: "https://api.example.com:8443/v1/health" },
              { url: "http://10.0.0.5/healthz", priority: "P1" },
              { url: "https://api.example.com" },
              { tcp: "orders-db.data.svc.cluster.local:65535", priority: "P3" },
              { tcp: "192.168.1.1:1", priority: "P3" },
            ],
          },
    );
    const edge = stackConfig("dev", { services });
    const probes = dependencyProbes(edge) as unknown as ProbeObject[];
    expect(probes.flatMap((p) => p.spec.targets.staticConfig.static)).toHaveLength(
      edge.services.flatMap((s) => s.dependencies).length,
    );
    for (const p of probes) expect(schemaProblems(p as unknown as Json), p.metadata.name).toEqual([]);
    const dir = tempFiles({
      "prometheus.yml": toYaml({ scrape_configs: probes.map((p) => operatorScrapeConfig(p)) }),
    });
    const check = await runToolAsync("promtool", ["check", "config", join(dir, "prometheus.yml")]);
    expect(check.stdout + check.stderr).toContain("SUCCESS");
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});

describe("a stack whose services declare no dependency", () => {
  const none: StackConfig = stackConfig("dev", {
    services: stackValue<Record<string, unknown>[]>("dev", "services").map(({ dependencies: _d, ...s }) => s),
  });

  it("runs no prober: no Probe, no flow to it, no module file, and says so in the summary", () => {
    expect(probesDependencies(rendered("dev").config)).toBe(true);
    expect(probesDependencies(none)).toBe(false);
    expect(dependencyProbes(none)).toEqual([]);
    expect(dependenciesConcern.artifacts(none)).toEqual([]);
    expect(dependenciesConcern.summary(none)).toMatch(/No service declares a dependency/);
    const scrape = (c: StackConfig) =>
      flows(c).filter((f) => f.to.labels["app.kubernetes.io/name"] === DEPENDENCY_PROBE_NAME);
    expect(scrape(none)).toEqual([]);
    expect(scrape(rendered("dev").config).map((f) => f.name)).toEqual([`scrape-${DEPENDENCY_PROBE_NAME}`]);
  });
});
