import { z } from "zod";
import { dnsName, emailAddress } from "./common";

/** An owning team: the `team` label of its alerts, its Grafana folder, its Sentry team. */
export const teamSchema = z.strictObject({
  name: dnsName.meta({
    description: "Team name: the `team` label of its alerts, its Grafana folder and its Sentry team.",
  }),
  email: emailAddress.meta({ description: "P2 (email) destination for this team's alerts." }),
  slackChannel: z
    .string()
    .regex(/^#[a-z0-9_-]+$/, "expected a Slack channel such as #team-alerts")
    .meta({ description: "P3 Slack channel for this team's alerts, e.g. `#team-alerts`." }),
});
export type TeamConfig = z.infer<typeof teamSchema>;
