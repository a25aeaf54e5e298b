import { z } from "zod";
import { singleLine } from "./common";

/**
 * Web Vitals thresholds default to Google's "poor" boundaries (LCP 4 s, INP 500 ms, CLS 0.25):
 * an alert means real users have a poor experience, not merely one that "needs improvement".
 */
const newRelicSchema = z
  .strictObject({
    enabled: z.boolean().default(false).meta({
      description:
        "Create the New Relic Browser application and its alerts. Off: nothing New Relic is created and `newrelicApiKey` is not needed.",
    }),
    accountId: z
      .union([z.string(), z.number().int()], { error: "expected a numeric New Relic account id" })
      .transform(String)
      .pipe(z.string().regex(/^\d+$/, "expected a numeric New Relic account id"))
      .optional()
      .meta({ description: "Numeric New Relic account id; required when `enabled` is true." }),
    region: z.enum(["US", "EU"]).default("US").meta({ description: "New Relic region of the account." }),
    // Policy and condition names embed it, and New Relic allows them 128 characters.
    appName: singleLine(64)
      .optional()
      .meta({ description: "Browser application name. Default: `<environment>-frontend`." }),
    loaderType: z.enum(["SPA", "PRO", "LITE"]).default("SPA").meta({
      description:
        "Browser agent type: SPA also captures route changes; SPA and PRO record the AJAX calls (the API-call conditions), LITE records neither.",
    }),
    alerts: z
      .strictObject({
        lcpSeconds: z
          .number()
          .positive()
          .default(4)
          .meta({ description: "p75 Largest Contentful Paint above this, in seconds, alerts (P3)." }),
        inpMs: z
          .number()
          .positive()
          .default(500)
          .meta({ description: "p75 Interaction to Next Paint above this, in milliseconds, alerts (P3)." }),
        cls: z
          .number()
          .positive()
          .default(0.25)
          .meta({ description: "p75 Cumulative Layout Shift (unitless) above this alerts (P3)." }),
        jsErrorRatePercent: z.number().positive().max(100).default(5).meta({
          description:
            "JavaScript errors per 100 views above this alerts (P2); a view is a `BrowserInteraction` (page load or route change) with the SPA loader, a `PageView` otherwise.",
        }),
        // The browser's view of an API call includes the network the backends' latency SLO cannot
        // see; past 2 s at p75 most users wait noticeably on every call.
        ajaxP75Seconds: z.number().positive().max(60).default(2).meta({
          description:
            "p75 of the browser's API calls (`AjaxRequest.timeToLoadEventStart`, seconds) above this alerts (P3); not with the LITE loader.",
        }),
        ajaxErrorRatePercent: z.number().positive().max(100).default(5).meta({
          description:
            "Share of the browser's API calls that fail (status 5xx, or 0: no answer at all) above this percentage alerts (P2).",
        }),
      })
      .prefault({})
      .meta({
        description:
          'Alert thresholds of the Browser application; the Web Vitals defaults are Google\'s "poor" boundaries.',
      }),
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
    newRelic: newRelicSchema.meta({
      description: "New Relic Browser monitoring of the frontend (optional per stack) and its alerts.",
    }),
    googleAnalytics: z
      .strictObject({
        measurementId: z
          .string()
          .regex(/^G-[A-Z0-9]{4,16}$/, "expected a GA4 measurement id such as G-ABC123XYZ")
          .optional()
          .meta({
            description:
              "GA4 measurement id (`G-…`), passed through to the `frontend` stack output; no provider manages GA4 properties.",
          }),
      })
      .prefault({})
      .meta({ description: "Google Analytics 4 settings of the frontend." }),
  })
  .prefault({});
export type FrontendConfig = z.infer<typeof frontendSchema>;
