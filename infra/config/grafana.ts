import { z } from "zod";
import { PRIORITIES } from "../catalog/alert-levels";
import { logsName } from "../catalog/log-schema";
import { dnsName } from "./common";

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "expected a time of day such as 02:00 (HH:MM, 24h)");
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/**
 * A recurring planned maintenance window. Grafana mute timings are recurring intervals (the same
 * model as Alertmanager's time_intervals): every field left out matches always.
 */
export const maintenanceWindowSchema = z
  .strictObject({
    weekdays: z
      .array(
        z
          .string()
          .regex(
            new RegExp(`^(${WEEKDAYS.join("|")})(:(${WEEKDAYS.join("|")}))?$`),
            "expected a weekday such as saturday or monday:friday",
          ),
      )
      .optional()
      .meta({
        description:
          "Weekdays or ranges of the window, e.g. `saturday` or `monday:friday`. Default: every day.",
      }),
    daysOfMonth: z
      .array(z.string().regex(/^-?\d{1,2}(:-?\d{1,2})?$/, "expected a day of month such as 1 or 1:7"))
      .optional()
      .meta({
        description:
          "Days of the month or ranges, e.g. `1` or `1:7` (negative counts from the end of the month). Default: every day.",
      }),
    months: z
      .array(z.string().regex(/^[a-z0-9]+(:[a-z0-9]+)?$/, "expected a month such as march or 1:3"))
      .optional()
      .meta({ description: "Months or ranges, e.g. `march` or `1:3`. Default: every month." }),
    startTime: clock.meta({
      description: "Start of the window each day it applies (inclusive), as `HH:MM`.",
    }),
    endTime: clock.meta({
      description:
        "End of the window each day it applies (exclusive), as `HH:MM`; must be after `startTime`.",
    }),
    location: z
      .string()
      .min(1)
      .default("UTC")
      .meta({ description: "IANA time zone of `startTime` and `endTime`, e.g. `Europe/Berlin`." }),
  })
  .refine((w) => w.startTime < w.endTime, { message: "startTime must be before endTime", path: ["endTime"] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** Grafana: its Helm release, the provider's endpoint, data sources and alerting. */
export const grafanaSchema = z
  .strictObject({
    namespace: dnsName
      .default("grafana")
      .meta({ description: "Namespace of the Grafana release; the component creates it." }),
    chartVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a chart version such as 8.12.1")
      .default("8.12.1")
      .meta({
        description: "Pinned version of the `grafana` chart from https://grafana.github.io/helm-charts.",
      }),
    hostname: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "expected a DNS host name such as grafana.example.com")
      .optional()
      .meta({
        description:
          "Public host name of Grafana: the chart's Ingress serves it and the Pulumi provider uses `https://<hostname>`. Unset: the provider uses the in-cluster Service URL, so `pulumi up` must run inside the cluster network.",
      }),
    ingressClassName: z
      .string()
      .min(1)
      .default("nginx")
      .meta({ description: "Ingress class of Grafana's Ingress (used only with `hostname`)." }),
    storageSize: z
      .string()
      .regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 10Gi")
      .default("10Gi")
      .meta({
        description:
          "Size of the persistent volume for Grafana's SQLite database (users, alert state, annotations).",
      }),
    logs: z
      .strictObject({
        indexPattern: z
          .string()
          .min(1)
          .default(logsName("*"))
          .meta({ description: "Elasticsearch data streams the logs data source reads." }),
        timeField: z
          .string()
          .min(1)
          .default("@timestamp")
          .meta({ description: "Time field of the log documents." }),
        username: z.string().min(1).default("grafana-reader").meta({
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
    maintenanceWindows: z.array(maintenanceWindowSchema).default([]).meta({
      description:
        "Recurring planned maintenance windows; alerts of `mutedPriorities` are not notified during them. Every field left out of a window matches always.",
    }),
    mutedPriorities: z.array(z.enum(PRIORITIES)).default(["P2", "P3"]).meta({
      description: "Priorities not notified during maintenance windows; P1 still pages unless listed.",
    }),
  })
  .prefault({});
export type GrafanaConfig = z.infer<typeof grafanaSchema>;
