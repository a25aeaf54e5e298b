// p1-routes-to-phone in production: every team's P1 through PagerDuty must end in an escalation
// policy of the stack with at least two levels. Broken variants through config alone.
import { describe, expect, it } from "vitest";
import { p1PagesPhone } from "../../policy/alerts";
import { readStackFile } from "../../scripts/lib/stack-file";
import { rendered as renderOf } from "../helpers/render";
import { render } from "../helpers/variant";
import { runPolicies, violationsOf } from "./harness";

const prodTeams = JSON.parse(readStackFile("prod").config["observability:teams"] ?? "[]") as {
  name: string;
  pagerduty: Record<string, unknown>;
}[];
const p1Violations = async (result: Awaited<ReturnType<typeof render>>, stack: string) =>
  violationsOf(await runPolicies([p1PagesPhone], result.resources, stack), "p1-routes-to-phone");

describe("p1-routes-to-phone: escalation in production", () => {
  it("passes the prod render: each team's key leads to a two-level escalation policy", async () => {
    expect(await p1Violations(renderOf("prod"), "prod")).toEqual([]);
  });

  it("flags a prod team whose escalation policy has one level", async () => {
    // production: false lets the config through; the policy keys on the stack name.
    const teams = prodTeams.map((t) =>
      t.name === "web" ? { ...t, pagerduty: { scheduleId: t.pagerduty.scheduleId } } : t,
    );
    const result = await render("prod", { production: false, teams });
    expect(await p1Violations(result, "prod")).toEqual([
      "Helm release metrics-kps: team web's P1 pages through receiver p1-pagerduty-web, whose escalation policy has 1 level(s); production needs at least 2",
    ]);
  });

  it("flags prod teams paged through the shared routing key, whose escalation is not managed here", async () => {
    const base = JSON.parse(readStackFile("prod").config["observability:alerting"] ?? "{}");
    const result = await render("prod", { alerting: { ...base, pagerduty: { managed: false } } });
    expect(await p1Violations(result, "prod")).toEqual(
      ["platform", "web"].map(
        (team) =>
          `Helm release metrics-kps: team ${team}'s P1 pages through receiver p1-pagerduty, but its key pagerdutyRoutingKey comes from no PagerDuty integration managed in this stack, so its escalation cannot be checked`,
      ),
    );
  });

  it("does not require two levels outside production (dev pages web with one)", async () => {
    expect(await p1Violations(renderOf("dev"), "dev")).toEqual([]);
  });
});
