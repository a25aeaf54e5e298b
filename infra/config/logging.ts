import { z } from "zod";
import { READER_ROLES } from "../catalog/log-roles";
import { RETENTION } from "../catalog/retention";
import { ECK_OPERATOR, ELASTIC_STACK } from "../versions";
import { dnsName, esCron, fieldPath, hostname, k8sSubdomain, labelKey, singleLine } from "./common";
import {
  type EndpointOwner,
  endpointAlbSchemeSchema,
  endpointDnsSchema,
  endpointProblems,
  endpointTlsSchema,
} from "./endpoint";
import { esUsername } from "./grafana";

const cpu = z.number().positive().max(64);
const gb = z.number().positive().max(1024);

/**
 * One group of Elasticsearch nodes: count, resources and JVM heap. `node` names one node of the
 * group and `count` describes the group's count, both for the field descriptions.
 */
const nodeGroup = (
  node: string,
  count: string,
  defaults: {
    count: number;
    memoryGb: number;
    heapGb: number;
    cpu: number;
    storageGb: number;
  },
) =>
  z
    .strictObject({
      count: z.number().int().min(0).max(50).default(defaults.count).meta({ description: count }),
      memoryGb: gb
        .default(defaults.memoryGb)
        .meta({ description: `Memory request and limit per ${node}, in GB.` }),
      heapGb: gb.default(defaults.heapGb).meta({
        description: `JVM heap per ${node}, in GB; at most half of \`memoryGb\` (the rest is filesystem cache for Lucene).`,
      }),
      cpu: cpu.default(defaults.cpu).meta({ description: `CPU request per ${node}, in cores.` }),
      storageGb: z
        .number()
        .int()
        .min(1)
        .max(65536)
        .default(defaults.storageGb)
        .meta({ description: `Size of the data volume per ${node}, in GB.` }),
    })
    .prefault({});

/**
 * One Elastic Stack workload (Kibana, Logstash): replicas and resources. `name` names it and
 * `replicas` describes its replica count, both for the field descriptions.
 */
const workloadShape = (
  name: string,
  replicas: string,
  defaults: { replicas: number; memoryGb: number; cpu: number },
  memoryNote = "",
) => ({
  replicas: z.number().int().min(1).max(20).default(defaults.replicas).meta({ description: replicas }),
  memoryGb: gb
    .default(defaults.memoryGb)
    .meta({ description: `Memory request and limit per ${name} instance, in GB.${memoryNote}` }),
  cpu: cpu.default(defaults.cpu).meta({ description: `CPU request per ${name} instance, in cores.` }),
});
const workload = (...args: Parameters<typeof workloadShape>) =>
  z.strictObject(workloadShape(...args)).prefault({});

/** Kibana's public endpoint: the same choices as Grafana's (./endpoint.ts), under its own key. */
export const KIBANA_ENDPOINT: EndpointOwner = {
  what: "Kibana",
  key: "logging.kibana.endpoint",
  internalAlbNote: " (nothing in `pulumi up` calls Kibana's public URL, so the program may run anywhere)",
  hostedZone: "hosted zone (public, or private to the VPC for an internal ALB)",
};

const kibanaEndpointSchema = z
  .strictObject({
    hostname: hostname.meta({
      description:
        "Public host name of Kibana: an Ingress serves `https://<hostname>` and Kibana's `server.publicBaseUrl` is set to it. Not `grafana.hostname`: each needs a name of its own.",
    }),
    ingressClassName: k8sSubdomain.default("nginx").meta({
      description:
        "Ingress class of Kibana's Ingress: `alb` (the AWS Load Balancer Controller) or a class served by ingress-nginx. Kibana's backend speaks HTTPS (ECK's certificate), which each of these controllers is told in its own annotation; `pulumi up` checks the class's controller before it creates anything.",
    }),
    tls: endpointTlsSchema(KIBANA_ENDPOINT),
    dns: endpointDnsSchema(KIBANA_ENDPOINT),
    albScheme: endpointAlbSchemeSchema(KIBANA_ENDPOINT),
  })
  .superRefine((e, ctx) => {
    for (const p of endpointProblems(KIBANA_ENDPOINT, e)) ctx.addIssue({ code: "custom", ...p });
  });

/** The Elasticsearch exporter's file-realm user (infra/generators/logging/kubernetes.ts). */
export const EXPORTER_USERNAME = "elasticsearch-exporter";

