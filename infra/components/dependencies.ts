import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  DEPENDENCY_PROBE_NAME,
  dependencyProbeObjects,
  dependencyProbes,
  probesDependencies,
} from "../generators/dependencies";
import { wire } from "./refs";

export interface DependencyProbesArgs {
  config: Pick<StackConfig, "services" | "metrics">;
  /** The metrics namespace (Metrics.namespace), where the exporter runs beside Prometheus. */
  namespace: pulumi.Input<string>;
  /** kube-prometheus-stack's release: it installs the Probe CRD. */
  metricsRelease: pulumi.Resource;
}

/**
 * The services' declared dependencies, probed: the blackbox exporter's ConfigMap, Deployment and
 * Service, and one Probe per service, kind and priority. Nothing when no service declares one.
 */
export class DependencyProbes extends pulumi.ComponentResource {
  constructor(name: string, args: DependencyProbesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:dependencies:DependencyProbes", name, {}, opts);
    const { config } = args;
    if (probesDependencies(config)) {
      const refs = { namespace: args.namespace };
      const objects = dependencyProbeObjects();
      const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, wire(objects.configMap, refs), {
        parent: this,
      });
      new k8s.apps.v1.Deployment(name, wire(objects.deployment, refs), {
        parent: this,
        dependsOn: [configMap],
      });
      new k8s.core.v1.Service(name, wire(objects.service, refs), { parent: this });
      for (const probe of dependencyProbes(config))
        new k8s.apiextensions.CustomResource(
          `${name}-${probe.metadata.name.replace(`${DEPENDENCY_PROBE_NAME}-`, "")}`,
          probe,
          { parent: this, dependsOn: [args.metricsRelease] },
        );
    }
    this.registerOutputs({});
  }
}
