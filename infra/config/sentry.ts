import { z } from "zod";
import { token, webUrl } from "./common";

/** Sentry slugs: lowercase letters, digits, '-' and '_', starting with a letter or digit. */
const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, "expected a Sentry slug (a-z, 0-9, '-', '_'), at most 50 characters")
  // Sentry refuses all-digit slugs: they would read as ids in its API paths.
  .refine((s) => !/^\d+$/.test(s), "expected a slug with at least one letter");
/** Sentry object ids (integrations, PagerDuty services, Opsgenie teams) are numeric strings. */
const ID_HINT = "a numeric Sentry id, as shown in the integration's settings";
const sentryId = z
  .union([z.string(), z.number().int()], {
    error: (iss) => (iss.input === undefined ? `required: ${ID_HINT}` : `expected ${ID_HINT}`),
  })
  .transform(String)
  .pipe(z.string().regex(/^\d+$/, `expected ${ID_HINT}`));

const TARGET_HINT = "a numeric PagerDuty service id, or an Opsgenie team as `<id>-<team>`";

const sampleRate = z
  .number()
  .min(0, "expected a rate between 0 and 1")
  .max(1, "expected a rate between 0 and 1");

/**
 * A warning and a critical threshold; the critical one must be the stricter. `describe` gives the
 * unit and the alert priority of each threshold, for the field descriptions.
 */
const thresholds = (
  unit: string,
  warning: number,
  critical: number,
  describe: { unit: string; warning: string; critical: string },
) =>
  z
    .strictObject({
      warning: z
        .number()
        .positive(`expected a positive ${unit}`)
        .default(warning)
        .meta({ description: `Warning threshold (${describe.warning}), in ${describe.unit}.` }),
      critical: z
        .number()
        .positive(`expected a positive ${unit}`)
        .default(critical)
        .meta({
          description: `Critical threshold (${describe.critical}), in ${describe.unit}; must be above \`warning\`.`,
        }),
    })
    .prefault({})
    .refine((t) => t.critical > t.warning, { message: "critical must be above warning", path: ["critical"] });

/**
 * One Sentry project: its SDK settings, client-key rate limit and alert thresholds. `name` names
 * the project (backend, frontend) in the field descriptions.
 */
const projectSchema = (name: string, defaults: { tracesSampleRate: number; slowP95Ms: [number, number] }) =>
  z
    .strictObject({
      tracesSampleRate: sampleRate.default(defaults.tracesSampleRate).meta({
        description: `Traces sample rate (0-1) of the ${name} SDK (\`traces_sample_rate\` / \`tracesSampleRate\`), which the application reads from the stack outputs.`,
      }),
      rateLimit: z
        .strictObject({
          count: z
            .number()
            .int()
            .min(1, "expected at least 1 event")
            .default(1000)
            .meta({ description: `Events the ${name} client key accepts per window.` }),
          windowSeconds: z
            .number()
            .int()
            .min(60, "expected at least 60 seconds")
            .max(86_400)
            .default(60)
            .meta({ description: `Rate-limit window of the ${name} client key, in seconds.` }),
        })
        .prefault({})
        .meta({
          description: `Client-key rate limit of the ${name} project: at most \`count\` events per \`windowSeconds\`; Sentry drops the rest.`,
        }),
      alerts: z
        .strictObject({
          spikeEventsPerHour: z.number().int().min(1).default(100).meta({
            description:
              'Issue alert "event spike" (P2): one issue seen more than this many times in an hour.',
          }),
          errorRatePercent: thresholds("percentage", 2, 5, {
            unit: "percent",
            warning: "P2",
            critical: "P1",
          })
            .refine((t) => t.critical <= 100, {
              message: "expected a percentage of at most 100",
              path: ["critical"],
            })
            .meta({
              description: "Metric alert on `failure_rate()` of transactions, in percent (at most 100).",
            }),
          slowTransactionP95Ms: thresholds("duration", ...defaults.slowP95Ms, {
            unit: "milliseconds",
            warning: "P3",
            critical: "P2",
          }).meta({ description: "Metric alert on `p95(transaction.duration)`, in milliseconds." }),
        })
        .prefault({})
        .meta({ description: `Alert thresholds of the ${name} project.` }),
    })
    .prefault({});

