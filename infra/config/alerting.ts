import { z } from "zod";
import { emailAddress } from "./common";

/**
 * Where the spec's alert levels are delivered. The timings come from the alert-level table in
 * infra/catalog/alert-levels.ts; only destinations are configured per stack.
 */
export const alertingSchema = z.strictObject({
  /** P1 phone paging provider. Its key is the secret `pagerdutyRoutingKey` or `opsgenieApiKey`. */
  pagingProvider: z.enum(["pagerduty", "opsgenie"]).default("pagerduty"),
  /** Sender and SMTP relay for P2 email; the password is the secret `smtpPassword`. */
  email: z
    .strictObject({
      from: emailAddress,
      smarthost: z.string().regex(/^[a-z0-9.-]+:\d{2,5}$/, "expected host:port"),
      username: z.string().min(1),
    })
    .prefault({ from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" }),
  /** Default Slack channel for P3 alerts of teams without their own. */
  slackChannel: z
    .string()
    .regex(/^#[a-z0-9_-]+$/)
    .default("#alerts"),
});
export type AlertingConfig = z.infer<typeof alertingSchema>;
