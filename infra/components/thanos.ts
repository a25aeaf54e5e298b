import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { thanosNames } from "../generators/thanos/names";
import { thanosObjects } from "../generators/thanos/objects";
import { wire } from "./refs";

export interface ThanosArgs {
  config: Pick<StackConfig, "thanos" | "metrics" | "kubernetes" | "production">;
  /**
   * kube-prometheus-stack's release (the Metrics component): the metrics namespace, the
   * ServiceMonitor CRD, the sidecars Query reads and the objstore Secret come with it.
   */
  metricsRelease: pulumi.Resource;
  /** The IAM role (IRSA) of each bucket user; without one its ServiceAccount is not annotated. */
  roleArns: { storeGateway?: pulumi.Input<string>; compactor?: pulumi.Input<string> };
}

/**
 * Thanos's query path and Compactor (infra/generators/thanos/): Query, Query Frontend, Store
 * Gateway and Compactor with their ServiceAccounts, Services, PodDisruptionBudgets and
 * ServiceMonitors, in the metrics namespace. Grafana reads the Query Frontend.
 */
export class Thanos extends pulumi.ComponentResource {
  readonly outputs: { namespace: string; queryFrontendUrl: string; queryUrl: string };

  constructor(name: string, args: ThanosArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:thanos:Thanos", name, {}, opts);
    const { config, roleArns } = args;
    const generated = thanosObjects(config, {
      roleArns: {
        storeGateway: roleArns.storeGateway !== undefined,
        compactor: roleArns.compactor !== undefined,
      },
    });
    const objects = wire(generated, {
      ...(roleArns.storeGateway !== undefined ? { "roleArn:storeGateway": roleArns.storeGateway } : {}),
      ...(roleArns.compactor !== undefined ? { "roleArn:compactor": roleArns.compactor } : {}),
    });
    const afterChart = { parent: this, dependsOn: [args.metricsRelease] };
    // The StatefulSets own the volumes (their claims outlive them: `Retain`); in production
    // deleting them by mistake must not pass, like the other components' stateful objects.
    const stateful = { ...afterChart, protect: config.production, retainOnDelete: config.production };

    const accounts = {
      query: new k8s.core.v1.ServiceAccount(`${name}-query`, objects.query.serviceAccount, afterChart),
      queryFrontend: new k8s.core.v1.ServiceAccount(
        `${name}-query-frontend`,
        objects.queryFrontend.serviceAccount,
        afterChart,
      ),
      storeGateway: new k8s.core.v1.ServiceAccount(
        `${name}-store`,
        objects.storeGateway.serviceAccount,
        afterChart,
      ),
      compactor: new k8s.core.v1.ServiceAccount(
        `${name}-compact`,
        objects.compactor.serviceAccount,
        afterChart,
      ),
    };

    // Store Gateway and Compactor: StatefulSets on volumes, behind headless Services.
    const storeService = new k8s.core.v1.Service(`${name}-store`, objects.storeGateway.service, afterChart);
    new k8s.apps.v1.StatefulSet(`${name}-store`, objects.storeGateway.statefulSet, {
      ...stateful,
      dependsOn: [args.metricsRelease, accounts.storeGateway, storeService],
    });
    const compactService = new k8s.core.v1.Service(`${name}-compact`, objects.compactor.service, afterChart);
    new k8s.apps.v1.StatefulSet(`${name}-compact`, objects.compactor.statefulSet, {
      ...stateful,
      dependsOn: [args.metricsRelease, accounts.compactor, compactService],
    });

    // Query reads the sidecars and the Store Gateway; the Frontend reads Query.
    const query = new k8s.apps.v1.Deployment(`${name}-query`, objects.query.deployment, {
      parent: this,
      dependsOn: [args.metricsRelease, accounts.query],
    });
    const queryService = new k8s.core.v1.Service(`${name}-query`, objects.query.service, afterChart);
    new k8s.apps.v1.Deployment(`${name}-query-frontend`, objects.queryFrontend.deployment, {
      parent: this,
      dependsOn: [args.metricsRelease, accounts.queryFrontend, query, queryService],
    });
    new k8s.core.v1.Service(`${name}-query-frontend`, objects.queryFrontend.service, afterChart);

    const parts = [
      ["query", objects.query],
      ["query-frontend", objects.queryFrontend],
      ["store", objects.storeGateway],
      ["compact", objects.compactor],
    ] as const;
    for (const [suffix, part] of parts) {
      if ("podDisruptionBudget" in part && part.podDisruptionBudget)
        new k8s.policy.v1.PodDisruptionBudget(`${name}-${suffix}`, part.podDisruptionBudget, afterChart);
      new k8s.apiextensions.CustomResource(`${name}-${suffix}`, part.serviceMonitor, afterChart);
    }

    const names = thanosNames(config);
    this.outputs = {
      namespace: names.namespace,
      queryFrontendUrl: names.queryFrontendUrl,
      queryUrl: names.queryUrl,
    };
    this.registerOutputs(this.outputs);
  }
}
