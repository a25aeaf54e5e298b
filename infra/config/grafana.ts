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
    /** Weekdays or ranges, e.g. `saturday` or `monday:friday`. */
    weekdays: z
      .array(
        z
          .string()
          .regex(
            new RegExp(`^(${WEEKDAYS.join("|")})(:(${WEEKDAYS.join("|")}))?$`),
            "expected a weekday such as saturday or monday:friday",
          ),
      )
      .optional(),
    /** Days of the month or ranges, e.g. `1` or `1:7` (negative counts from the end). */
    daysOfMonth: z
      .array(z.string().regex(/^-?\d{1,2}(:-?\d{1,2})?$/, "expected a day of month such as 1 or 1:7"))
      .optional(),
    /** Months, e.g. `january` or `1:3`. */
    months: z
      .array(z.string().regex(/^[a-z0-9]+(:[a-z0-9]+)?$/, "expected a month such as march or 1:3"))
      .optional(),
    startTime: clock,
    endTime: clock,
    /** IANA time zone the times are in. */
    location: z.string().min(1).default("UTC"),
  })
  .refine((w) => w.startTime < w.endTime, { message: "startTime must be before endTime", path: ["endTime"] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** Grafana: its Helm release, the provider's endpoint, data sources and alerting. */
export const grafanaSchema = z
  .strictObject({
    /** Namespace of the Grafana release; the component creates it. */
    namespace: dnsName.default("grafana"),
    /** Version of the `grafana` chart from https://grafana.github.io/helm-charts (pinned). */
    chartVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a chart version such as 8.12.1")
      .default("8.12.1"),
    /**
     * Public host name of Grafana. When set, the chart's Ingress serves it and the Pulumi provider
     * talks to https://<hostname>; otherwise the provider uses the in-cluster Service URL (which
     * needs `pulumi up` to run inside the cluster network).
     */
    hostname: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, "expected a DNS host name such as grafana.example.com")
      .optional(),
    /** Ingress class for the Ingress (only with hostname). */
    ingressClassName: z.string().min(1).default("nginx"),
    /** Persistent volume for Grafana's SQLite database (alert state, users, annotations). */
    storageSize: z
      .string()
      .regex(/^\d+(Mi|Gi|Ti)$/, "expected a size such as 10Gi")
      .default("10Gi"),
    /** Elasticsearch data-stream pattern and fields of the structured log schema. */
    logs: z
      .strictObject({
        indexPattern: z.string().min(1).default(logsName("*")),
        timeField: z.string().min(1).default("@timestamp"),
        /** User the Elasticsearch data source authenticates as; its password comes from the logging stack. */
        username: z.string().min(1).default("grafana-reader"),
      })
      .prefault({}),
    /**
     * Add a Sentry data source (the `grafana-sentry-datasource` plugin) for the frontend dashboard's
     * page loads, JavaScript errors and Web Vitals. It reads `sentry.organization` and
     * `sentry.baseUrl`, with the secret `sentryAuthToken`.
     */
    sentryDataSource: z.boolean().default(true),
    /** Recurring planned maintenance windows; alerts of `mutedPriorities` are not notified during them. */
    maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
    /** Priorities silenced during maintenance windows. */
    mutedPriorities: z.array(z.enum(PRIORITIES)).default(["P2", "P3"]),
  })
  .prefault({});
export type GrafanaConfig = z.infer<typeof grafanaSchema>;
