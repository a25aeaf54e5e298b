import { z } from "zod";
import { PRIORITIES } from "../catalog/alert-levels";

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
 * A recurring planned maintenance window: the model of Alertmanager's time_intervals (and of
 * Grafana's mute timings, the same parser), where every field left out matches always.
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

/**
 * Planned maintenance, defined once: Alertmanager mutes the routes of `mutedPriorities` during the
 * windows (time_intervals), and Grafana does the same for its own alerts (a mute timing).
 */
export const maintenanceSchema = z
  .strictObject({
    windows: z.array(maintenanceWindowSchema).default([]).meta({
      description:
        "Recurring planned maintenance windows; alerts of `mutedPriorities` are not notified during them, in Alertmanager and in Grafana. Every field left out of a window matches always.",
    }),
    mutedPriorities: z.array(z.enum(PRIORITIES)).default(["P2", "P3"]).meta({
      description: "Priorities not notified during maintenance windows; P1 still pages unless listed.",
    }),
  })
  .prefault({});
export type MaintenanceConfig = z.infer<typeof maintenanceSchema>;
