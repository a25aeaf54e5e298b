import { z } from "zod";
import { emailAddress, hostname, slackChannel, token } from "./common";
import { maintenanceSchema } from "./maintenance";

/**
 * Where the spec's alert levels are delivered. The timings come from the alert-level table in
 * infra/catalog/alert-levels.ts; only destinations are configured per stack.
 */
export const alertingSchema = z.strictObject({
  pagingProvider: z.enum(["pagerduty", "opsgenie"]).default("pagerduty").meta({
    description: "P1 phone paging provider. Its key is the secret `pagerdutyRoutingKey` or `opsgenieApiKey`.",
  }),
  pagerduty: z
    .strictObject({
      managed: z.boolean().default(false).meta({
        description:
          "Create per team a PagerDuty service, escalation policy and Events API v2 integration, and route each team's P1 to its own key. Needs the secret `pagerdutyToken` (instead of `pagerdutyRoutingKey`, which is then not read) and `pagerduty` on every team. Off by default: a stack that brings its own PagerDuty set-up keeps it untouched and pages through `pagerdutyRoutingKey` alone.",
      }),
    })
    .prefault({})
    .meta({ description: "PagerDuty managed as code (pagingProvider: pagerduty)." }),
  email: z
    .strictObject({
      from: emailAddress.meta({ description: "Sender address of P2 alert email." }),
      smarthost: z
        .string()
        .superRefine((v, ctx) => {
          const m = /^(.*):(\d{1,5})$/.exec(v);
          const port = Number(m?.[2]);
          if (!m || !hostname.safeParse(m[1]).success || port < 1 || port > 65_535)
            ctx.addIssue({ code: "custom", message: "expected host:port, such as smtp.example.com:587" });
        })
        .meta({ description: "SMTP relay that sends P2 email, as `host:port`." }),
      // Sent in the SMTP AUTH exchange: a newline would inject a protocol line.
      username: token(256).meta({ description: "SMTP user name at the relay." }),
    })
    .prefault({ from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" })
    .meta({
      description: "Sender and SMTP relay for P2 email; the SMTP password is the secret `smtpPassword`.",
    }),
  slackChannel: slackChannel.default("#alerts").meta({
    description:
      "Default Slack channel for P3 alerts, used for alerts that belong to no known team. The bot of `slackBotToken` must be a member.",
  }),
  maintenance: maintenanceSchema.meta({
    description:
      "Planned maintenance windows and the priorities they mute, in Alertmanager (time_intervals) and in Grafana (a mute timing).",
  }),
});
export type AlertingConfig = z.infer<typeof alertingSchema>;