/**
 * Sentry organisation, projects and data scrubbing. Team and project slugs are
 * `<slugPrefix>-<name>` so that several stacks can share one organisation.
 */
export const sentrySchema = z.strictObject({
  organization: slug.meta({ description: "Slug of the Sentry organisation." }),
  slugPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,8}$/, "expected 1-9 characters of a-z, 0-9 and '-'")
    .meta({
      description:
        "Prefix of team and project slugs (`<slugPrefix>-<name>`), so that several stacks can share one organisation; short so that the slugs fit Sentry's 50 characters.",
    }),
  baseUrl: webUrl("Sentry's address", { localHttp: true })
    .default("https://sentry.io")
    .transform((u) => u.replace(/\/+$/, ""))
    .meta({ description: "Sentry's address, for self-hosted Sentry; the provider uses `<baseUrl>/api/`." }),
  integrations: z
    .strictObject({
      slackWorkspaceId: sentryId.meta({
        description: "Sentry's id of the Slack integration (workspace) that posts P3 alerts.",
      }),
      paging: z
        .strictObject({
          integrationId: sentryId.meta({
            description:
              "Sentry's id of the PagerDuty or Opsgenie integration, whichever `alerting.pagingProvider` names.",
          }),
          targetId: z
            .union([z.string(), z.number().int()], {
              error: (iss) =>
                iss.input === undefined ? `required: ${TARGET_HINT}` : `expected ${TARGET_HINT}`,
            })
            .transform(String)
            .pipe(z.string().regex(/^\d+(-[^\s]+)?$/, `expected ${TARGET_HINT}`))
            .meta({
              description:
                "The PagerDuty service or Opsgenie team inside that Sentry integration: a PagerDuty service's numeric id, or an Opsgenie team's `<integration id>-<team>` (Sentry's form).",
            }),
        })
        .meta({ description: "The P1 paging integration: PagerDuty or Opsgenie, and the target inside it." }),
    })
    .meta({
      description:
        "Organisation integrations the alert actions use. Sentry creates them through OAuth in its UI, so their ids are configured here (Settings > Integrations > the integration's URL).",
    }),
  metricAlertDataset: z.enum(["spans", "transactions"]).default("spans").meta({
    description:
      "What the metric alerts query. `spans`: the span dataset (`events_analytics_platform`, transactions only), which sentry.io requires for new alerts since it retired transaction-based ones. `transactions`: the transaction dataset, for a self-hosted Sentry without the span dataset.",
  }),
  backend: projectSchema("backend", { tracesSampleRate: 1.0, slowP95Ms: [1000, 2000] }).meta({
    description: "The backend Sentry project: SDK sampling, client-key rate limit and alert thresholds.",
  }),
  frontend: projectSchema("frontend", { tracesSampleRate: 0.1, slowP95Ms: [3000, 6000] }).meta({
    description:
      "The frontend Sentry project: SDK sampling, client-key rate limit and alert thresholds (page loads are slower than API calls).",
  }),
  scrubbing: z
    .strictObject({
      dataScrubber: z
        .boolean()
        .default(true)
        .meta({ description: "Enable Sentry's server-side data scrubber." }),
      dataScrubberDefaults: z.boolean().default(true).meta({
        description: "Also scrub Sentry's built-in list of sensitive keys (password, secret, ...).",
      }),
      scrubIpAddresses: z.boolean().default(true).meta({ description: "Drop IP addresses from events." }),
      sensitiveFields: z
        .array(token(200))
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
        ])
        .meta({ description: 'Extra keys whose values are replaced with "[Filtered]".' }),
      safeFields: z.array(token(200)).default([]).meta({
        description:
          "Keys never scrubbed even if they look sensitive; none may also be in `sensitiveFields`.",
      }),
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
    })
    .meta({ description: "Server-side data scrubbing, applied to both projects through Sentry's REST API." }),
});
export type SentryConfig = z.infer<typeof sentrySchema>;
