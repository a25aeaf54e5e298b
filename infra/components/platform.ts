import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { blackboxObjects, platformMonitors, platformPrometheusRule } from "../generators/platform";
import { wire } from "./refs";

export interface PlatformMonitoringArgs {
  config: StackConfig;
  /** kube-prometheus-stack's release: it installs the CRDs of the rules, monitors and probe. */
  metricsRelease: pulumi.Resource;
  /** The logging namespace (Logging.outputs.namespace), where the blackbox exporter runs. */
  loggingNamespace: pulumi.Input<string>;
  /**
   * The logging parts it watches: the ECK operator, Kibana, Logstash and Filebeat (Logging's
   * eckOperator, kibana and shippers). The rules and the probe start once they exist, so a first
   * `pulumi up` does not page for parts still being created, and the blackbox exporter mounts
   * Kibana's CA only once ECK can publish it. Those parts, not the whole Logging component: a
   * users or extras Job still running (up to an hour) holds nothing here back.
   */
  loggingParts: pulumi.Resource[];
}

/**
 * The platform watching itself: its alert rules (one PrometheusRule, labelled by component), the
 * monitors of Logstash's and Filebeat's exporter sidecars, the ECK operator and Grafana, and the
 * blackbox exporter with the Probe of Kibana's status. The sidecars themselves are part of the
 * Logstash and Filebeat resources (infra/generators/logging/eck.ts).
 */
export class PlatformMonitoring extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:platform:PlatformMonitoring", name, {}, opts);
    const { config } = args;
    const afterChart = { parent: this, dependsOn: [args.metricsRelease, ...args.loggingParts] };

    const rule = platformPrometheusRule(config);
    new k8s.apiextensions.CustomResource(`${name}-rules`, rule, afterChart);
    for (const monitor of platformMonitors(config))
      new k8s.apiextensions.CustomResource(
        `${name}-${monitor.kind.toLowerCase()}-${monitor.metadata.name}`,
        monitor,
        afterChart,
      );

    const refs = { namespace: args.loggingNamespace };
    const blackbox = blackboxObjects(config);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-blackbox-config`, wire(blackbox.configMap, refs), {
      parent: this,
      dependsOn: args.loggingParts,
    });
    new k8s.apps.v1.Deployment(`${name}-blackbox`, wire(blackbox.deployment, refs), {
      parent: this,
      dependsOn: [configMap],
    });
    new k8s.core.v1.Service(`${name}-blackbox`, wire(blackbox.service, refs), { parent: this });
    this.registerOutputs({});
  }
}
