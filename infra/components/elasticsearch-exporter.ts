import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  EXPORTER_NAME,
  exporterDeployment,
  exporterService,
  exporterServiceMonitor,
} from "../generators/platform";
import { wire } from "./refs";

export interface ElasticsearchExporterArgs {
  config: Pick<StackConfig, "logging" | "metrics">;
  /** The logging namespace (Logging.outputs.namespace): the exporter runs beside the cluster. */
  namespace: pulumi.Input<string>;
  /** The settings Job that applies the exporter's role: it never scrapes without its privileges. */
  settings: pulumi.Resource;
  /** What installs the ServiceMonitor CRD: the kube-prometheus-stack chart (the Metrics component). */
  crds: pulumi.Resource;
}

/**
 * prometheus-community's Elasticsearch exporter (infra/generators/platform/elasticsearch.ts): its
 * Deployment, Service and ServiceMonitor. Its user and password are the logging stack's (ECK's file
 * realm); its alerts are in the rule file.
 */
export class ElasticsearchExporter extends pulumi.ComponentResource {
  readonly outputs: { name: string };

  constructor(name: string, args: ElasticsearchExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:platform:ElasticsearchExporter", name, {}, opts);
    const refs = { namespace: args.namespace };
    const afterSettings = { parent: this, dependsOn: [args.settings] };
    const deployment = new k8s.apps.v1.Deployment(
      name,
      wire(exporterDeployment(args.config), refs),
      afterSettings,
    );
    const service = new k8s.core.v1.Service(name, wire(exporterService(), refs), afterSettings);
    new k8s.apiextensions.CustomResource(name, wire(exporterServiceMonitor(args.config), refs), {
      parent: this,
      dependsOn: [args.crds, deployment, service],
    });
    this.outputs = { name: EXPORTER_NAME };
    this.registerOutputs(this.outputs);
  }
}