/** One person's native-realm user (docs/logs-access.md). */
const loggingUserSchema = z.strictObject({
  username: esUsername.meta({
    description:
      "The user's Elasticsearch (and Kibana) login name: a-z, 0-9, '_' and '-', starting with a letter, at most 63 characters; not a built-in or ECK user.",
  }),
  roles: z
    .array(z.enum(READER_ROLES))
    .min(1, "expected at least one role")
    .refine((r) => new Set(r).size === r.length, "expected each role once")
    .meta({
      description: `The user's roles, the union of whose privileges it gets: ${READER_ROLES.map((r) => `\`${r}\``).join(", ")}. Only \`auditor\` reads the audit stream.`,
    }),
  fullName: singleLine(256).optional().meta({ description: "The person's name, shown in Kibana." }),
  email: z.email("expected an email address").max(254).optional().meta({
    description: "The person's email address, shown in Kibana.",
  }),
  passwordRotation: z.number().int().min(0).max(1_000_000).default(0).meta({
    description:
      "Raise it by one to rotate the user's password: the next `pulumi up` generates a new one and the users Job sets it.",
  }),
});
export type LoggingUser = z.infer<typeof loggingUserSchema>;

/** ECK refuses Elasticsearch and Kibana names over 36 characters (its derived Pod names must fit). */
const eckName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,34}[a-z0-9])?$/,
    "expected a lowercase name (a-z, 0-9, '-'), at most 36 characters",
  );

/**
 * Kibana 9.4 and later runs out of memory while starting its plugins in a 1 GiB container (ECK
 * 3.4.0 raised its own default to 2 GiB for this reason, elastic/cloud-on-k8s#9328); our memory is
 * both request and limit, so a smaller Kibana would crash-loop instead of running as configured.
 */
export const KIBANA_MIN_MEMORY = { fromStack: "9.4.0", gb: 2 } as const;

