import { z } from "zod";
import { logsName } from "../catalog/log-schema";
import { GRAFANA_CHART } from "../versions";
import { byteQuantity, dnsName, fieldPath, hostname, k8sSubdomain } from "./common";
import {
  albSchemeSchema,
  grafanaDnsSchema,
  grafanaEndpointProblems,
  grafanaTlsSchema,
} from "./grafana-endpoint";

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

/** An Elasticsearch user name that basic auth can carry (no ':') and that is not a built-in user. */
const esUsername = z
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
    storageSize: byteQuantity.default("10Gi").meta({
      description:
        "Size of the persistent volume for Grafana's SQLite database (users, alert state, annotations).",
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
    sentryDataSource: z.boolean().default(true).meta({
      description:
        "Add a Sentry data source (plugin `grafana-sentry-datasource`) for the frontend dashboard's page loads, JavaScript errors and Web Vitals. It reads `sentry.organization` and `sentry.baseUrl`, with the secret `sentryAuthToken`.",
    }),
  })
  .superRefine((g, ctx) => {
    for (const p of grafanaEndpointProblems(g)) ctx.addIssue({ code: "custom", ...p });
  })
  .prefault({});
export type GrafanaConfig = z.infer<typeof grafanaSchema>;
