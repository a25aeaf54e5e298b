import { ALERT_LEVELS, durationText } from "../../catalog/alert-levels";
import type { StackConfig, TeamConfig, TeamPagerdutyConfig } from "../../config";
import { type Ref, ref, secretRef } from "../refs";

/**
 * PagerDuty as code (alerting.pagerduty.managed): per team a service, the escalation policy that
 * pages the team's on-call and escalates an unacknowledged P1, and the Events API v2 integration
 * whose key Alertmanager, Grafana and New Relic send that team's P1 alerts to. Pure data: ids
 * PagerDuty assigns are references (`pagerduty-policy:<team>`, `pagerduty-service:<team>`), the
 * integration key is the derived secret `pagerdutyIntegrationKey:<team>`.
 */
type Cfg = Pick<StackConfig, "alerting" | "teams" | "environment" | "production">;

/** Managed mode only applies when PagerDuty is the paging provider (the schema refuses the rest). */
export const pagerdutyManaged = (config: Pick<StackConfig, "alerting">): boolean =>
  config.alerting.pagingProvider === "pagerduty" && config.alerting.pagerduty.managed;

/** The teams with a managed PagerDuty service, in config order; none when unmanaged. */
export const pagerdutyTeams = (config: Pick<StackConfig, "alerting" | "teams">): string[] =>
  pagerdutyManaged(config) ? config.teams.map((t) => t.name) : [];

/** The team's integration key as generators reference it; a secret (whoever has it can page). */
export const integrationKeyRef = (team: string): Ref => secretRef(`pagerdutyIntegrationKey:${team}`);

/** The key of the team's integration key in Alertmanager's channel Secret (and so its file name). */
export const integrationKeyFile = (team: string): string => `pagerdutyIntegrationKey-${team}`;

const P1 = ALERT_LEVELS.P1;
const MINUTE = 60;

/**
 * Why the service and policy timings are what they are, from the alert-level table. Docs and the
 * summary print these reasons next to the values.
 */
export const PAGERDUTY_TIMINGS = {
  /** P1 response time: nobody acknowledged within it, so the next level is paged. */
  escalationDelayMinutes: P1.responseMinutes,
  escalationReason: `a P1 must be acknowledged within its response time (${durationText(P1.responseMinutes)}); when nobody has, the next level is paged`,
  /**
   * An acknowledged incident that is still open after the P2 response time re-triggers: the
   * acknowledger is working, so not every 15 minutes, but a forgotten acknowledgement cannot keep
   * a P1 quiet for longer than the next level's response time.
   */
  acknowledgementTimeoutMinutes: ALERT_LEVELS.P2.responseMinutes,
  acknowledgementReason: `an acknowledged P1 still open after ${durationText(ALERT_LEVELS.P2.responseMinutes)} (the P2 response time) pages again, so a forgotten acknowledgement cannot silence it`,
  /**
   * Alertmanager sends resolved events and repeats a firing P1 every P1 response time, so
   * auto-resolve is only a safety net for a lost resolve event: after the longest response time
   * (P3's) an open incident closes, and a still-firing alert reopens it at the next repeat.
   */
  autoResolveMinutes: ALERT_LEVELS.P3.responseMinutes,
  autoResolveReason: `Alertmanager resolves incidents itself; after ${durationText(ALERT_LEVELS.P3.responseMinutes)} (the P3 response time, the longest) an incident whose resolve was lost closes, and a still-firing alert reopens it within ${durationText(P1.responseMinutes)} at Alertmanager's next repeat`,
  /** Unacknowledged after the last level: start again from level 1, twice. */
  numLoops: 2,
} as const;

export const pagerdutyServiceName = (config: Pick<StackConfig, "environment">, team: string): string =>
  `${config.environment}-${team}`;

type Target = { type: "schedule_reference" | "user_reference"; id: string };

const targets = (scheduleId: string | undefined, userIds: string[] | undefined): Target[] =>
  scheduleId !== undefined
    ? [{ type: "schedule_reference", id: scheduleId }]
    : (userIds ?? []).map((id) => ({ type: "user_reference", id }));

/** The escalation levels of a team's policy, level 1 first. */
export function escalationLevels(pd: TeamPagerdutyConfig): Target[][] {
  const levels = [targets(pd.scheduleId, pd.userIds)];
  const next = targets(pd.escalateToScheduleId, pd.escalateToUserIds);
  if (next.length > 0) levels.push(next);
  return levels;
}

