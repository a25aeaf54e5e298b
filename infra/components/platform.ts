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
   * `pulumi up` does not watch parts not yet created, and the blackbox exporter mounts Kibana's CA
   * only once ECK can publish it. Exist, not ready: pulumi-kubernetes awaits no ECK resource (none
   * carries `pulumi.com/waitFor`) and Logstash and Filebeat follow the settings Job at once, so
   * Kibana, Logstash and Filebeat may still be starting when the rules land; the `for` of their
   * availability alerts (5 minutes) covers a normal start. Those parts, not the whole Logging
   * component: a users or extras Job still running (up to an hour) holds nothing here back, so
   * the rules (LoggingSettingsJobFailed among them) are in place before such a Job can fail.
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
