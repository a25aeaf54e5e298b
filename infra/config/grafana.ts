import { z } from "zod";
import { logsName } from "../catalog/log-schema";
import { GRAFANA_CHART } from "../versions";
import { byteQuantity, dnsName, fieldPath, hostname, k8sSubdomain } from "./common";
import { grafanaAuthProductionProblems, grafanaAuthSchema } from "./grafana-auth";
import { grafanaDatabaseSchema } from "./grafana-database";
import {
  albSchemeSchema,
  grafanaDnsSchema,
  grafanaEndpointProblems,
  grafanaTlsSchema,
} from "./grafana-endpoint";

/** Grafana on SQLite: one replica on its volume of this size unless `storageSize` says otherwise. */
export const DEFAULT_SQLITE_STORAGE = "10Gi";
export const MAX_GRAFANA_REPLICAS = 10;

/** Built-in Elasticsearch and ECK users: a role of ours must never be bound to them. */
const RESERVED_ES_USERS = [
  "elastic",
  "kibana",
  "kibana_system",
  "logstash_system",
  "beats_system",
  "apm_system",
  "remote_monitoring_user",
];

/**
 * An Elasticsearch user name that basic auth can carry (no ':') and that is not a built-in user;
 * also a Secret's data key (logging.users). Exported for logging.ts.
 */
export const esUsername = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, "expected a user name of a-z, 0-9, '_' and '-', at most 63 characters")
  .refine(
    (u) => !RESERVED_ES_USERS.includes(u) && !u.startsWith("elastic-internal"),
    "expected a user name of our own, not a built-in Elasticsearch or ECK user",
  );

/** Grafana: its Helm release, the provider's endpoint, data sources and alerting. */
export const grafanaSchema = z
  .strictObject({
    namespace: dnsName
      .default("grafana")
      .meta({ description: "Namespace of the Grafana release; the component creates it." }),
    chartVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, `expected a chart version such as ${GRAFANA_CHART.version}`)
      .default(GRAFANA_CHART.version)
      .meta({
        description: `Pinned version of the \`${GRAFANA_CHART.chart}\` chart from ${GRAFANA_CHART.repo}.`,
      }),
    hostname: hostname.optional().meta({
      description:
        "Public host name of Grafana: an Ingress serves it and the Pulumi provider uses `https://<hostname>`; needs `tls` and `dns`. Unset: the provider uses the in-cluster Service URL, which resolves only inside the cluster, so `pulumi up` must run in a pod there (docs/design/grafana.md).",
    }),
    ingressClassName: k8sSubdomain
      .default("nginx")
      .meta({ description: "Ingress class of Grafana's Ingress (used only with `hostname`)." }),
    tls: grafanaTlsSchema,
    dns: grafanaDnsSchema,
    albScheme: albSchemeSchema,
    storageSize: byteQuantity.optional().meta({
      description: `Size of the persistent volume for Grafana's SQLite database (users, alert state, annotations); default ${DEFAULT_SQLITE_STORAGE}. Only without \`database\`, which replaces the volume.`,
    }),
    replicas: z.number().int().min(1).max(MAX_GRAFANA_REPLICAS).optional().meta({
      description:
        "Grafana replicas: default 2 with `database` (spread over nodes, a PodDisruptionBudget keeping one up, alert notifications deduplicated over `ha_peers`), else 1. More than one needs `database`: SQLite on a ReadWriteOnce volume serves one pod.",
    }),
    database: grafanaDatabaseSchema.optional().meta({
      description:
        "Grafana's PostgreSQL database on Amazon RDS, created by the program (Multi-AZ, KMS-encrypted, its password generated), in place of SQLite on a volume; required in production. Unset: one replica on SQLite.",
    }),
    logs: z
      .strictObject({
        // An Elasticsearch index pattern: comma-free, no spaces or characters that indices cannot hold.
        indexPattern: z
          .string()
          .regex(/^[a-z0-9*][a-z0-9*._-]{0,254}$/, "expected an index pattern such as logs-*")
          .default(logsName("*"))
          .meta({ description: "Elasticsearch data streams the logs data source reads." }),
        timeField: fieldPath.default("@timestamp").meta({ description: "Time field of the log documents." }),
        username: esUsername.default("grafana-reader").meta({
          description:
            "Elasticsearch user the logs data source authenticates as; its password comes from the logging stack.",
        }),
      })
      .prefault({})
      .meta({
        description:
          "The Elasticsearch logs data source: data-stream pattern and fields of the structured log schema.",
      }),
    auth: grafanaAuthSchema,
    sentryDataSource: z.boolean().default(true).meta({
      description:
        "Add a Sentry data source (plugin `grafana-sentry-datasource`) for the frontend dashboard's page loads, JavaScript errors and Web Vitals. It reads `sentry.organization` and `sentry.baseUrl`, with the secret `sentryAuthToken`.",
    }),
  })
  .superRefine((g, ctx) => {
    if (g.database !== undefined && g.storageSize !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["storageSize"],
        message: "Grafana keeps its data in `database`, on no volume: remove storageSize",
      });
    if (g.database === undefined && (g.replicas ?? 1) > 1)
      ctx.addIssue({
        code: "custom",
        path: ["replicas"],
        message: "more than one replica needs `database`: SQLite on a ReadWriteOnce volume serves one pod",
      });
    for (const p of grafanaEndpointProblems(g)) ctx.addIssue({ code: "custom", ...p });
  })
  .prefault({});
export type GrafanaConfig = z.infer<typeof grafanaSchema>;

/**
 * Production runs Grafana highly available (on the database, with two replicas at least) and signs
 * people in through single sign-on only.
 */
export function grafanaProductionProblems(
  grafana: GrafanaConfig,
  production: boolean,
): { path: string[]; message: string }[] {
  if (!production) return [];
  const access = grafanaAuthProductionProblems(grafana.auth, production);
  if (grafana.database === undefined)
    return [
      {
        path: ["grafana", "database"],
        message:
          "production runs Grafana on a PostgreSQL database (set subnets and securityGroupIds), so that it survives losing a pod",
      },
      ...access,
    ];
  if (grafana.replicas !== undefined && grafana.replicas < 2)
    return [
      { path: ["grafana", "replicas"], message: "production needs at least 2 Grafana replicas" },
      ...access,
    ];
  return access;
}
