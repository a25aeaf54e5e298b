import { z } from "zod";
import { emailAddress, slackChannel, teamName } from "./common";

/** An owning team: the `team` label of its alerts, its Grafana folder, its Sentry team. */
export const teamSchema = z.strictObject({
  name: teamName.meta({
    description: "Team name: the `team` label of its alerts, its Grafana folder and its Sentry team.",
  }),
  email: emailAddress.meta({ description: "P2 (email) destination for this team's alerts." }),
  slackChannel: slackChannel.meta({
    description: "P3 Slack channel for this team's alerts, e.g. `#team-alerts`.",
  }),
});
export type TeamConfig = z.infer<typeof teamSchema>;
