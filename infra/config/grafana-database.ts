import { z } from "zod";

/** EC2 ids: the prefix and 8 or 17 lowercase hex digits. */
const ec2Id = (prefix: string, example: string) =>
  z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), `expected an id such as ${example}`);

/** An Availability Zone name: the region and one letter (us-east-1a, eu-central-1b, us-gov-west-1a). */
const availabilityZone = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "expected an Availability Zone such as us-east-1a");

/** `us-east-1a` → `us-east-1`. */
export const regionOfZone = (zone: string): string => zone.slice(0, -1);

/** The database's subnets must be in the stack's region (`aws:region`), where the program creates it. */
export function databaseRegionProblems(
  db: { subnets: { zone: string }[] } | undefined,
  region: string | undefined,
): string[] {
  if (!db || region === undefined) return [];
  const others = [...new Set(db.subnets.map((s) => regionOfZone(s.zone)))].filter((r) => r !== region);
  return others.length === 0
    ? []
    : [`expected subnets in the stack's region aws:region ${region}; found ${others.sort().join(", ")}`];
}

/** A subnet as AWS describes it (`aws.ec2.getSubnet`): where it really is. */
export interface ObservedSubnet {
  id: string;
  availabilityZone: string;
  vpcId: string;
}

/**
 * What AWS says against what the config says of the database's subnets: each in the zone the
 * config gives it (the schema's two-zone rule rests on those zones), and all in one VPC (RDS's
 * rule for a subnet group). The program runs this on `aws.ec2.getSubnet`'s answers before it
 * creates the subnet group, so a wrong zone fails `pulumi preview` instead of creating a
 * database that is Multi-AZ in name only.
 */
export function subnetPlacementProblems(
  configured: readonly { id: string; zone: string }[],
  observed: readonly ObservedSubnet[],
): string[] {
  const problems: string[] = [];
  for (const s of configured) {
    const o = observed.find((x) => x.id === s.id);
    if (!o) problems.push(`subnet ${s.id} was not found in the stack's account and region`);
    else if (o.availabilityZone !== s.zone)
      problems.push(`subnet ${s.id} is in ${o.availabilityZone}, not ${s.zone} as configured`);
  }
  const vpcs = [...new Set(observed.map((o) => o.vpcId))].sort();
  if (vpcs.length > 1)
    problems.push(
      `expected the subnets of one VPC (an RDS subnet group's rule); found ${vpcs
        .map(
          (v) =>
            `${v} (${observed
              .filter((o) => o.vpcId === v)
              .map((o) => o.id)
              .join(", ")})`,
        )
        .join(", ")}`,
    );
  return problems;
}

const subnet = z.strictObject({
  id: ec2Id("subnet", "subnet-0123456789abcdef0").meta({ description: "The subnet's id." }),
  zone: availabilityZone.meta({
    description:
      "The Availability Zone the subnet is in, as `aws ec2 describe-subnets` shows it: Multi-AZ needs subnets in two zones at least.",
  }),
});

/** RDS's limits and AWS's storage-autoscaling rule: the ceiling at least 10% above the allocation. */
const MIN_GP3_GB = 20;
const MAX_STORAGE_GB = 65_536;
export const minStorageCeilingGb = (allocatedGb: number): number => Math.ceil(allocatedGb * 1.1);

/**
 * Grafana's PostgreSQL database on Amazon RDS (Multi-AZ, encrypted with its own KMS key), which
 * lets Grafana run several replicas. The VPC, its subnets and the security group are the
 * cluster's and exist before (`databasePrerequisites`); the program creates the rest.
 */
export const grafanaDatabaseSchema = z
  .strictObject({
    subnets: z
      .array(subnet)
      .min(2, "expected at least two subnets, in two Availability Zones")
      .max(20, "expected at most 20 subnets (an RDS subnet group's limit)")
      .meta({
        description:
          "Private subnets of the cluster's VPC the database may run in, each with its Availability Zone; two zones at least, one region. RDS places the primary and its Multi-AZ standby in two of them.",
      }),
    securityGroupIds: z
      .array(ec2Id("sg", "sg-0123456789abcdef0"))
      .min(1, "expected a security group")
      .max(5, "expected at most 5 security groups (RDS's limit)")
      .meta({
        description:
          "Security groups of the database: one of them must allow TCP 5432 from the cluster's nodes (where Grafana's pods run), and nothing else needs to reach it.",
      }),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.t4g.medium")
      .default("db.t4g.medium")
      .meta({ description: "RDS instance class of the primary and its standby." }),
    allocatedStorageGb: z
      .number()
      .int()
      .min(MIN_GP3_GB, `expected at least ${MIN_GP3_GB} GB (gp3's minimum on RDS)`)
      .max(MAX_STORAGE_GB)
      .default(20)
      .meta({
        description:
          "Storage allocated at creation, in GiB (gp3). Storage autoscaling grows it up to `maxAllocatedStorageGb`; RDS never shrinks it, so lowering this later fails instead of shrinking.",
      }),
    maxAllocatedStorageGb: z.number().int().min(MIN_GP3_GB).max(MAX_STORAGE_GB).default(100).meta({
      description:
        "Ceiling of storage autoscaling, in GiB: at least 10% above `allocatedStorageGb` (AWS's rule).",
    }),
    backupRetentionDays: z.number().int().min(1).max(35).default(14).meta({
      description:
        "Days of automated backups (point-in-time recovery). A deleted database keeps them until they expire, beside its final snapshot.",
    }),
  })
  .superRefine((db, ctx) => {
    const ids = db.subnets.map((s) => s.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({ code: "custom", path: ["subnets", i, "id"], message: `duplicate subnet "${id}"` });
    });
    const zones = new Set(db.subnets.map((s) => s.zone));
    if (zones.size < 2)
      ctx.addIssue({
        code: "custom",
        path: ["subnets"],
        message: `expected subnets in two Availability Zones at least (a Multi-AZ database keeps its standby in another zone); all are in ${[...zones].join(", ")}`,
      });
    const regions = new Set([...zones].map(regionOfZone));
    if (regions.size > 1)
      ctx.addIssue({
        code: "custom",
        path: ["subnets"],
        message: `expected the subnets of one region, the stack's; found ${[...regions].sort().join(", ")}`,
      });
    const sgs = db.securityGroupIds;
    sgs.forEach((sg, i) => {
      if (sgs.indexOf(sg) !== i)
        ctx.addIssue({
          code: "custom",
          path: ["securityGroupIds", i],
          message: `duplicate security group "${sg}"`,
        });
    });
    const floor = minStorageCeilingGb(db.allocatedStorageGb);
    if (db.maxAllocatedStorageGb < floor)
      ctx.addIssue({
        code: "custom",
        path: ["maxAllocatedStorageGb"],
        message: `expected at least ${floor} GiB: 10% above allocatedStorageGb (${db.allocatedStorageGb}), as storage autoscaling requires`,
      });
  });
export type GrafanaDatabaseConfig = z.infer<typeof grafanaDatabaseSchema>;
