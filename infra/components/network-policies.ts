import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { networkPolicies } from "../generators/network-policies";

export interface NetworkPoliciesArgs {
  config: StackConfig;
  /**
   * What the policies go in after: the components or resources that create the policed
   * namespaces, and the Jobs whose first run must not meet a policy before its allow rule.
   */
  after: pulumi.Resource[];
}

/**
 * The platform's NetworkPolicies (infra/generators/network-policies/): default-deny ingress per
 * policed namespace, then one policy per flow of the table. None when `kubernetes.networkPolicies`
 * is off.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:network:NetworkPolicies", name, {}, opts);
    for (const policy of networkPolicies(args.config))
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${policy.metadata.namespace}-${policy.metadata.name}`,
        policy,
        {
          parent: this,
          dependsOn: args.after,
        },
      );
    this.registerOutputs({});
  }
}