/** Numeric comparison of two x.y.z versions. */
const versionAtLeast = (version: string, min: string): boolean => {
  const a = version.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/** An Elasticsearch cron schedule that fires on every day of every month and year. */
const runsDaily = (schedule: string): boolean => {
  const f = schedule.trim().split(/\s+/);
  return [f[3], f[4], f[5], f[6] ?? "*"].every((x) => x === "*" || x === "?");
};

/**
 * Filebeat's namespace is the logging namespace's name with this suffix: it reads the nodes' log
 * files (a privileged pod), and the logging namespace enforces the restricted Pod Security standard.
 */
export const FILEBEAT_NAMESPACE_SUFFIX = "-filebeat";
/** The ECK operator's namespace, where its chart is released. */
export const ECK_OPERATOR_NAMESPACE = "elastic-system";

/** The ELK stack on Kubernetes (ECK) and how logs are kept in it. */
export const loggingSchema = z
  .strictObject({
    namespace: dnsName.default("logging").meta({
      description: `Kubernetes namespace of Elasticsearch, Kibana, Logstash, the settings Jobs and the exporters; the component creates it, and beside it \`<namespace>${FILEBEAT_NAMESPACE_SUFFIX}\` for Filebeat, which reads the nodes' log files (the only pod there; docs/design/pod-security.md).`,
    }),
    clusterName: eckName.default("logs").meta({
      description:
        "Name of the ECK resources; Elasticsearch's HTTP service is `https://<clusterName>-es-http.<namespace>.svc:9200`.",
    }),
    stackVersion: z
      .string()
      .regex(/^9\.\d+\.\d+$/, `expected an Elastic Stack 9.x version such as ${ELASTIC_STACK.version}`)
      .default(ELASTIC_STACK.version)
      .meta({
        description:
          "Elastic Stack 9.x version of Elasticsearch, Kibana, Logstash and Filebeat (ECK pulls their images). Elasticsearch cannot be downgraded: lower it only on a new cluster.",
      }),
    // ECK 3.0 is the first operator that runs Stack 9 (its release notes); every 3.x accepts all of 9.x.
    eckOperatorVersion: z
      .string()
      .regex(
        /^3\.\d+\.\d+$/,
        `expected an ECK 3.x chart version such as ${ECK_OPERATOR.version}: Elastic Stack 9 runs on ECK 3 only`,
      )
      .default(ECK_OPERATOR.version)
      .meta({
        description: `Pinned version of the \`${ECK_OPERATOR.chart}\` Helm chart (${ECK_OPERATOR.repo}); a 3.x version, the ECK line that runs Elastic Stack 9.`,
      }),
    elasticsearch: z
      .strictObject({
        masters: nodeGroup(
          "master node",
          "Dedicated master nodes: 0 (the data nodes are master-eligible, for dev) or an odd 3-7. Production needs at least 3.",
          { count: 0, memoryGb: 2, heapGb: 1, cpu: 0.5, storageGb: 10 },
        ).meta({ description: "The dedicated master nodes of Elasticsearch." }),
        data: nodeGroup(
          "data node",
          "Data (and ingest) nodes; at least 1, and production needs at least 2.",
          { count: 1, memoryGb: 4, heapGb: 2, cpu: 1, storageGb: 50 },
        ).meta({ description: "The data (and ingest) nodes of Elasticsearch." }),
        zoneTopologyKey: labelKey.default("topology.kubernetes.io/zone").meta({
          description:
            "Node label that names the zone: pods spread across its values and shard copies never share a zone.",
        }),
      })
      .prefault({})
      .meta({ description: "Elasticsearch node groups and their storage and zone placement." }),
    kibana: z
      .strictObject({
        ...workloadShape(
          "Kibana",
          "Kibana instances; production needs at least 2.",
          { replicas: 1, memoryGb: KIBANA_MIN_MEMORY.gb, cpu: 0.5 },
          ` At least ${KIBANA_MIN_MEMORY.gb} from Elastic Stack ${KIBANA_MIN_MEMORY.fromStack} on, which runs out of memory while starting with less.`,
        ),
        endpoint: kibanaEndpointSchema.optional().meta({
          description:
            "Kibana's public endpoint: an Ingress with TLS, like Grafana's (hostname, certificate, DNS record). Unset: Kibana is reachable inside the cluster only, through `kubectl port-forward` to its Service (docs/logs-access.md).",
        }),
      })
      .prefault({})
      .meta({ description: "Kibana instances, resources and endpoint." }),
    users: z.array(loggingUserSchema).max(500).default([]).meta({
      description:
        "People's Elasticsearch users (native realm), created by the users Job with passwords the stack generates and shows only as secrets (docs/logs-access.md). A user removed from this list is disabled, not deleted.",
    }),
    logstash: workload("Logstash", "Logstash instances; each one's JVM heap is half its memory.", {
      replicas: 1,
      memoryGb: 2,
      cpu: 1,
    }).meta({ description: "Logstash instances and resources." }),
    rolloverMaxAgeDays: z
      .number()
      .int()
      .min(1)
      .max(7)
      .default(1)
      .meta({
        description: `Backing indices roll over at this age in days (or at \`rolloverMaxPrimaryShardSizeGb\`), so ILM's clock, which starts at rollover, stays close to ingest time. Must be less than the shortest retention (${RETENTION.debug.days} days).`,
      }),
    rolloverMaxPrimaryShardSizeGb: z
      .number()
      .int()
      .min(1)
      .max(200)
      .default(50)
      .meta({ description: "Backing indices also roll over when a primary shard reaches this size, in GB." }),
    warmAfterDays: z.number().int().min(1).max(365).default(2).meta({
      description:
        "Days after rollover when an index becomes read-only and is force-merged; must be less than `auditSearchableDays`.",
    }),
    auditSearchableDays: z
      .number()
      .int()
      .min(7)
      .max(RETENTION.audit.days, `expected at most ${RETENTION.audit.days} days (the audit retention)`)
      .default(365)
      .meta({
        description:
          "How many days audit logs stay searchable in Elasticsearch; the S3 archive keeps them 7 years regardless.",
      }),
    redactFields: z.array(fieldPath).default([]).meta({
      description:
        "Extra fields, anywhere in a log document, that the ingest pipeline and Logstash remove, besides the built-in list.",
    }),
    snapshots: z
      .strictObject({
        schedule: esCron.default("0 30 1 * * ?").meta({
          description:
            "SLM snapshot schedule (Elasticsearch cron syntax, UTC); it must run every day: a log type's last snapshot is kept past its expiry until a later one succeeds.",
        }),
        retentionDays: z.number().int().min(1).max(3650).default(30).meta({
          description:
            "Days SLM keeps cluster-state snapshots (keeping at least `minCount`), and the most it keeps a log type's snapshots: less where the type's retention leaves less room (see docs/design/logging.md).",
        }),
        minCount: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(5)
          .meta({ description: "Snapshots SLM always keeps; must not exceed `maxCount`." }),
        maxCount: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(50)
          .meta({ description: "Snapshots SLM keeps at most." }),
      })
      .prefault({})
      .meta({
        description:
          "Scheduled Elasticsearch snapshots to an S3 bucket, by snapshot lifecycle management (SLM).",
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
    if (
      versionAtLeast(cfg.stackVersion, KIBANA_MIN_MEMORY.fromStack) &&
      cfg.kibana.memoryGb < KIBANA_MIN_MEMORY.gb
    )
      ctx.addIssue({
        code: "custom",
        path: ["kibana", "memoryGb"],
        message: `Kibana ${cfg.stackVersion} needs at least ${KIBANA_MIN_MEMORY.gb} GB: from ${KIBANA_MIN_MEMORY.fromStack} it runs out of memory while starting with less`,
      });
    if (!runsDaily(cfg.snapshots.schedule))
      ctx.addIssue({
        code: "custom",
        path: ["snapshots", "schedule"],
        message:
          "must run every day (day of month, month and day of week `*` or `?`): a log type's last snapshot is kept past its expiry until a later one succeeds, which the retention promise counts as at most a day",
      });
    const seen = new Set<string>();
    cfg.users.forEach((u, i) => {
      if (seen.has(u.username))
        ctx.addIssue({
          code: "custom",
          path: ["users", i, "username"],
          message: `duplicate user "${u.username}"`,
        });
      seen.add(u.username);
      if (u.username === EXPORTER_USERNAME)
        ctx.addIssue({
          code: "custom",
          path: ["users", i, "username"],
          message: `"${EXPORTER_USERNAME}" is the Elasticsearch exporter's own user: choose another name`,
        });
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
