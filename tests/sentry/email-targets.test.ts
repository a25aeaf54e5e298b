import { beforeAll, describe, expect, it } from "vitest";
import { sentryIssueAlerts, sentryMetricAlerts } from "../../infra/generators/sentry";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { one, ofType, rendered, STACKS } from "../helpers/render";

const T = {
  team: "sentry:index/sentryTeam:SentryTeam",
  project: "sentry:index/sentryProject:SentryProject",
  issue: "sentry:index/sentryIssueAlert:SentryIssueAlert",
  metric: "pulumi-nodejs:dynamic/sentry:MetricAlertRule",
};
type Action = Record<string, unknown>;

/**
 * P2 mails the team that owns the project, by its Sentry team id (`internalId`; the mocks give
 * `<team resource>-internal-id`). The owner is read from the rendered project, not the generator.
 */
describe.each(STACKS)("Sentry P2 email targets (%s)", (stack) => {
  let result: RenderResult;
  /** Sentry project kind → internal ids of the teams the rendered project belongs to. */
  let ownerIds: (kind: string) => string[];

  beforeAll(() => {
    result = rendered(stack);
    const teams = ofType(result, T.team);
    ownerIds = (kind) => {
      const project = one(result, T.project, `sentry-${kind}`);
      return (project.inputs.teams as string[]).map((slug) => {
        const team = teams.find((t: RecordedResource) => t.inputs.slug === slug);
        if (!team) throw new Error(`project ${kind}: no team with slug ${slug}`);
        return `${team.name}-internal-id`;
      });
    };
  });

  it("mails the owning team from every P2 issue alert", () => {
    const p2 = sentryIssueAlerts(result.config).filter((r) => r.priority === "P2");
    expect(p2.length).toBeGreaterThan(0);
    for (const rule of p2) {
      const alert = one(result, T.issue, `sentry-${rule.project}-${rule.key}`);
      const emails = (alert.inputs.actions as Action[]).filter(
        (a) => a.id === "sentry.mail.actions.NotifyEmailAction",
      );
      expect(emails.length, alert.name).toBeGreaterThan(0);
      for (const a of emails) expect(a.targetType, alert.name).toBe("Team");
      expect(emails.map((a) => a.targetIdentifier).sort(), alert.name).toEqual(ownerIds(rule.project).sort());
    }
  });

  it("mails the owning team from every P2 metric-alert trigger", () => {
    let checked = 0;
    for (const rule of sentryMetricAlerts(result.config)) {
      const alert = one(result, T.metric, `sentry-${rule.project}-${rule.key}`);
      const rendered = (alert.inputs.rule as { triggers: unknown }).triggers as {
        label: string;
        actions: Action[];
      }[];
      for (const trigger of rule.triggers.filter((t) => t.priority === "P2")) {
        const actions = rendered.find((t) => t.label === trigger.label)?.actions ?? [];
        const emails = actions.filter((a) => a.type === "email");
        expect(emails.length, `${alert.name} ${trigger.label}`).toBeGreaterThan(0);
        for (const a of emails) expect(a.targetType).toBe("team");
        expect(emails.map((a) => a.targetIdentifier).sort(), `${alert.name} ${trigger.label}`).toEqual(
          ownerIds(rule.project).sort(),
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
