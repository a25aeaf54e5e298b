import { z } from "zod";
import { dnsName, emailAddress } from "./common";

/** An owning team: the `team` label of its alerts, its Grafana folder, its Sentry team. */
export const teamSchema = z.strictObject({
  name: dnsName,
  /** P2 (email) notifications for this team's alerts. */
  email: emailAddress,
  /** P3 (Slack) notifications for this team's alerts. */
  slackChannel: z.string().regex(/^#[a-z0-9_-]+$/, "expected a Slack channel such as #team-alerts"),
});
export type TeamConfig = z.infer<typeof teamSchema>;
