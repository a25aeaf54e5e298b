// The database's component under Pulumi mocks whose AWS account says where each subnet is. When it
// disagrees with the config, the program must stop before the subnet group exists, naming the key.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { GrafanaDatabase } from "../../infra/components/grafana-database";
import { grafanaDatabase } from "../../infra/generators/grafana";
import { stackConfig } from "../../scripts/lib/stack-config";

/** Runs the component with getSubnet answering `zoneOf(id)`; what it created, what it rejected. */
async function run(zoneOf: (id: string) => string) {
  // Pulumi reports a failed input as its registration's rejection, which no Output exposes: catch
  // it here (this file runs in its own process) instead of as an unhandled error of the run.
  const previous = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const rejections: unknown[] = [];
  process.on("unhandledRejection", (reason) => rejections.push(reason));
  const created: string[] = [];
  try {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          created.push(args.type);
          return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:${args.name}`, keyId: "k" } };
        },
        call: (args) =>
          args.token === "aws:ec2/getSubnet:getSubnet"
            ? {
                id: args.inputs.id,
                availabilityZone: zoneOf(String(args.inputs.id)),
                vpcId: "vpc-0123456789abcdef0",
              }
            : {},
      },
      "observability",
      "prod",
      true,
    );
    const config = stackConfig("prod");
    new GrafanaDatabase("grafana-database", { config, spec: grafanaDatabase(config)!, namespace: "grafana" });
    await new Promise((resolve) => setTimeout(resolve, 2000));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of previous) process.on("unhandledRejection", l);
  }
  return { created, rejections: rejections.map(String) };
}

describe("the subnets' zones, asked of AWS before the database is created", () => {
  it("creates the subnet group and the instance when AWS agrees with the config", async () => {
    const zones = new Map(stackConfig("prod").grafana.database!.subnets.map((s) => [s.id, s.zone]));
    const { created, rejections } = await run((id) => zones.get(id)!);
    expect(rejections).toEqual([]);
    expect(created).toContain("aws:rds/subnetGroup:SubnetGroup");
    expect(created).toContain("aws:rds/instance:Instance");
  });

  it("stops before either when a subnet is in another zone, naming grafana.database.subnets", async () => {
    const { created, rejections } = await run(() => "us-east-1a");
    expect(rejections.join("\n")).toMatch(
      /observability:grafana\.database\.subnets: subnet subnet-0a1b2c3d4e5f60002 is in us-east-1a, not us-east-1b as configured/,
    );
    expect(created).not.toContain("aws:rds/subnetGroup:SubnetGroup");
    expect(created).not.toContain("aws:rds/instance:Instance");
  });
});
