import { z } from "zod";

/** Sentry slugs: lowercase letters, digits, '-' and '_', starting with a letter or digit. */
const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "expected a Sentry slug (a-z, 0-9, '-', '_')");
/** Sentry object ids (integrations, PagerDuty services, Opsgenie teams) are numeric strings. */
const ID_HINT = "a numeric Sentry id, as shown in the integration's settings";
const sentryId = z
  .union([z.string(), z.number().int()], {
    error: (iss) => (iss.input === undefined ? `required: ${ID_HINT}` : `expected ${ID_HINT}`),
  })
  .transform(String)
  .pipe(z.string().regex(/^\d+$/, `expected ${ID_HINT}`));

const sampleRate = z
  .number()
  .min(0, "expected a rate between 0 and 1")
  .max(1, "expected a rate between 0 and 1");

/** A warning and a critical threshold; the critical one must be the stricter. */
const thresholds = (unit: string, warning: number, critical: number) =>
  z
    .strictObject({
      warning: z.number().positive(`expected a positive ${unit}`).default(warning),
      critical: z.number().positive(`expected a positive ${unit}`).default(critical),
    })
    .prefault({})
    .refine((t) => t.critical > t.warning, { message: "critical must be above warning", path: ["critical"] });

/** One Sentry project: its SDK settings, client-key rate limit and alert thresholds. */
const projectSchema = (defaults: { tracesSampleRate: number; slowP95Ms: [number, number] }) =>
  z
    .strictObject({
      /** SDK `traces_sample_rate` / `tracesSampleRate` the application reads from the stack outputs. */
      tracesSampleRate: sampleRate.default(defaults.tracesSampleRate),
      /** Client-key rate limit: at most `count` events per `windowSeconds`; the rest are dropped by Sentry. */
      rateLimit: z
        .strictObject({
          count: z.number().int().min(1, "expected at least 1 event").default(1000),
          windowSeconds: z.number().int().min(60, "expected at least 60 seconds").max(86_400).default(60),
        })
        .prefault({}),
      alerts: z
        .strictObject({
          /** Issue alert "event spike": one issue seen more than this many times in an hour. */
          spikeEventsPerHour: z.number().int().min(1).default(100),
          /** Metric alert on failure_rate() of transactions, in percent. */
          errorRatePercent: thresholds("percentage", 2, 5).refine((t) => t.critical <= 100, {
            message: "expected a percentage of at most 100",
            path: ["critical"],
          }),
          /** Metric alert on p95(transaction.duration), in milliseconds. */
          slowTransactionP95Ms: thresholds("duration", ...defaults.slowP95Ms),
        })
        .prefault({}),
    })
    .prefault({});

/**
 * Sentry organisation, projects and data scrubbing. Team and project slugs are
 * `<slugPrefix>-<name>` so that several stacks can share one organisation.
 */
export const sentrySchema = z.strictObject({
  organization: slug,
  /** Prefix of team and project slugs; short so that `<prefix>-<team>` fits Sentry's 50 characters. */
  slugPrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,8}$/, "expected 1-9 characters of a-z, 0-9 and '-'"),
  /** Sentry's address, for self-hosted Sentry; the provider uses `<baseUrl>/api/`. */
  baseUrl: z
    .url({ protocol: /^https?$/, error: "expected an http(s) URL" })
    .default("https://sentry.io")
    .transform((u) => u.replace(/\/+$/, "")),
  /**
   * Organisation integrations the alert actions use. Sentry creates them through OAuth in its UI,
   * so their ids are configured here (Settings > Integrations > the integration's URL).
   */
  integrations: z.strictObject({
    /** Id of the Slack integration (workspace) that posts P3 alerts. */
    slackWorkspaceId: sentryId,
    /** The P1 paging integration: PagerDuty or Opsgenie, whichever `alerting.pagingProvider` names. */
    paging: z.strictObject({
      integrationId: sentryId,
      /** The PagerDuty service or Opsgenie team, by its id inside that Sentry integration. */
      targetId: sentryId,
    }),
  }),
  backend: projectSchema({ tracesSampleRate: 1.0, slowP95Ms: [1000, 2000] }),
  frontend: projectSchema({ tracesSampleRate: 0.1, slowP95Ms: [3000, 6000] }),
  /** Server-side data scrubbing, applied to both projects through Sentry's REST API. */
  scrubbing: z
    .strictObject({
      dataScrubber: z.boolean().default(true),
      /** Sentry's built-in list of sensitive keys (password, secret, ...). */
      dataScrubberDefaults: z.boolean().default(true),
      scrubIpAddresses: z.boolean().default(true),
      /** Extra keys whose values are replaced with "[Filtered]". */
      sensitiveFields: z
        .array(z.string().min(1))
        .default([
          "authorization",
          "cookie",
          "set-cookie",
          "session",
          "token",
          "api_key",
          "email",
          "phone",
          "iban",
          "card_number",
        ]),
      /** Keys never scrubbed even if they look sensitive. */
      safeFields: z.array(z.string().min(1)).default([]),
    })
    .prefault({})
    .superRefine((s, ctx) => {
      const sensitive = new Set(s.sensitiveFields.map((f) => f.toLowerCase()));
      s.safeFields.forEach((f, i) => {
        if (sensitive.has(f.toLowerCase()))
          ctx.addIssue({
            code: "custom",
            path: ["safeFields", i],
            message: `"${f}" is also in sensitiveFields`,
          });
      });
    }),
});
export type SentryConfig = z.infer<typeof sentrySchema>;
