import { z } from "zod";
import { emailAddress } from "./common";

/**
 * Where the spec's alert levels are delivered. The timings come from the alert-level table in
 * infra/catalog/alert-levels.ts; only destinations are configured per stack.
 */
export const alertingSchema = z.strictObject({
  pagingProvider: z.enum(["pagerduty", "opsgenie"]).default("pagerduty").meta({
    description: "P1 phone paging provider. Its key is the secret `pagerdutyRoutingKey` or `opsgenieApiKey`.",
  }),
  email: z
    .strictObject({
      from: emailAddress.meta({ description: "Sender address of P2 alert email." }),
      smarthost: z
        .string()
        .regex(/^[a-z0-9.-]+:\d{2,5}$/, "expected host:port")
        .meta({ description: "SMTP relay that sends P2 email, as `host:port`." }),
      username: z.string().min(1).meta({ description: "SMTP user name at the relay." }),
    })
    .prefault({ from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" })
    .meta({
      description: "Sender and SMTP relay for P2 email; the SMTP password is the secret `smtpPassword`.",
    }),
  slackChannel: z
    .string()
    .regex(/^#[a-z0-9_-]+$/)
    .default("#alerts")
    .meta({
      description: "Default Slack channel for P3 alerts, used for alerts that belong to no known team.",
    }),
});
export type AlertingConfig = z.infer<typeof alertingSchema>;
