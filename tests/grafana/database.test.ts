import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, type StackConfig } from "../../infra/config";
import {
  DATABASE_NAME,
  DATABASE_PORT,
  DATABASE_SECRET,
  DATABASE_SECRET_KEYS,
  DATABASE_USER,
  databaseMajor,
  grafanaDatabase,
  databasePrerequisites,
} from "../../infra/generators/grafana";
import { subnetPlacementProblems } from "../../infra/config/grafana-database";
import { isRef, KEPT_KEY } from "../../infra/generators/refs";
import { GRAFANA_DATABASE } from "../../infra/versions";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { isSecret, reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";
import { componentResources, one, rendered, STACKS } from "../helpers/render";

const T = {
  component: "observability:grafana:Database",
  instance: "aws:rds/instance:Instance",
  subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
  key: "aws:kms/key:Key",
  alias: "aws:kms/alias:Alias",
  password: "random:index/randomPassword:RandomPassword",
  secret: "kubernetes:core/v1:Secret",
  release: "kubernetes:helm.sh/v3:Release",
};

type Json = Record<string, unknown>;
const prodGrafana = () => stackValue<Json>("prod", "grafana");
const prodDatabase = () => prodGrafana().database as Json;
/** The prod stack with grafana.database's keys replaced. */
const withDatabase = (db: Json, grafana: Json = {}) =>
  stackConfig("prod", { grafana: { ...prodGrafana(), ...grafana, database: { ...prodDatabase(), ...db } } });

/**
 * Inputs of aws.rds.Instance whose change makes RDS (through the AWS provider) replace the instance
 * rather than modify it: ForceNew in the provider's schema (terraform-provider-aws
 * internal/service/rds/instance.go), the same in @pulumi/aws, which bridges it.
 */
const REPLACING_INPUTS = [
  "availabilityZone",
  "characterSetName",
  "customIamInstanceProfile",
  "dbName",
  "engine",
  "identifier",
  "identifierPrefix",
  "kmsKeyId",
  "ncharCharacterSetName",
  "restoreToPointInTime",
  "snapshotIdentifier",
  "storageEncrypted",
  "timezone",
  "username",
];

describe("grafana.database and grafana.replicas in the config", () => {
  const problems = (f: () => unknown): string[] => {
    try {
      f();
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it("gives prod two replicas on the database, and dev one on SQLite", () => {
    const prod = stackConfig("prod");
    expect(prod.grafana.database).toBeDefined();
    expect(prod.grafana.replicas).toBeGreaterThanOrEqual(2);
    expect(prod.grafana.storageSize).toBeUndefined();
    const dev = stackConfig("dev");
    expect(dev.grafana.database).toBeUndefined();
    expect(dev.grafana.replicas).toBe(1);
    expect(dev.grafana.storageSize).toBe(stackValue<Json>("dev", "grafana").storageSize);
    // The defaults: two replicas with a database, one without.
    expect(withDatabase({}, { replicas: undefined }).grafana.replicas).toBe(2);
    expect(stackConfig("dev", { grafana: { namespace: "grafana" } }).grafana.replicas).toBe(1);
  });

  it("requires the database in production, and two replicas on it", () => {
    const { database: _, ...sqlite } = prodGrafana();
    expect(problems(() => stackConfig("prod", { grafana: { ...sqlite, replicas: undefined } }))).toEqual([
      expect.stringMatching(
        /^observability:grafana\.database: production runs Grafana on a PostgreSQL database/,
      ),
    ]);
    expect(problems(() => withDatabase({}, { replicas: 1 }))).toEqual([
      "observability:grafana.replicas: production needs at least 2 Grafana replicas",
    ]);
    // Not production: one replica on the database is allowed, and no database at all.
    expect(
      problems(() => stackConfig("prod", { production: false, grafana: { ...prodGrafana(), replicas: 1 } })),
    ).toEqual([]);
  });

  it("refuses several replicas on SQLite, and a volume size beside the database", () => {
    expect(problems(() => stackConfig("dev", { grafana: { replicas: 2 } }))).toEqual([
      expect.stringMatching(/^observability:grafana\.replicas: more than one replica needs `database`/),
    ]);
    expect(problems(() => withDatabase({}, { storageSize: "20Gi" }))).toEqual([
      expect.stringMatching(/^observability:grafana\.storageSize: Grafana keeps its data in `database`/),
    ]);
  });
});

describe("the database's resources, from the config", () => {
  let prod: StackConfig;
  let spec: NonNullable<ReturnType<typeof grafanaDatabase>>;
  beforeAll(() => {
    prod = stackConfig("prod");
    spec = grafanaDatabase(prod)!;
  });

  it("has none without grafana.database", () => {
    expect(grafanaDatabase(stackConfig("dev"))).toBeUndefined();
    expect(databasePrerequisites(stackConfig("dev"))).toEqual([]);
  });

  it("runs the pinned PostgreSQL major, which requires TLS by default (15+)", () => {
    expect(spec.instance).toMatchObject({ engine: "postgres", engineVersion: GRAFANA_DATABASE.version });
    expect(GRAFANA_DATABASE.version).toMatch(/^\d+$/);
    expect(databaseMajor()).toBeGreaterThanOrEqual(15);
    expect(spec.instance).toMatchObject({ autoMinorVersionUpgrade: true, applyImmediately: false });
  });

  it("is Multi-AZ, encrypted with its own key, private, in the configured subnets and security groups", () => {
    const db = prod.grafana.database!;
    expect(spec.instance).toMatchObject({
      multiAz: true,
      storageEncrypted: true,
      publiclyAccessible: false,
      port: DATABASE_PORT,
      vpcSecurityGroupIds: db.securityGroupIds,
      instanceClass: db.instanceClass,
      allocatedStorage: db.allocatedStorageGb,
      maxAllocatedStorage: db.maxAllocatedStorageGb,
    });
    expect(isRef(spec.instance.kmsKeyId)).toBe(true);
    expect(isRef(spec.instance.dbSubnetGroupName)).toBe(true);
    expect(spec.subnetGroup.subnetIds).toEqual(db.subnets.map((s) => s.id));
    expect(new Set(db.subnets.map((s) => s.zone)).size).toBeGreaterThanOrEqual(2);
    expect(spec.key).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
  });

  it("loses nothing on a mistaken delete: protected, deletion-protected, final snapshot, backups kept", () => {
    expect(spec.protect).toBe(true);
    expect(spec.instance).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      backupRetentionPeriod: prod.grafana.database!.backupRetentionDays,
    });
    expect(spec.instance.finalSnapshotIdentifier).toMatch(/^[A-Za-z](?!.*--)[0-9A-Za-z-]{0,254}[0-9A-Za-z]$/);
    const dev = grafanaDatabase(stackConfig("prod", { production: false }))!;
    expect(dev.protect).toBe(false);
    expect(dev.instance.deletionProtection).toBe(false);
    expect(dev.instance.skipFinalSnapshot).toBe(false);
  });

  it("takes its password from the generated secret, never from a value", () => {
    expect(spec.instance.password).toEqual({ $ref: "secret:grafanaDatabasePassword" });
    expect(spec.instance).toMatchObject({ dbName: DATABASE_NAME, username: DATABASE_USER });
    for (const generated of [spec.password, spec.secretKey])
      expect(generated).toMatchObject({ length: 48, special: false });
  });

  it("has no configurable value among the inputs that replace the instance", () => {
    const replacing = (s: typeof spec) =>
      Object.fromEntries(REPLACING_INPUTS.map((k) => [k, (s.instance as Json)[k]]));
    const base = replacing(spec);
    // Pulumi names the instance once (no identifier), so no value can rename it.
    expect(base.identifier).toBeUndefined();
    expect(base.identifierPrefix).toBeUndefined();
    const variants: [string, StackConfig][] = [
      ["instanceClass", withDatabase({ instanceClass: "db.r7g.large" })],
      ["allocatedStorageGb", withDatabase({ allocatedStorageGb: 50, maxAllocatedStorageGb: 500 })],
      ["backupRetentionDays", withDatabase({ backupRetentionDays: 35 })],
      [
        "subnets",
        withDatabase({
          subnets: [
            { id: "subnet-0a1b2c3d4e5f6aaaa", zone: "us-east-1d" },
            { id: "subnet-0a1b2c3d4e5f6bbbb", zone: "us-east-1f" },
          ],
        }),
      ],
      [
        "securityGroupIds",
        withDatabase({ securityGroupIds: ["sg-0123456789abcdef0", "sg-0123456789abcdef1"] }),
      ],
      ["replicas", withDatabase({}, { replicas: 3 })],
      ["environment", stackConfig("prod", { environment: "production" })],
      ["production", stackConfig("prod", { production: false })],
    ];
    for (const [key, config] of variants) {
      const varied = grafanaDatabase(config)!;
      expect(replacing(varied), key).toEqual(base);
    }
    // The variants do change what they configure (the comparison above is not vacuous).
    expect(grafanaDatabase(variants[0]![1])!.instance.instanceClass).toBe("db.r7g.large");
    expect(grafanaDatabase(variants[3]![1])!.subnetGroup.subnetIds).toHaveLength(2);
  });

  it("lists what must exist before, naming the config keys", () => {
    const list = databasePrerequisites(prod);
    expect(list.map((p) => p.configKeys)).toEqual([
      ["grafana.database.subnets"],
      ["grafana.database.securityGroupIds"],
    ]);
    for (const p of list) {
      expect(Object.keys(p).sort()).toEqual(["configKeys", "howToCheck", "id", "what", "why"]);
      expect(p.id).toMatch(/^[a-z0-9-]+$/);
    }
    expect(new Set(list.map((p) => p.id)).size).toBe(list.length);
    for (const s of prod.grafana.database!.subnets) expect(list[0]!.howToCheck).toContain(s.id);
    for (const s of prod.grafana.database!.subnets) expect(list[0]!.what).toContain(s.id);
    for (const sg of prod.grafana.database!.securityGroupIds) expect(list[1]!.what).toContain(sg);
    expect(list[1]!.what).toContain(String(DATABASE_PORT));
  });
});

/** Stacks by whether they configure the database; each kind is tested as such. */
const WITH_DATABASE = STACKS.filter((s) => stackConfig(s).grafana.database !== undefined);
const WITHOUT_DATABASE = STACKS.filter((s) => !WITH_DATABASE.includes(s));

describe("the subnets' placement, checked against AWS before anything is created", () => {
  const configured = [
    { id: "subnet-0a1b2c3d4e5f60001", zone: "us-east-1a" },
    { id: "subnet-0a1b2c3d4e5f60002", zone: "us-east-1b" },
  ];
  const vpc = "vpc-0123456789abcdef0";

  it("accepts subnets where the config says, in one VPC", () => {
    const observed = configured.map((s) => ({ id: s.id, availabilityZone: s.zone, vpcId: vpc }));
    expect(subnetPlacementProblems(configured, observed)).toEqual([]);
  });

  it("refuses a subnet in another zone than configured: the database would be in one zone", () => {
    const observed = configured.map((s) => ({ id: s.id, availabilityZone: "us-east-1a", vpcId: vpc }));
    expect(subnetPlacementProblems(configured, observed)).toEqual([
      "subnet subnet-0a1b2c3d4e5f60002 is in us-east-1a, not us-east-1b as configured",
    ]);
  });

  it("refuses subnets of two VPCs, and a subnet AWS does not know", () => {
    const observed = [
      { id: configured[0]!.id, availabilityZone: "us-east-1a", vpcId: vpc },
      { id: configured[1]!.id, availabilityZone: "us-east-1b", vpcId: "vpc-0fedcba9876543210" },
    ];
    expect(subnetPlacementProblems(configured, observed)).toEqual([
      "expected the subnets of one VPC (an RDS subnet group's rule); found vpc-0123456789abcdef0 (subnet-0a1b2c3d4e5f60001), vpc-0fedcba9876543210 (subnet-0a1b2c3d4e5f60002)",
    ]);
    expect(subnetPlacementProblems(configured, observed.slice(0, 1))).toEqual([
      "subnet subnet-0a1b2c3d4e5f60002 was not found in the stack's account and region",
    ]);
  });

  it("names the subnets with their zones in the spec the component checks", () => {
    const spec = grafanaDatabase(stackConfig("prod"))!;
    expect(spec.subnets).toEqual(stackConfig("prod").grafana.database!.subnets);
  });
});

describe("the stacks", () => {
  it("have production on the database, and every production stack is among them", () => {
    expect(WITH_DATABASE.length).toBeGreaterThan(0);
    for (const s of STACKS) if (stackConfig(s).production) expect(WITH_DATABASE).toContain(s);
  });
});

describe.each(WITHOUT_DATABASE)("the %s render, on SQLite", (stack) => {
  it("has no database, password or database Secret", () => {
    const result = rendered(stack);
    expect(
      result.resources.filter(
        (r) =>
          r.type.startsWith("aws:rds/") ||
          // Grafana's generated passwords (the logging stack generates its exporter's own).
          (r.type.startsWith("random:") && r.name.startsWith("grafana")) ||
          r.type === T.component ||
          (r.type === T.secret && (r.inputs.metadata as Json).name === DATABASE_SECRET),
      ),
    ).toEqual([]);
  });
});

/** The database as the real program registers it. */
describe.each(WITH_DATABASE)("Grafana's database in the %s render", (stack) => {
  let result: RenderResult;
  let mine: RecordedResource[];
  const ofMine = (type: string) => mine.filter((r) => r.type === type);
  beforeAll(() => {
    result = rendered(stack);
    mine = componentResources(result, T.component);
  });

  it("is one instance, subnet group, key and two generated secrets, under the Grafana component", () => {
    expect(ofMine(T.instance)).toHaveLength(1);
    expect(ofMine(T.subnetGroup)).toHaveLength(1);
    expect(ofMine(T.key)).toHaveLength(1);
    expect(ofMine(T.alias)).toHaveLength(1);
    expect(ofMine(T.password)).toHaveLength(2);
    const grafana = one(result, "observability:grafana:Grafana", "grafana");
    expect(one(result, T.component, "grafana-database").parent).toBe(grafana.urn);
  });

  it("wires the instance to its key, subnet group and generated password, and protects what holds data", () => {
    const instance = ofMine(T.instance)[0]!;
    const key = ofMine(T.key)[0]!;
    const subnets = ofMine(T.subnetGroup)[0]!;
    // The mocks give the key its ARN (in prod's deploy account) and the subnet group its name.
    expect(instance.inputs.kmsKeyId).toBe(`arn:aws:kms:us-east-1:222222222222:${key.name}`);
    expect(instance.inputs.dbSubnetGroupName).toBe(`${subnets.name}-name`);
    expect(isSecret(instance.inputs.password)).toBe(true);
    expect(reveal(instance.inputs.password)).toBe("mock-random-grafana-database-password");
    const production = result.config.production;
    for (const r of [instance, key, ...ofMine(T.password)]) {
      expect(r.protect, r.name).toBe(production);
      expect(r.retainOnDelete, r.name).toBe(production);
    }
    expect(instance.inputs.deletionProtection).toBe(production);
    expect(instance.inputs.multiAz).toBe(true);
    expect(instance.inputs.storageEncrypted).toBe(true);
  });

  it("never replaces the secret_key for a change of its arguments; the password follows them", () => {
    const byName = (n: string) => ofMine(T.password).find((r) => r.name === n)!;
    // A new secret_key leaves every secret Grafana stored in the database unreadable.
    expect(byName("grafana-database-secret-key").ignoreChanges).toEqual(KEPT_KEY.ignoreChanges);
    expect(KEPT_KEY.ignoreChanges).toEqual(expect.arrayContaining(["length", "special", "minUpper"]));
    expect(byName("grafana-database-password").ignoreChanges).toBeUndefined();
  });

  it("hands the credentials to Grafana only through its Secret, as Pulumi secrets", () => {
    const secret = ofMine(T.secret);
    expect(secret).toHaveLength(1);
    expect(secret[0]!.inputs.metadata).toMatchObject({
      name: DATABASE_SECRET,
      namespace: result.config.grafana.namespace,
    });
    expect(isSecret(secret[0]!.inputs.stringData)).toBe(true);
    const data = reveal(secret[0]!.inputs.stringData) as Record<string, string>;
    expect(data).toEqual({
      [DATABASE_SECRET_KEYS.password]: "mock-random-grafana-database-password",
      [DATABASE_SECRET_KEYS.secretKey]: "mock-random-grafana-database-secret-key",
    });
    // No generated value appears anywhere else in plain text: not in the release, not in outputs.
    const release = one(result, T.release, "grafana-release");
    for (const v of Object.values(data)) {
      expect(JSON.stringify(release.inputs)).not.toContain(v);
      expect(JSON.stringify(result.outputs)).not.toContain(v);
    }
  });

  it("points Grafana at the instance's endpoint", () => {
    const release = one(result, T.release, "grafana-release");
    const db = ((release.inputs.values as Json)["grafana.ini"] as Json).database as Json;
    const instance = ofMine(T.instance)[0]!;
    expect(db.host).toBe(`${instance.name}-identifier.offline.us-east-1.rds.amazonaws.com:${DATABASE_PORT}`);
    const out = (result.outputs as { grafana: { database: { endpoint: string } } }).grafana.database;
    expect(out.endpoint).toBe(db.host);
  });
});
