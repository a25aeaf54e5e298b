import { describe, expect, it } from "vitest";
import { LOG_FIELDS } from "../../infra/catalog/log-schema";
import {
  contactPointName,
  DEBUG_LOGS,
  dataSources,
  debugLogsRuleGroups,
  defaultUpstreams,
  ERROR_RATE_LEVELS,
  levelsLucene,
  notificationPolicy,
  notificationPolicyArgs,
  serviceLineCounts,
  teamFolderUid,
} from "../../infra/generators/grafana";
import { alertProblems, routeReceivers, seriesLabels } from "../../policy/alerts";
import {
  type Data,
  expectQueriesResolve,
  expectRuleGroupsDeployed,
  modelOf,
  ruleGroupViolations,
} from "../helpers/grafana-rules";
import { ofType, rendered } from "../helpers/render";

/**
 * DebugLogsInProduction: one Grafana-managed rule per team on the Elasticsearch data source,
 * whose queries split by `service` (Grafana's Elasticsearch back end labels each terms bucket's
 * series with its field, pkg/tsdb/elasticsearch/metrics_response_processor.go), routed by the one
 * notification policy like the services' Prometheus alerts. Production stacks only.
 */

interface EsModel {
  refId: string;
  query?: string;
  expression?: string;
  type?: string;
  bucketAggs?: { type: string; field: string; settings: Record<string, string> }[];
}
const model = (d: Data) => modelOf<EsModel>(d);

describe("DebugLogsInProduction (prod)", () => {
  const r = rendered("prod");
  const config = r.config;
  const groups = debugLogsRuleGroups(config);
  const rules = groups.flatMap((g) => g.args.rules.map((rule) => ({ folder: g.folderUid, rule })));

  it("has one rule per team with services, in its folder, one alert per service, routed to the team at P3", () => {
    const teams = [...new Set(config.services.map((s) => s.team))].sort();
    expect(rules.map((x) => x.rule.labels.team).sort()).toEqual(teams);
    for (const { folder, rule } of rules) {
      const team = rule.labels.team;
      expect(folder).toBe(teamFolderUid(team));
      expect(rule.labels).toEqual({ priority: DEBUG_LOGS.priority, team });
      // `service` comes from the series, which the alert contract's check reads from the queries.
      expect(seriesLabels(rule)).toEqual(new Set(["service"]));
      expect(
        alertProblems({
          name: rule.name,
          labels: rule.labels,
          annotations: rule.annotations,
          seriesLabels: seriesLabels(rule),
        }),
      ).toEqual([]);
      expect(rule.annotations.runbook_url).toBe(`${config.metrics.runbookBaseUrl}/${DEBUG_LOGS.runbook}.md`);
      for (const s of config.services.filter((x) => x.team === team))
        expect(
          routeReceivers(notificationPolicyArgs(notificationPolicy(config)), {
            ...rule.labels,
            service: s.name,
          }),
        ).toEqual([contactPointName(DEBUG_LOGS.priority, team)]);
    }
  });

  it("divides each service's DEBUG lines by all its lines, over the configured share, with enough lines", () => {
    const uids = new Set(dataSources(config, defaultUpstreams(config)).map((d) => d.uid));
    const service = LOG_FIELDS.find((f) => f.name === "service")!;
    for (const { rule } of rules) {
      const datas = expectQueriesResolve(rule, uids);
      const mine = config.services.filter((s) => s.team === rule.labels.team).map((s) => `"${s.name}"`);
      const lines = model(datas.find((d) => d.refId === "LINES")!);
      const debug = model(datas.find((d) => d.refId === "DEBUG")!);
      expect(lines.query).toBe(`${service.name}:(${mine.join(" OR ")})`);
      expect(debug.query).toBe(`${lines.query} AND level:(DEBUG)`);
      for (const q of [lines, debug]) {
        const [terms, histogram] = q.bucketAggs!;
        expect(terms).toMatchObject({ type: "terms", field: service.name });
        // Every service of the team has its bucket.
        expect(Number(terms!.settings.size)).toBe(mine.length);
        expect(histogram).toMatchObject({ type: "date_histogram", field: config.grafana.logs.timeField });
      }
      expect(model(datas.find((d) => d.refId === rule.condition)!)).toMatchObject({
        type: "math",
        expression: `$LINES_SUM >= ${DEBUG_LOGS.minLines} && $DEBUG_SUM / $LINES_SUM > ${config.metrics.alerts.debugLogShareMax}`,
      });
    }
  });

  it("takes the share from metrics.alerts.debugLogShareMax", () => {
    const custom = {
      ...config,
      metrics: { ...config.metrics, alerts: { ...config.metrics.alerts, debugLogShareMax: 0.35 } },
    };
    for (const g of debugLogsRuleGroups(custom))
      for (const rule of g.args.rules) {
        const cond = (rule.datas as Data[]).find((d) => d.refId === rule.condition)!;
        expect(model(cond).expression).toContain("> 0.35");
        expect(rule.annotations.description).toContain("More than 35%");
      }
  });

  it("counts ERROR and CRITICAL lines per service the same way, for any rule that needs them", () => {
    const q = model(
      serviceLineCounts("ERRORS", config.services, levelsLucene(ERROR_RATE_LEVELS), 3600) as Data,
    );
    expect(q.query).toMatch(/ AND level:\(ERROR OR CRITICAL\)$/);
    expect(q.bucketAggs![0]).toMatchObject({ type: "terms", field: "service" });
  });

  it("is deployed as one RuleGroup per team, after the folders and the notification policy, and passes the policy pack", async () => {
    const resources = await expectRuleGroupsDeployed(r, "grafana-log-levels-", groups);
    // Without the split by service, nothing names the service: the policy reports it.
    const broken = structuredClone(resources[0]!);
    for (const d of (broken.inputs.rules as { datas: Data[] }[])[0]!.datas) {
      const m = model(d);
      if (m.bucketAggs) m.bucketAggs = m.bucketAggs.filter((b) => b.type !== "terms");
      d.model = JSON.stringify(m);
    }
    expect(await ruleGroupViolations(broken)).toEqual([
      expect.stringMatching(/no service or component label/),
    ]);
  });

  it("keeps one rule per team however many services there are", () => {
    const fleet = Array.from({ length: 300 }, (_, i) => ({
      ...config.services[0]!,
      name: `svc-${i}`,
      team: config.teams[i % config.teams.length]!.name,
    }));
    const big = debugLogsRuleGroups({ ...config, services: fleet });
    expect(big.flatMap((g) => g.args.rules)).toHaveLength(config.teams.length);
  });
});

describe("DebugLogsInProduction (dev)", () => {
  it("is not deployed where production is false: DEBUG is welcome there", () => {
    const r = rendered("dev");
    expect(r.config.production).toBe(false);
    expect(debugLogsRuleGroups(r.config)).toEqual([]);
    expect(
      ofType(r, "grafana:alerting/ruleGroup:RuleGroup").filter((x) => x.name.includes("log-levels")),
    ).toEqual([]);
  });
});
