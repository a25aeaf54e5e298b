import type { Prerequisite } from "../prerequisites/catalog";
import type { StackConfig } from "../../config";
import { GRAFANA_DATABASE } from "../../versions";
import { awsTags } from "../archive/buckets";
import { managedLabels } from "../labels";
import { generated, ref, secretRef } from "../refs";

/**
 * Grafana's PostgreSQL database on Amazon RDS, as pure data: a KMS key of its own, the subnet
 * group over the subnets the config names, the Multi-AZ instance, the generated credentials and
 * the Kubernetes Secret that is their only way into Grafana. Without `grafana.database` (dev)
 * there is none, and Grafana runs one replica on SQLite.
 */

/** The Kubernetes Secret Grafana reads its database password and `secret_key` from (env, secretKeyRef). */
export const DATABASE_SECRET = "grafana-database";
export const DATABASE_SECRET_KEYS = { password: "password", secretKey: "secret-key" } as const;
/** Database and login: fixed, because RDS replaces the instance when either changes. */
export const DATABASE_NAME = "grafana";
export const DATABASE_USER = "grafana";
export const DATABASE_PORT = 5432;
/**
 * `require`: TLS on every connection (RDS for PostgreSQL 15+ also refuses any other, rds.force_ssl).
 * Not `verify-full`: that needs the RDS CA bundle in Grafana's pod, which the Grafana image does not
 * have (docs/design/grafana.md).
 */
export const DATABASE_SSL_MODE = "require";

type DatabaseInput = Pick<StackConfig, "grafana" | "environment" | "production">;

/** The database settings when the stack has one. */
export const grafanaDatabaseConfig = (config: Pick<StackConfig, "grafana">) => config.grafana.database;

/** The pinned major of the RDS engine (infra/versions.ts), as a number. */
export const databaseMajor = (): number => Number(GRAFANA_DATABASE.version.split(".")[0]);

/**
 * Every resource argument of the database, or undefined without one. References (`$ref`) are what
 * only `pulumi up` knows: the key's ARN, the subnet group's name, the generated password.
 */
export function grafanaDatabase(config: DatabaseInput) {
  const db = grafanaDatabaseConfig(config);
  if (!db) return undefined;
  const tags = awsTags(config, "grafana");
  return {
    key: {
      description: `Encrypts the ${config.environment} Grafana database, its backups and snapshots`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      // The longest wait: a key scheduled for deletion by mistake can be saved for 30 days.
      deletionWindowInDays: 30,
      tags,
    },
    alias: { name: `alias/observability-${config.environment}-grafana-db`, targetKeyId: ref("keyId") },
    /** The subnets with their configured zones, which the program checks against AWS first. */
    subnets: db.subnets.map((s) => ({ id: s.id, zone: s.zone })),
    subnetGroup: {
      description: `Grafana database (${config.environment}): ${db.subnets.map((s) => `${s.id} in ${s.zone}`).join(", ")}`,
      subnetIds: db.subnets.map((s) => s.id),
      tags,
    },
    /** The database's master password and Grafana's `secret_key` (which encrypts data-source secrets in the database). */
    password: generated(48),
    secretKey: generated(48),
    /**
     * No `identifier`: Pulumi names the instance once and keeps the name, so no config value can
     * change it (a new identifier would replace the database). Engine, encryption, key, database
     * name and login are fixed for the same reason; everything the config sets changes in place.
     */
    instance: {
      engine: GRAFANA_DATABASE.engine,
      engineVersion: GRAFANA_DATABASE.version,
      // Minors arrive in the maintenance window; a major only from a reviewed change of the pin.
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: true,
      // Changes wait for the maintenance window instead of failing over during `pulumi up`.
      applyImmediately: false,
      instanceClass: db.instanceClass,
      multiAz: true,
      storageType: "gp3",
      allocatedStorage: db.allocatedStorageGb,
      maxAllocatedStorage: db.maxAllocatedStorageGb,
      storageEncrypted: true,
      kmsKeyId: ref("keyArn"),
      dbName: DATABASE_NAME,
      username: DATABASE_USER,
      password: secretRef("grafanaDatabasePassword"),
      port: DATABASE_PORT,
      dbSubnetGroupName: ref("subnetGroup"),
      vpcSecurityGroupIds: db.securityGroupIds,
      publiclyAccessible: false,
      backupRetentionPeriod: db.backupRetentionDays,
      copyTagsToSnapshot: true,
      // Nothing lost on a mistaken delete: a final snapshot, and the automated backups kept.
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `observability-${config.environment}-grafana-final`,
      deleteAutomatedBackups: false,
      deletionProtection: config.production,
      tags,
    },
    /** Protected and kept in Pulumi in production, like every stateful resource. */
    protect: config.production,
  };
}
export type GrafanaDatabaseSpec = NonNullable<ReturnType<typeof grafanaDatabase>>;

/** The Secret Grafana's pods read the password and `secret_key` from; the values are Pulumi secrets. */
export const databaseSecret = (config: Pick<StackConfig, "environment">) => ({
  metadata: {
    name: DATABASE_SECRET,
    namespace: ref("namespace"),
    labels: { ...managedLabels(), environment: config.environment },
  },
  type: "Opaque",
  stringData: {
    [DATABASE_SECRET_KEYS.password]: secretRef("grafanaDatabasePassword"),
    [DATABASE_SECRET_KEYS.secretKey]: secretRef("grafanaSecretKey"),
  },
});

/**
 * What the database needs that this program does not create: the network it lives in and the way
 * Grafana's pods reach it. Pure, so it can join the stack's list of prerequisites.
 */
export function databasePrerequisites(config: Pick<StackConfig, "grafana">): Prerequisite[] {
  const db = grafanaDatabaseConfig(config);
  if (!db) return [];
  const zones = [...new Set(db.subnets.map((s) => s.zone))].sort();
  const subnetIds = db.subnets.map((s) => s.id);
  return [
    {
      id: "grafana-database-subnets",
      what: `private subnets ${subnetIds.join(", ")} of the cluster's VPC, each in the Availability Zone the config gives it (${zones.join(", ")})`,
      why: "RDS places Grafana's database and its Multi-AZ standby in two of these zones; it refuses a subnet group that covers fewer than two, and a zone given wrongly in the config hides a single-zone database",
      configKeys: ["grafana.database.subnets"],
      howToCheck: `\`aws ec2 describe-subnets --subnet-ids ${subnetIds.join(" ")} --query 'Subnets[].[SubnetId,AvailabilityZone,VpcId,MapPublicIpOnLaunch]' --output text\`: each in its configured zone and the cluster's VPC, not public`,
    },
    {
      id: "grafana-database-security-group",
      what: `security group ${db.securityGroupIds.join(", ")} allowing TCP ${DATABASE_PORT} from Grafana's pods (the cluster nodes' security group, or the pods' own with security groups for pods)`,
      why: "Grafana's pods reach the database only on its private endpoint through it; without the rule they cannot start, and nothing else needs to reach it",
      configKeys: ["grafana.database.securityGroupIds"],
      howToCheck: `\`aws ec2 describe-security-groups --group-ids ${db.securityGroupIds.join(" ")} --query 'SecurityGroups[].IpPermissions[].[FromPort,ToPort,UserIdGroupPairs[].GroupId]'\`: a rule for port ${DATABASE_PORT} from the nodes' security group; after \`pulumi up\`, \`kubectl -n ${config.grafana.namespace} logs deploy/grafana | grep -i database\``,
    },
  ];
}

export { generated };
