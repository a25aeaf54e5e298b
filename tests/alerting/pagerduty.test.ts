import { describe, expect, it } from "vitest";
import { ALERT_LEVELS } from "../../infra/catalog/alert-levels";
import {
  escalationLevels,
  escalationPolicyArgs,
  pagerdutyPlan,
  serviceArgs,
} from "../../infra/generators/alerting/pagerduty";
import { isSecret, redact, reveal } from "../../scripts/lib/recorded";
import { stackConfig } from "../../scripts/lib/stack-config";
import { one, ofType, rendered, STACKS } from "../helpers/render";

const PD = {
  provider: "pulumi:providers:pagerduty",
  policy: "pagerduty:index/escalationPolicy:EscalationPolicy",
  service: "pagerduty:index/service:Service",
  integration: "pagerduty:index/serviceIntegration:ServiceIntegration",
};

/** Config with the teams' PagerDuty settings replaced. */
const withTeams = (stack: "dev" | "prod", pagerduty: Record<string, unknown>[], extra = {}) => {
  const base = stackConfig(stack);
  return stackConfig(stack, {
    teams: base.teams.map((t, i) => ({ ...t, pagerduty: pagerduty[i] })),
    ...extra,
  });
};

describe("the PagerDuty generator", () => {
  it("escalates after the P1 response time, with the team's schedule first and the escalation level second", () => {
    const config = stackConfig("prod");
    const platform = escalationPolicyArgs(config, "platform");
    expect(platform.rules).toEqual([
      {
        escalationDelayInMinutes: ALERT_LEVELS.P1.responseMinutes,
        targets: [{ type: "schedule_reference", id: "PPLAT01" }],
      },
      {
        escalationDelayInMinutes: ALERT_LEVELS.P1.responseMinutes,
        targets: [{ type: "schedule_reference", id: "PPLAT02" }],
      },
    ]);
    expect(platform.rules[0]!.escalationDelayInMinutes).toBe(15);
  });

  it("pages users when a team has no schedule, one target per user", () => {
    expect(escalationLevels({ userIds: ["PAAAAA1", "PBBBBB2"], escalateToUserIds: ["PCCCCC3"] })).toEqual([
      [
        { type: "user_reference", id: "PAAAAA1" },
        { type: "user_reference", id: "PBBBBB2" },
      ],
      [{ type: "user_reference", id: "PCCCCC3" }],
    ]);
  });

  it("makes every service high urgency with acknowledgement timeout and auto-resolve from the alert levels", () => {
    const s = serviceArgs(stackConfig("prod"), "web");
    expect(s).toMatchObject({
      name: "prod-web",
      escalationPolicy: { $ref: "pagerduty-policy:web" },
      incidentUrgencyRule: { type: "constant", urgency: "high" },
      acknowledgementTimeout: String(ALERT_LEVELS.P2.responseMinutes * 60),
      autoResolveTimeout: String(ALERT_LEVELS.P3.responseMinutes * 60),
      alertCreation: "create_alerts_and_incidents",
    });
    // Auto-resolve must outlast Alertmanager's P1 repeat, or a firing page would flap.
    expect(Number(s.autoResolveTimeout)).toBeGreaterThan(ALERT_LEVELS.P1.responseMinutes * 60);
  });

  it("plans nothing when the stack brings its own PagerDuty", () => {
    const base = stackConfig("prod");
    const own = stackConfig("prod", { alerting: { ...base.alerting, pagerduty: { managed: false } } });
    expect(pagerdutyPlan(own)).toEqual([]);
    expect(pagerdutyPlan(base).map((p) => p.team)).toEqual(["platform", "web"]);
  });
});

