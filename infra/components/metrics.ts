import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKey } from "../config";
import {
  type AlertmanagerInput,
  alertmanagerConfig,
  CHANNEL_SECRET_NAME,
  channelSecretKeys,
} from "../generators/metrics/alertmanager";
import {
  kpsValues,
  PART_OF,
  prometheusRule,
  resolveMetrics,
  ruleFile,
  serviceMonitor,
} from "../generators/metrics";

export const KPS_CHART = {
  chart: "kube-prometheus-stack",
  repo: "https://prometheus-community.github.io/helm-charts",
} as const;

export interface MetricsArgs {
  config: AlertmanagerInput;
  /** Channel credentials (Pulumi secrets); they go into a Kubernetes Secret only. */
  secrets: Partial<Record<SecretKey, pulumi.Input<string>>>;
}

/**
 * Prometheus and Alertmanager through kube-prometheus-stack, this project's rules as one
 * PrometheusRule, one ServiceMonitor per service, and the Secret holding the alert channels'
 * credentials that Alertmanager reads through its *_file settings.
 */
export class Metrics extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly release: k8s.helm.v3.Release;

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
    this.namespace = resolved.namespace;
    this.prometheusUrl = resolved.prometheusUrl;
    this.alertmanagerUrl = resolved.alertmanagerUrl;
    // Deleting the namespace would delete Prometheus' volumes with it.
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };
    const labels = { ...PART_OF, "app.kubernetes.io/managed-by": "pulumi" };

    const ns = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: resolved.namespace, labels } },
      stateful,
    );

    const missing = channelSecretKeys(config).filter((k) => args.secrets[k] === undefined);
    if (missing.length > 0) throw new Error(`Metrics: missing channel secrets: ${missing.join(", ")}`);
    const secret = new k8s.core.v1.Secret(
      `${name}-channels`,
      {
        metadata: { name: CHANNEL_SECRET_NAME, namespace: ns.metadata.name, labels },
        type: "Opaque",
        stringData: Object.fromEntries(
          channelSecretKeys(config).map((k) => [k, pulumi.secret(args.secrets[k]!)]),
        ),
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-kps`,
      {
        name: "kps",
        chart: KPS_CHART.chart,
        version: resolved.chartVersion,
        repositoryOpts: { repo: KPS_CHART.repo },
        namespace: ns.metadata.name,
        values: kpsValues(config, alertmanagerConfig(config)),
        // CRDs come with the chart; rules and monitors below need them.
        skipCrds: false,
      },
      { ...stateful, dependsOn: [secret] },
    );

    new k8s.apiextensions.CustomResource(`${name}-rules`, prometheusRule(ruleFile(config), config), {
      parent: this,
      dependsOn: [this.release],
    });
    for (const svc of config.services) {
      new k8s.apiextensions.CustomResource(`${name}-monitor-${svc.name}`, serviceMonitor(svc, config), {
        parent: this,
        dependsOn: [this.release],
      });
    }

    this.registerOutputs({
      namespace: this.namespace,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
    });
  }

  get outputs() {
    return {
      namespace: this.namespace,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
    };
  }
}
