import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  kibanaCertificate,
  kibanaEndpointPlan,
  kibanaIngress,
  kibanaRoute53Record,
} from "../generators/logging";
import { ingressEndpoint } from "./ingress-endpoint";

export interface KibanaEndpointArgs {
  config: StackConfig;
  /** The logging namespace (an output of the Logging component, so it exists first). */
  namespace: pulumi.Input<string>;
  /** Kibana's ECK resource: the Ingress's backend is the Service ECK makes for it. */
  kibana: k8s.apiextensions.CustomResource;
}

/**
 * Kibana's public endpoint (logging.kibana.endpoint, infra/generators/logging/kibana-endpoint.ts):
 * its Ingress (HTTPS to Kibana's pods), cert-manager Certificate and Route53 record, through the
 * same endpoint resources as Grafana's. Nothing without an endpoint: Kibana is then reached with
 * `kubectl port-forward` (docs/logs-access.md). Nothing in `pulumi up` calls the public URL, so
 * nothing waits for it.
 */
export class KibanaEndpoint extends pulumi.ComponentResource {
  readonly outputs: { url: pulumi.Output<string | undefined> };

  constructor(name: string, args: KibanaEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:logging:KibanaEndpoint", name, {}, opts);
    const { config } = args;
    const plan = kibanaEndpointPlan(config);
    ingressEndpoint(
      name,
      {
        plan,
        ingress: kibanaIngress(config),
        certificate: kibanaCertificate(config),
        namespace: args.namespace,
        after: [args.kibana],
        record: (target, zone) => kibanaRoute53Record(config, target, zone),
        certificateArnKey: "logging.kibana.endpoint.tls.certificateArn",
        what: "kibana",
        // On a new cluster Kibana serves (and so its Service has endpoints) only once Elasticsearch
        // has formed and ECK has configured Kibana: longer than the default 10 minutes.
        ingressTimeout: "30m",
      },
      this,
    );
    this.outputs = { url: pulumi.output(plan?.url) };
    this.registerOutputs(this.outputs);
  }
}
