import { z } from "zod";
import { RETENTION } from "../catalog/retention";
import { dnsName } from "./common";

const cpu = z.number().positive().max(64);
const gb = z.number().positive().max(1024);

/** One group of Elasticsearch nodes: count, resources and JVM heap. */
const nodeGroup = (defaults: {
  count: number;
  memoryGb: number;
  heapGb: number;
  cpu: number;
  storageGb: number;
}) =>
  z
    .strictObject({
      count: z.number().int().min(0).max(50).default(defaults.count),
      memoryGb: gb.default(defaults.memoryGb),
      /** JVM heap; Elastic recommends at most half the memory, the rest is filesystem cache. */
      heapGb: gb.default(defaults.heapGb),
      cpu: cpu.default(defaults.cpu),
      storageGb: z.number().int().min(1).max(65536).default(defaults.storageGb),
    })
    .prefault({});

const workload = (defaults: { replicas: number; memoryGb: number; cpu: number }) =>
  z
    .strictObject({
      replicas: z.number().int().min(1).max(20).default(defaults.replicas),
      memoryGb: gb.default(defaults.memoryGb),
      cpu: cpu.default(defaults.cpu),
    })
    .prefault({});

const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/, "expected a field name such as ssn or payment.iban");

/** The ELK stack on Kubernetes (ECK) and how logs are kept in it. */
export const loggingSchema = z
  .strictObject({
    /** Kubernetes namespace of Elasticsearch, Kibana, Logstash and Filebeat. */
    namespace: dnsName.default("logging"),
    /** Name of the Elasticsearch resource; its HTTP service is `<name>-es-http`. */
    clusterName: dnsName.default("logs"),
    /** Elastic Stack version of Elasticsearch, Kibana, Logstash and Filebeat. */
    stackVersion: z
      .string()
      .regex(/^9\.\d+\.\d+$/, "expected an Elastic Stack 9.x version such as 9.1.5")
      .default("9.1.5"),
    /** eck-operator Helm chart version (pinned). */
    eckOperatorVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a chart version such as 3.1.0")
      .default("3.1.0"),
    elasticsearch: z
      .strictObject({
        /** Dedicated master nodes: 0 (the data nodes are master-eligible: dev) or an odd 3-7. */
        masters: nodeGroup({ count: 0, memoryGb: 2, heapGb: 1, cpu: 0.5, storageGb: 10 }),
        data: nodeGroup({ count: 1, memoryGb: 4, heapGb: 2, cpu: 1, storageGb: 50 }),
        /** StorageClass of the data volumes; unset uses the cluster default. */
        storageClassName: z.string().min(1).optional(),
        /** Node label that names the zone; pods spread across its values and shards are zone-aware. */
        zoneTopologyKey: z.string().min(1).default("topology.kubernetes.io/zone"),
      })
      .prefault({}),
    kibana: workload({ replicas: 1, memoryGb: 1, cpu: 0.5 }),
    logstash: workload({ replicas: 1, memoryGb: 2, cpu: 1 }),
    /** Backing indices roll over at this age, so ILM's clock (which starts at rollover) stays close to ingest time. */
    rolloverMaxAgeDays: z.number().int().min(1).max(7).default(1),
    rolloverMaxPrimaryShardSizeGb: z.number().int().min(1).max(200).default(50),
    /** Indices older than this (after rollover) become read-only and are force-merged. */
    warmAfterDays: z.number().int().min(1).max(365).default(2),
    /** How long audit logs stay searchable in Elasticsearch; the S3 archive keeps them 7 years regardless. */
    auditSearchableDays: z
      .number()
      .int()
      .min(7)
      .max(RETENTION.audit.days, `expected at most ${RETENTION.audit.days} days (the audit retention)`)
      .default(365),
    /** Extra fields, anywhere in a log document, that the ingest pipeline removes (besides the built-in list). */
    redactFields: z.array(fieldName).default([]),
    snapshots: z
      .strictObject({
        /** SLM schedule (Elasticsearch cron, UTC). */
        schedule: z.string().min(1).default("0 30 1 * * ?"),
        /** Snapshots older than this are deleted by SLM (keeping at least minCount). */
        retentionDays: z.number().int().min(1).max(3650).default(30),
        minCount: z.number().int().min(1).max(1000).default(5),
        maxCount: z.number().int().min(1).max(1000).default(50),
      })
      .prefault({}),
    /** The EKS cluster's IAM OIDC provider, for IAM roles of service accounts (S3 archive and snapshots). */
    oidcProvider: z.strictObject({
      arn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, "expected an IAM OIDC provider ARN"),
      /** Issuer URL without https://, e.g. oidc.eks.us-east-1.amazonaws.com/id/ABC123. */
      issuer: z
        .string()
        .regex(/^[a-z0-9.-]+\/[A-Za-z0-9/._-]+$/, "expected the issuer host/path without https://"),
    }),
  })
  .superRefine((cfg, ctx) => {
    const es = cfg.elasticsearch;
    for (const group of ["masters", "data"] as const) {
      const g = es[group];
      if (g.heapGb > g.memoryGb / 2)
        ctx.addIssue({
          code: "custom",
          path: ["elasticsearch", group, "heapGb"],
          message: `heap ${g.heapGb} GB is more than half of memoryGb ${g.memoryGb}: Lucene needs the rest as page cache`,
        });
    }
    if (es.masters.count !== 0 && (es.masters.count < 3 || es.masters.count % 2 === 0))
      ctx.addIssue({
        code: "custom",
        path: ["elasticsearch", "masters", "count"],
        message: "expected 0 (no dedicated masters) or an odd number of at least 3 for a quorum",
      });
    if (es.data.count < 1)
      ctx.addIssue({
        code: "custom",
        path: ["elasticsearch", "data", "count"],
        message: "expected at least one data node",
      });
    if (cfg.warmAfterDays >= cfg.auditSearchableDays)
      ctx.addIssue({
        code: "custom",
        path: ["warmAfterDays"],
        message: "must be less than auditSearchableDays",
      });
    if (cfg.rolloverMaxAgeDays >= Math.min(cfg.auditSearchableDays, RETENTION.debug.days))
      ctx.addIssue({
        code: "custom",
        path: ["rolloverMaxAgeDays"],
        message: `must be less than the shortest retention (${RETENTION.debug.days} days)`,
      });
    if (cfg.snapshots.minCount > cfg.snapshots.maxCount)
      ctx.addIssue({
        code: "custom",
        path: ["snapshots", "minCount"],
        message: "must not exceed snapshots.maxCount",
      });
  });
export type LoggingConfig = z.infer<typeof loggingSchema>;

/**
 * Checks that need the root config: production must run highly available. Called from the root
 * schema so that a bad topology fails validation before any resource exists.
 */
export function loggingProductionProblems(
  logging: LoggingConfig,
  production: boolean,
): { path: string[]; message: string }[] {
  if (!production) return [];
  const problems: { path: string[]; message: string }[] = [];
  if (logging.elasticsearch.masters.count < 3)
    problems.push({
      path: ["logging", "elasticsearch", "masters", "count"],
      message: "production needs 3 (or 5, 7) dedicated master nodes",
    });
  if (logging.elasticsearch.data.count < 2)
    problems.push({
      path: ["logging", "elasticsearch", "data", "count"],
      message: "production needs at least 2 data nodes",
    });
  if (logging.kibana.replicas < 2)
    problems.push({
      path: ["logging", "kibana", "replicas"],
      message: "production needs at least 2 Kibana replicas",
    });
  return problems;
}
