import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { toYaml } from "../../infra/artifacts";
import { prometheusRules, RULE_OBJECT_BUDGET, ruleFile } from "../../infra/generators/metrics";
import { fleetConfig } from "../../scripts/lib/fleet";
import { runToolAsync, tempFiles } from "../helpers/tools";

/**
 * The rule set at fleet scale: a generated 300-service config (a mix of kinds, three latency
 * thresholds, two availability targets). What must hold: no Kubernetes object near a size limit,
 * the same rules as for 3 services, a rules file that grows by a few hundred bytes per service.
 */
const small = fleetConfig(3);
const fleet = fleetConfig(300);
const KiB = 1024;
const rulesOf = (c: typeof fleet) => ruleFile(c).groups.flatMap((g) => g.rules);

describe("rules for a 300-service fleet", () => {
  it("keeps every PrometheusRule under the byte budget, well below the 256 KiB apply limit", () => {
    const objects = prometheusRules(fleet);
    for (const o of objects) {
      const json = Buffer.byteLength(JSON.stringify(o));
      const yaml = Buffer.byteLength(stringify(o));
      expect(json, o.metadata.name).toBeLessThanOrEqual(RULE_OBJECT_BUDGET + KiB);
      expect(yaml, o.metadata.name).toBeLessThanOrEqual(RULE_OBJECT_BUDGET + KiB);
    }
    expect(RULE_OBJECT_BUDGET).toBeLessThanOrEqual(128 * KiB);
    // Together they hold the whole rule file, in order.
    expect(objects.flatMap((o) => o.spec.groups)).toEqual(ruleFile(fleet).groups);
  });

  it("splits a concern into more objects when it outgrows the budget", () => {
    const huge = fleetConfig(1500);
    const objects = prometheusRules(huge);
    expect(
      objects.filter((o) => o.metadata.name.startsWith("observability-rules-data")).length,
    ).toBeGreaterThan(1);
    for (const o of objects)
      expect(Buffer.byteLength(JSON.stringify(o.spec)), o.metadata.name).toBeLessThanOrEqual(
        RULE_OBJECT_BUDGET,
      );
  });

  it("refuses a single group larger than the budget instead of rendering an object over it", () => {
    const big = {
      groups: [{ name: "x.recording", rules: [{ record: "x", expr: "1".repeat(RULE_OBJECT_BUDGET) }] }],
    };
    expect(() => prometheusRules(fleet, big)).toThrow(
      /rule group x.recording has \d+ bytes, over the 131072-byte budget/,
    );
  });

  it("has the same rules as a 3-service fleet, and each override adds only that service's rules", () => {
    const names = (c: typeof fleet) => rulesOf(c).map((r) => r.record ?? r.alert);
    expect(names(fleet)).toEqual(names(small));
    const withOverrides = fleetConfig(300, "prod", 10);
    const groups = ruleFile(withOverrides).groups;
    const own = groups.filter((g) => g.name.endsWith(".overrides"));
    // svc-0004 and svc-0009 are workers: an HTTP query override gives them nothing to record.
    expect(own.map((g) => g.name)).toHaveLength(8);
    for (const g of own)
      for (const r of g.rules)
        expect(r.labels).toEqual({ namespace: "apps", job: g.name.replace(".overrides", "") });
    expect(groups.filter((g) => !g.name.endsWith(".overrides")).flatMap((g) => g.rules).length).toBe(
      rulesOf(fleet).length,
    );
  });

  it("has not a rule nor a byte more for the services' declared dependencies: the Probes carry them", () => {
    expect(fleet.services.flatMap((s) => s.dependencies)).toHaveLength(600);
    const undeclared = {
      ...fleet,
      services: fleet.services.map((s) => ({ ...s, dependencies: [] })),
    };
    expect(toYaml(ruleFile(fleet))).toBe(toYaml(ruleFile(undeclared)));
  });

  it("grows the rules file by at most 300 bytes per service", () => {
    const bytes = (c: typeof fleet) => Buffer.byteLength(toYaml(ruleFile(c)));
    const perService = (bytes(fleet) - bytes(small)) / (300 - 3);
    expect(perService).toBeGreaterThan(0);
    expect(perService).toBeLessThanOrEqual(300);
  });

  it("is valid for promtool and knows every service at run time", async () => {
    const dir = tempFiles({ "rules.yaml": toYaml(ruleFile(fleet)) });
    const check = await runToolAsync("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(check.stdout + check.stderr).toMatch(/SUCCESS: \d+ rules found/);
    const http = fleet.services.filter((s) => s.kind !== "worker");
    const count = (expr: string, value: number) => ({
      expr: `count(${expr})`,
      eval_time: "20m",
      exp_samples: [{ labels: "{}", value }],
    });
    const test = {
      rule_files: [join(dir, "rules.yaml")],
      evaluation_interval: "1m",
      group_eval_order: ruleFile(fleet).groups.map((g) => g.name),
      tests: [
        {
          interval: "1m",
          input_series: [{ series: 'up{namespace="apps",job="svc-0000"}', values: "1x30" }],
          promql_expr_test: [
            count("job:service:info", 300),
            count("job:slo_latency_threshold:seconds", http.length),
            count(
              "job:slo_latency_threshold:seconds == 0.25",
              http.filter((s) => s.slo.latencyThresholdSeconds === 0.25).length,
            ),
            count(
              "job:slo_availability:target == 0.995",
              http.filter((s) => s.slo.availability === 0.995).length,
            ),
            // One alert rule, one alert per service without a target.
            count('ALERTS{alertname="ServiceNotScraped",alertstate="firing"}', 299),
          ],
        },
      ],
    };
    const t = tempFiles({ "t.yaml": toYaml(test) });
    const r = await runToolAsync("promtool", ["test", "rules", join(t, "t.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});
