import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../config";
import { subnetPlacementProblems } from "../config/grafana-database";
import { PROJECT } from "../config/schema";
import { databaseSecret, type GrafanaDatabaseSpec } from "../generators/grafana";
import { KEPT_KEY } from "../generators/refs";
import { wire } from "./refs";

export interface GrafanaDatabaseArgs {
  config: Pick<StackConfig, "environment">;
  spec: GrafanaDatabaseSpec;
  /** Grafana's namespace, where the Secret with the credentials goes. */
  namespace: pulumi.Input<string>;
}

/**
 * Grafana's PostgreSQL on Amazon RDS: a KMS key of its own, a subnet group over the configured
 * subnets, the Multi-AZ instance, its generated master password and Grafana's generated
 * `secret_key`, and the Kubernetes Secret that hands both to Grafana. Every value comes from
 * `grafanaDatabase` (generators/grafana/database.ts).
 */
export class GrafanaDatabase extends pulumi.ComponentResource {
  readonly instance: aws.rds.Instance;
  /** The Secret Grafana's pods read; the release waits for it. */
  readonly secret: k8s.core.v1.Secret;
  readonly outputs: {
    /** `address:port`, Grafana's `[database] host`. */
    endpoint: pulumi.Output<string>;
    instance: pulumi.Output<string>;
    kmsKeyArn: pulumi.Output<string>;
  };

  constructor(name: string, args: GrafanaDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:grafana:Database", name, {}, opts);
    const { spec } = args;
    const child = { parent: this };
    // Losing any of these loses data or access: the key the database and its snapshots are
    // encrypted with, the database, the secret_key that encrypts data-source secrets inside it, and
    // the password (a new one reaches running pods only when they restart).
    const stateful = { parent: this, protect: spec.protect, retainOnDelete: spec.protect };

    const key = new aws.kms.Key(`${name}-key`, spec.key, stateful);
    new aws.kms.Alias(`${name}-key-alias`, wire(spec.alias, { keyId: key.keyId }), stateful);
    // The zones the config states are checked against AWS before anything is created: the subnet
    // group (and so the instance) waits for the check, which fails `pulumi preview` too.
    const observed = spec.subnets.map((s) =>
      aws.ec2.getSubnetOutput({ id: s.id }, child).apply((o) => ({
        id: s.id,
        availabilityZone: o.availabilityZone,
        vpcId: o.vpcId,
      })),
    );
    const subnetIds = pulumi.all(observed).apply((found) => {
      const problems = subnetPlacementProblems(spec.subnets, found);
      if (problems.length > 0)
        throw new pulumi.RunError(
          problems.map((p) => `${PROJECT}:grafana.database.subnets: ${p}`).join("\n"),
        );
      return spec.subnetGroup.subnetIds;
    });
    // Kept with the instance: RDS refuses to delete a subnet group a kept instance is in.
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { ...spec.subnetGroup, subnetIds }, stateful);
    const password = new random.RandomPassword(`${name}-password`, spec.password, stateful);
    // Never replaced by a later change of its arguments (refs.ts, generated): a new secret_key would
    // leave every secret Grafana stored in the database unreadable.
    const secretKey = new random.RandomPassword(`${name}-secret-key`, spec.secretKey, {
      ...stateful,
      ...KEPT_KEY,
    });
    const secrets = {
      "secret:grafanaDatabasePassword": pulumi.secret(password.result),
      "secret:grafanaSecretKey": pulumi.secret(secretKey.result),
    };

    this.instance = new aws.rds.Instance(
      name,
      wire(spec.instance, { keyArn: key.arn, subnetGroup: subnets.name, ...secrets }),
      stateful,
    );
    // Kept with the release that reads it: a destroy must not leave the kept pods without it.
    this.secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      wire(databaseSecret(args.config), { namespace: args.namespace, ...secrets }),
      stateful,
    );

    this.outputs = {
      endpoint: this.instance.endpoint,
      instance: this.instance.identifier,
      kmsKeyArn: key.arn,
    };
    this.registerOutputs(this.outputs);
  }
}
