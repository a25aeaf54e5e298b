import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey, StackConfig } from "../config";
import {
  type AlertmanagerInput,
  channelSecret,
  kpsRelease,
  metricsNamespace,
  nodeExporterNamespace,
  prometheusRules,
  resolveMetrics,
  serviceMonitor,
} from "../generators/metrics";
import { objstoreConfig, objstoreSecret, s3Endpoint } from "../generators/thanos";
import { toYaml } from "../artifacts";
import { integrationKeyValues } from "./pagerduty";
import { secretValues, wire } from "./refs";

export interface MetricsArgs {
  config: AlertmanagerInput & Pick<StackConfig, "kubernetes" | "logging" | "grafana" | "thanos">;
  /** Channel credentials (Pulumi secrets); they go into a Kubernetes Secret only. */
  secrets: Partial<Record<SecretKey, pulumi.Input<string>>>;
  /** Per team, its managed PagerDuty integration key (alerting.pagerduty.managed). */
  pagerdutyKeys?: Record<string, pulumi.Input<string>>;
  /** The metrics bucket the Thanos sidecars ship blocks to (ThanosBucket), and their IAM role. */
  thanos: {
    bucketName: pulumi.Input<string>;
    region: pulumi.Input<string>;
    kmsKeyArn: pulumi.Input<string>;
    sidecarRoleArn: pulumi.Input<string>;
  };
}

/**
 * Prometheus and Alertmanager through kube-prometheus-stack, this project's rules as
 * PrometheusRules of bounded size, one ServiceMonitor per service, and the Secret holding the alert channels'
 * credentials that Alertmanager reads through its *_file settings.
 */
export class Metrics extends pulumi.ComponentResource {
  readonly outputs: { namespace: string; prometheusUrl: string; alertmanagerUrl: string };
  /** The kube-prometheus-stack release: monitors and rules of other components wait for its CRDs. */
  readonly release: k8s.helm.v3.Release;
  /** The metrics namespace, once it exists: other components' workloads run in it too. */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: MetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:metrics:Metrics",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:metrics:MetricsStack" }] },
    );
    const { config } = args;
    const resolved = resolveMetrics(config);
    // Deleting the namespace would delete Prometheus' volumes with it.
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, metricsNamespace(config), stateful);
    // node-exporter's (a privileged pod kept out of the restricted metrics namespace); kept with the
    // retained release whose DaemonSet runs there.
    const nodeNs = new k8s.core.v1.Namespace(
      `${name}-node-exporter-ns`,
      nodeExporterNamespace(config),
      stateful,
    );
    this.namespace = ns.metadata.name;
    const t = args.thanos;
    const refs = {
      namespace: ns.metadata.name,
      ...secretValues(args.secrets),
      ...integrationKeyValues(args.pagerdutyKeys),
      thanosSidecarRoleArn: t.sidecarRoleArn,
    };
    // Kept with the retained release, whose Alertmanager mounts it.
    const secret = new k8s.core.v1.Secret(`${name}-channels`, wire(channelSecret(config), refs), stateful);
    // The sidecars' objstore config (no credential), before the release whose pods read it.
    const objstoreYaml = pulumi
      .output(
        wire(objstoreConfig(), {
          bucket: t.bucketName,
          region: t.region,
          s3Endpoint: pulumi.output(t.region).apply(s3Endpoint),
          kmsKeyArn: t.kmsKeyArn,
        }),
      )
      .apply(toYaml);
    const objstore = new k8s.core.v1.Secret(
      `${name}-thanos-objstore`,
      wire(objstoreSecret(), { ...refs, objstoreYaml }),
      stateful,
    );
    const release = new k8s.helm.v3.Release(`${name}-kps`, wire(kpsRelease(config), refs), {
      ...stateful,
      dependsOn: [secret, objstore, nodeNs],
    });
    this.release = release;
    const afterChart = { parent: this, dependsOn: [release] };
    // The rules in objects of bounded size, per concern (data, recording, alerts).
    for (const rule of prometheusRules(config))
      new k8s.apiextensions.CustomResource(
        `${name}-${rule.metadata.name.replace(/^observability-/, "")}`,
        rule,
        afterChart,
      );
    for (const svc of config.services)
      new k8s.apiextensions.CustomResource(
        `${name}-monitor-${svc.name}`,
        serviceMonitor(svc, config),
        afterChart,
      );

    this.outputs = {
      namespace: resolved.namespace,
      prometheusUrl: resolved.prometheusUrl,
      alertmanagerUrl: resolved.alertmanagerUrl,
    };
    this.registerOutputs(this.outputs);
  }
}
