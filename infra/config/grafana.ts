import { z } from "zod";
import { PRIORITIES } from "../catalog/alert-levels";
import { logsName } from "../catalog/log-schema";
import { byteQuantity, dnsName, fieldPath, hostname, k8sSubdomain } from "./common";

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "expected a time of day such as 02:00 (HH:MM, 24h)");
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
] as const;

/**
 * One entry of a recurring-interval list, `value` or `start:end`, checked the way Alertmanager's
 * (and Grafana's) time-interval parser checks it, so that a window the schema accepts is deployed.
 */
const intervalEntry = (what: string, example: string, index: (v: string) => number | undefined) =>
  z.string().superRefine((value, ctx) => {
    const parts = value.split(":");
    const nums = parts.map((p) => index(p.toLowerCase()));
    if (parts.length > 2 || nums.some((n) => n === undefined))
      return ctx.addIssue({ code: "custom", message: `expected a ${what} or a range such as ${example}` });
    const [a = 0, b = a] = nums as number[];
    if (a > b) ctx.addIssue({ code: "custom", message: `${what} range "${value}" is reversed` });
  });

const weekday = intervalEntry("weekday", "monday:friday", (v) => {
  const i = WEEKDAYS.indexOf(v as (typeof WEEKDAYS)[number]);
  return i < 0 ? undefined : i;
});
const month = intervalEntry("month", "march:may or 3:5", (v) => {
  const i = MONTHS.indexOf(v as (typeof MONTHS)[number]);
  const n = /^\d{1,2}$/.test(v) ? Number(v) : i + 1;
  return n >= 1 && n <= 12 ? n : undefined;
});

/**
 * Days of the month, `1` to `31` or `-1` (the last day) to `-31`. Alertmanager refuses a range
 * that is reversed in a 28-day month (a negative day counts as 28 + n) and one that goes from a
 * negative day to a positive one.
 */
const dayOfMonth = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  const m = /^(-?\d{1,2})(:(-?\d{1,2}))?$/.exec(value);
  if (!m) return fail("expected a day of month such as 1, -1 or 1:7");
  const a = Number(m[1]);
  const b = m[3] === undefined ? a : Number(m[3]);
  if ([a, b].some((d) => d === 0 || d < -31 || d > 31))
    return fail("expected days from 1 to 31, or -1 (the last day) to -31");
  if (a < 0 && b > 0) return fail("a range that starts at a negative day must end at one");
  const day = (d: number) => (d < 0 ? 28 + d : d);
  if (day(a) > day(b)) fail(`day range "${value}" is reversed (in a 28-day month)`);
});

/** An IANA time zone, as Go's time package (Alertmanager, Grafana) loads it. */
const timeZone = z
  .string()
  .min(1)
  .refine((tz) => {
    if (tz === "Local") return false;
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "expected an IANA time zone such as Europe/Berlin or UTC");

/**
 * A recurring planned maintenance window. Grafana mute timings are recurring intervals (the same
 * model as Alertmanager's time_intervals): every field left out matches always.
 */
export const maintenanceWindowSchema = z
  .strictObject({
    weekdays: z.array(weekday).optional().meta({
      description:
        "Weekdays or ranges of the window, e.g. `saturday` or `monday:friday` (a week starts on Sunday). Default: every day.",
    }),
    daysOfMonth: z.array(dayOfMonth).optional().meta({
      description:
        "Days of the month or ranges, e.g. `1` or `1:7` (negative counts from the end of the month). Default: every day.",
    }),
    months: z
      .array(month)
      .optional()
      .meta({ description: "Months or ranges, e.g. `march` or `1:3`. Default: every month." }),
    startTime: clock.meta({
      description: "Start of the window each day it applies (inclusive), as `HH:MM`.",
    }),
    endTime: clock.meta({
      description:
        "End of the window each day it applies (exclusive), as `HH:MM`; must be after `startTime`.",
    }),
    location: timeZone
      .default("UTC")
      .meta({ description: "IANA time zone of `startTime` and `endTime`, e.g. `Europe/Berlin`." }),
  })
  .refine((w) => w.startTime < w.endTime, { message: "startTime must be before endTime", path: ["endTime"] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

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
      .regex(/^\d+\.\d+\.\d+$/, "expected a chart version such as 8.12.1")
      .default("8.12.1")
      .meta({
        description: "Pinned version of the `grafana` chart from https://grafana.github.io/helm-charts.",
      }),
    hostname: hostname.optional().meta({
      description:
        "Public host name of Grafana: the chart's Ingress serves it and the Pulumi provider uses `https://<hostname>`. Unset: the provider uses the in-cluster Service URL, so `pulumi up` must run inside the cluster network.",
    }),
    ingressClassName: k8sSubdomain
      .default("nginx")
      .meta({ description: "Ingress class of Grafana's Ingress (used only with `hostname`)." }),
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
