import * as pagerduty from "@pulumi/pagerduty";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { integrationKeyRef, pagerdutyPlan, pagerdutyProviderArgs } from "../generators/alerting/pagerduty";
import { wire } from "./refs";

export interface PagerDutyArgs {
  config: Pick<StackConfig, "alerting" | "teams" | "environment" | "production">;
  /** The `pagerdutyToken` secret. */
  token: pulumi.Input<string>;
}

/**
 * Managed PagerDuty: per team the escalation policy, the service and its Events API v2
 * integration, exactly as infra/generators/alerting/pagerduty.ts plans them.
 */
export class PagerDuty extends pulumi.ComponentResource {
  /** Per team, the integration key its P1 alerts are sent with; secret outputs. */
  readonly integrationKeys: Record<string, pulumi.Output<string>> = {};
  readonly outputs: { services: Record<string, pulumi.Output<string>> };

  constructor(name: string, args: PagerDutyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability:pagerduty:PagerDuty", name, {}, opts);
    const refs: Record<string, pulumi.Input<string>> = { "secret:pagerdutyToken": args.token };
    const provider = new pagerduty.Provider(`${name}-provider`, wire(pagerdutyProviderArgs(), refs), {
      parent: this,
    });
    const services: Record<string, pulumi.Output<string>> = {};
    for (const plan of pagerdutyPlan(args.config)) {
      // One component per team: its policy, service and integration belong together (the policy
      // pack follows a team's key to its escalation policy through them).
      const team = new TeamPagerDuty(`${name}-${plan.team}`, { parent: this });
      const child = { parent: team, provider };
      const policy = new pagerduty.EscalationPolicy(
        `${name}-${plan.team}-policy`,
        wire(plan.escalationPolicy, refs),
        child,
      );
      refs[`pagerduty-policy:${plan.team}`] = policy.id;
      const service = new pagerduty.Service(`${name}-${plan.team}`, wire(plan.service, refs), child);
      refs[`pagerduty-service:${plan.team}`] = service.id;
      const integration = new pagerduty.ServiceIntegration(
        `${name}-${plan.team}-events`,
        wire(plan.integration, refs),
        child,
      );
      this.integrationKeys[plan.team] = pulumi.secret(integration.integrationKey);
      services[plan.team] = service.htmlUrl;
      team.done({ service: service.id });
    }
    this.outputs = { services };
    this.registerOutputs(this.outputs);
  }
}

/** A team's PagerDuty resources. */
class TeamPagerDuty extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("observability:pagerduty:TeamPagerDuty", name, {}, opts);
  }

  done(outputs: pulumi.Inputs): void {
    this.registerOutputs(outputs);
  }
}

/** The integration keys as the references generators use for them. */
export const integrationKeyValues = (keys: Record<string, pulumi.Input<string>> = {}) =>
  Object.fromEntries(Object.entries(keys).map(([team, key]) => [integrationKeyRef(team).$ref, key]));