describe("the PagerDuty config", () => {
  const problems = (fn: () => unknown): string => {
    try {
      fn();
      return "";
    } catch (e) {
      return String((e as Error).message);
    }
  };

  it("accepts PagerDuty ids only in their format", () => {
    for (const bad of ["pabc123", "PABC12", "PABC1234", "XABC123", "P ABC12"])
      expect(problems(() => withTeams("dev", [{ scheduleId: bad }, { scheduleId: "PWEB001" }]))).toContain(
        "expected a PagerDuty id such as PABC123",
      );
    expect(problems(() => withTeams("dev", [{ scheduleId: "PABC123" }, { userIds: ["P0A1B2C"] }]))).toBe("");
  });

  it("wants exactly one first level and at most one escalation level", () => {
    expect(
      problems(() =>
        withTeams("dev", [{ scheduleId: "PABC123", userIds: ["PABC124"] }, { scheduleId: "PWEB001" }]),
      ),
    ).toContain("expected exactly one of scheduleId, userIds");
    expect(problems(() => withTeams("dev", [{}, { scheduleId: "PWEB001" }]))).toContain(
      "expected exactly one of scheduleId, userIds",
    );
    expect(
      problems(() =>
        withTeams("dev", [
          { scheduleId: "PABC123", escalateToScheduleId: "PABC124", escalateToUserIds: ["PABC125"] },
          { scheduleId: "PWEB001" },
        ]),
      ),
    ).toContain("expected at most one of escalateToScheduleId, escalateToUserIds");
  });

  it("needs every team's settings when managed, and a second level in production", () => {
    expect(problems(() => withTeams("dev", [{ scheduleId: "PABC123" }, undefined as never]))).toContain(
      "observability:teams[1].pagerduty: alerting.pagerduty.managed is on: expected scheduleId or userIds",
    );
    expect(
      problems(() => withTeams("prod", [{ scheduleId: "PABC123" }, { scheduleId: "PWEB001" }])),
    ).toContain("observability:teams[0].pagerduty.escalateToScheduleId: production pages two levels");
  });

  it("refuses managed PagerDuty with Opsgenie paging instead of ignoring it", () => {
    const base = stackConfig("dev");
    expect(
      problems(() => stackConfig("dev", { alerting: { ...base.alerting, pagingProvider: "opsgenie" } })),
    ).toContain("managed PagerDuty needs pagingProvider: pagerduty");
  });

  it("requires the pagerdutyToken secret only when managed", () => {
    expect(problems(() => stackConfig("dev", { pagerdutyToken: undefined }))).toContain(
      "observability:pagerdutyToken: missing secret",
    );
    const base = stackConfig("dev");
    expect(
      problems(() =>
        stackConfig("dev", {
          pagerdutyToken: undefined,
          alerting: { ...base.alerting, pagerduty: { managed: false } },
        }),
      ),
    ).toBe("");
  });
});

/** The PagerDuty component under Pulumi mocks, through the real program. */
describe.each(STACKS)("the PagerDuty component (%s)", (stack) => {
  const r = () => rendered(stack);

  it("creates per team a policy, a service and an Events API v2 integration through the token's provider", () => {
    const provider = one(r(), PD.provider, "pagerduty-provider");
    expect(isSecret(provider.inputs.token)).toBe(true);
    for (const team of ["platform", "web"]) {
      const group = `urn:pulumi:${stack}::observability::observability:pagerduty:PagerDuty$observability:pagerduty:TeamPagerDuty::pagerduty-${team}`;
      const policy = one(r(), PD.policy, `pagerduty-${team}-policy`);
      const service = one(r(), PD.service, `pagerduty-${team}`);
      const integration = one(r(), PD.integration, `pagerduty-${team}-events`);
      for (const x of [policy, service, integration]) expect(x.parent).toBe(group);
      // The generator's references became the mocked ids of the resources they name.
      expect(service.inputs.escalationPolicy).toBe(`pagerduty-${team}-policy-id`);
      expect(integration.inputs).toMatchObject({
        service: `pagerduty-${team}-id`,
        type: "events_api_v2_inbound_integration",
      });
      expect(service.inputs).toEqual(
        reveal(
          JSON.parse(
            JSON.stringify({
              ...serviceArgs(r().config, team),
              escalationPolicy: `pagerduty-${team}-policy-id`,
            }),
          ),
        ),
      );
    }
    expect(ofType(r(), PD.service)).toHaveLength(2);
  });

  it("puts each team's integration key, as a secret, into Alertmanager's channel Secret", () => {
    const secret = one(r(), "kubernetes:core/v1:Secret", "metrics-channels");
    expect(redact(secret.inputs.stringData)).toBe("[secret]");
    const data = reveal(secret.inputs.stringData) as Record<string, string>;
    expect(data["pagerdutyIntegrationKey-platform"]).toBe("pagerduty-platform-events-integration-key");
    expect(data["pagerdutyIntegrationKey-web"]).toBe("pagerduty-web-events-integration-key");
    // No receiver reads the shared routing key (alerts without a team page the owner team's
    // service), so the Secret does not ask for it.
    expect(Object.keys(data)).not.toContain("pagerdutyRoutingKey");
  });
});
