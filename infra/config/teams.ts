import { z } from "zod";
import { emailAddress, slackChannel, slackChannelId, teamName } from "./common";
import { teamGrafanaSchema } from "./grafana-auth";

/** A PagerDuty object id (schedule, user): `P` and six upper-case letters or digits. */
export const pagerdutyId = z
  .string()
  .regex(/^P[A-Z0-9]{6}$/, "expected a PagerDuty id such as PABC123 (P and six A-Z or 0-9)");

const pagerdutyUsers = z
  .array(pagerdutyId)
  .min(1, "expected at least one user id")
  .refine((ids) => new Set(ids).size === ids.length, "expected each user id once");

/**
 * Who a team's managed PagerDuty escalation policy pages: level 1 first, then, when nobody
 * acknowledges within the P1 response time, the escalation level. Ids are of existing schedules
 * and users: rotations stay in PagerDuty, where people swap shifts.
 */
export const teamPagerdutySchema = z
  .strictObject({
    scheduleId: pagerdutyId
      .optional()
      .meta({ description: "On-call schedule paged first (or give `userIds`)." }),
    userIds: pagerdutyUsers.optional().meta({ description: "Users paged first, when there is no schedule." }),
    escalateToScheduleId: pagerdutyId.optional().meta({
      description: "Schedule paged when level 1 does not acknowledge within the P1 response time.",
    }),
    escalateToUserIds: pagerdutyUsers.optional().meta({
      description: "Users paged at the escalation level, when there is no escalation schedule.",
    }),
  })
  .superRefine((v, ctx) => {
    // One target kind per level keeps "who is paged" a single answer.
    if ((v.scheduleId === undefined) === (v.userIds === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["scheduleId"],
        message: "expected exactly one of scheduleId, userIds",
      });
    if (v.escalateToScheduleId !== undefined && v.escalateToUserIds !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["escalateToScheduleId"],
        message: "expected at most one of escalateToScheduleId, escalateToUserIds",
      });
  });
export type TeamPagerdutyConfig = z.infer<typeof teamPagerdutySchema>;

/** An owning team: the `team` label of its alerts, its Grafana team and folder, its Sentry team. */
export const teamSchema = z.strictObject({
  name: teamName.meta({
    description: "Team name: the `team` label of its alerts, its Grafana folder and its Sentry team.",
  }),
  email: emailAddress.meta({ description: "P2 (email) destination for this team's alerts." }),
  slackChannel: slackChannel.meta({
    description: "P3 Slack channel for this team's alerts, e.g. `#team-alerts`.",
  }),
  slackChannelId: slackChannelId.meta({
    description:
      "Slack id of `slackChannel` (e.g. `C0123456789`): Sentry's Slack actions send it, so Sentry checks the channel when the rule is saved. The Sentry app must be a member of the channel.",
  }),
  pagerduty: teamPagerdutySchema.optional().meta({
    description:
      "Who this team's PagerDuty escalation policy pages; required for every team when `alerting.pagerduty.managed` is on.",
  }),
  grafana: teamGrafanaSchema.optional().meta({
    description:
      "The team's Grafana team, which edits the team's folder (`team-<name>`) and reads the others: its members and administrators by email.",
  }),
});
export type TeamConfig = z.infer<typeof teamSchema>;
