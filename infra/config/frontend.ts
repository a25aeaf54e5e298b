import { z } from "zod";

/**
 * Web Vitals thresholds default to Google's "poor" boundaries (LCP 4 s, INP 500 ms, CLS 0.25):
 * an alert means real users have a poor experience, not merely one that "needs improvement".
 */
const newRelicSchema = z
  .strictObject({
    /** Off: nothing New Relic is created and `newrelicApiKey` is not needed. */
    enabled: z.boolean().default(false),
    /** New Relic account id (required when enabled). */
    accountId: z
      .union([z.string(), z.number().int()], { error: "expected a numeric New Relic account id" })
      .transform(String)
      .pipe(z.string().regex(/^\d+$/, "expected a numeric New Relic account id"))
      .optional(),
    region: z.enum(["US", "EU"]).default("US"),
    /** Browser application name; defaults to `<environment>-frontend`. */
    appName: z.string().min(1).max(255).optional(),
    /** SPA captures route changes and AJAX calls (API call performance) of a Next.js app. */
    loaderType: z.enum(["SPA", "PRO", "LITE"]).default("SPA"),
    alerts: z
      .strictObject({
        /** p75 Largest Contentful Paint, seconds. */
        lcpSeconds: z.number().positive().default(4),
        /** p75 Interaction to Next Paint, milliseconds. */
        inpMs: z.number().positive().default(500),
        /** p75 Cumulative Layout Shift (unitless). */
        cls: z.number().positive().default(0.25),
        /** JavaScript errors per 100 page views. */
        jsErrorRatePercent: z.number().positive().max(100).default(5),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((nr, ctx) => {
    if (nr.enabled && nr.accountId === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["accountId"],
        message: "required when newRelic.enabled is true",
      });
  });

/** Frontend monitoring: New Relic Browser (optional per stack) and the Google Analytics id. */
export const frontendSchema = z
  .strictObject({
    newRelic: newRelicSchema,
    googleAnalytics: z
      .strictObject({
        /** GA4 measurement id; GA4 properties are not managed by any provider, so it is only passed through. */
        measurementId: z
          .string()
          .regex(/^G-[A-Z0-9]{4,16}$/, "expected a GA4 measurement id such as G-ABC123XYZ")
          .optional(),
      })
      .prefault({}),
  })
  .prefault({});
export type FrontendConfig = z.infer<typeof frontendSchema>;
