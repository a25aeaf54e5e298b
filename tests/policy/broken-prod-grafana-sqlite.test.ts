// A broken variant through config alone: the prod stack's Grafana back on SQLite (no database), which
// the config allows only with `production: false`. The prod policies key on the stack name, so they
// still apply, and must find Grafana's lost availability and its unprotected volume.
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import { stackValue } from "../../scripts/lib/stack-config";
import { render } from "../helpers/variant";
import { mandatory, type RunResult, runPolicies, withStackResource } from "./harness";

describe("broken variant: prod's Grafana on SQLite (production: false, no grafana.database)", () => {
  let result: RunResult;
  beforeAll(async () => {
    const { database: _, replicas: __, ...grafana } = stackValue<Record<string, unknown>>("prod", "grafana");
    const rendered = await render("prod", { production: false, grafana });
    result = await runPolicies(ALL_POLICIES, withStackResource(rendered), "prod");
  });

  it("fails prod-high-availability for Grafana: one replica, SQLite, no HA peers, no PodDisruptionBudget", () => {
    expect(mandatory(result).filter((l) => l.startsWith("prod-high-availability: grafana-release:"))).toEqual(
      [
        "prod-high-availability: grafana-release: Grafana runs 1 replica(s), production needs at least 2",
        "prod-high-availability: grafana-release: Grafana's database is sqlite3 (Grafana's default): replicas share state only through postgres or mysql",
        "prod-high-availability: grafana-release: Grafana alerting has no [unified_alerting] ha_peers: every replica would send every notification",
        "prod-high-availability: grafana-release: Grafana has no PodDisruptionBudget: a node drain may evict every replica at once",
      ],
    );
  });

  it("fails prod-stateful-protected for the Grafana release, which now holds a volume", () => {
    expect(mandatory(result)).toContain(
      "prod-stateful-protected: kubernetes:helm.sh/v3:Release grafana-release holds data but is not protected (protect: true) in production",
    );
  });

  it("reports nothing outside the prod policies but the audit lock that production: false weakens", () => {
    expect(
      result.violations.filter((v) => !v.policy.startsWith("prod-")).map((v) => `${v.policy}: ${v.message}`),
    ).toEqual([
      "audit-object-lock-compliance: audit bucket acme-obs-prod-audit-logs: Object Lock mode is GOVERNANCE, expected COMPLIANCE in a production stack (GOVERNANCE can be bypassed)",
    ]);
  });
});