const teamPagerduty = (config: Cfg, team: string): TeamPagerdutyConfig => {
  const pd = config.teams.find((t: TeamConfig) => t.name === team)?.pagerduty;
  // The schema requires it for every team when managed; reaching here without it is a bug.
  if (pd === undefined) throw new Error(`team "${team}" has no pagerduty settings`);
  return pd;
};

export const pagerdutyProviderArgs = () => ({ token: secretRef("pagerdutyToken") });

export function escalationPolicyArgs(config: Cfg, team: string) {
  return {
    name: `${pagerdutyServiceName(config, team)} P1`,
    description: `P1 pages of team ${team} (${config.environment}), managed by Pulumi: unacknowledged after ${durationText(PAGERDUTY_TIMINGS.escalationDelayMinutes)} (the P1 response time), the next level is paged.`,
    numLoops: PAGERDUTY_TIMINGS.numLoops,
    rules: escalationLevels(teamPagerduty(config, team)).map((level) => ({
      escalationDelayInMinutes: PAGERDUTY_TIMINGS.escalationDelayMinutes,
      targets: level,
    })),
  };
}

export function serviceArgs(config: Cfg, team: string) {
  return {
    name: pagerdutyServiceName(config, team),
    description: `Team ${team}'s P1 alerts from ${config.environment} (Alertmanager, Grafana, New Relic); managed by Pulumi.`,
    escalationPolicy: ref(`pagerduty-policy:${team}`),
    // Only P1 pages reach this service, and a P1 wakes someone: always high urgency.
    incidentUrgencyRule: { type: "constant", urgency: "high" },
    acknowledgementTimeout: String(PAGERDUTY_TIMINGS.acknowledgementTimeoutMinutes * MINUTE),
    autoResolveTimeout: String(PAGERDUTY_TIMINGS.autoResolveMinutes * MINUTE),
    // Events API v2 integrations need alerts grouped into incidents.
    alertCreation: "create_alerts_and_incidents",
  };
}

export const serviceIntegrationArgs = (_config: Cfg, team: string) => ({
  // Names where the key is deployed: for operators, and for the policy pack to follow a route's
  // key file back to this integration, its service and its escalation policy.
  name: `Alertmanager, Grafana, New Relic (key ${integrationKeyFile(team)})`,
  service: ref(`pagerduty-service:${team}`),
  type: "events_api_v2_inbound_integration",
});

export interface PagerdutyTeamPlan {
  team: string;
  escalationPolicy: ReturnType<typeof escalationPolicyArgs>;
  service: ReturnType<typeof serviceArgs>;
  integration: ReturnType<typeof serviceIntegrationArgs>;
}

/**
 * The managed set-up as the render shows it (pagerduty/pagerduty.yaml): each team's resources with
 * their references, where its key goes, and why the timings are what they are.
 */
export function pagerdutyDocument(config: Cfg) {
  return {
    timings: {
      escalationDelayMinutes: PAGERDUTY_TIMINGS.escalationDelayMinutes,
      escalationReason: PAGERDUTY_TIMINGS.escalationReason,
      acknowledgementTimeoutSeconds: PAGERDUTY_TIMINGS.acknowledgementTimeoutMinutes * MINUTE,
      acknowledgementReason: PAGERDUTY_TIMINGS.acknowledgementReason,
      autoResolveTimeoutSeconds: PAGERDUTY_TIMINGS.autoResolveMinutes * MINUTE,
      autoResolveReason: PAGERDUTY_TIMINGS.autoResolveReason,
      numLoops: PAGERDUTY_TIMINGS.numLoops,
    },
    fallback:
      "alerts without a known team page the owner team's service (metrics.ownerTeam), in Alertmanager and Grafana alike",
    teams: pagerdutyPlan(config).map((p) => ({
      ...p,
      integrationKey: { ref: integrationKeyRef(p.team), alertmanagerSecretKey: integrationKeyFile(p.team) },
    })),
  };
}

/** Every managed PagerDuty resource, per team; empty when the stack brings its own set-up. */
export const pagerdutyPlan = (config: Cfg): PagerdutyTeamPlan[] =>
  pagerdutyTeams(config).map((team) => ({
    team,
    escalationPolicy: escalationPolicyArgs(config, team),
    service: serviceArgs(config, team),
    integration: serviceIntegrationArgs(config, team),
  }));
