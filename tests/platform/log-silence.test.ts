import { describe, expect, it } from "vitest";
import { LOG_FIELDS } from "../../infra/catalog/log-schema";
import {
  contactPointName,
  dataSources,
  defaultUpstreams,
  LOG_SILENCE,
  logSilenceRuleGroups,
  notificationPolicy,
  notificationPolicyArgs,
  teamFolderUid,
} from "../../infra/generators/grafana";
import { alertProblems, routeReceivers } from "../../policy/alerts";
import { parsePromql } from "../grafana/promql";
import {
  expectQueriesResolve,
  expectRuleGroupsDeployed,
  modelOf,
  ruleGroupViolations,
} from "../helpers/grafana-rules";
import { rendered, STACKS } from "../helpers/render";

/**
 * A service that stops sending logs while it runs: one Grafana-managed rule per service, in its
 * team's folder, labelled like the service's Prometheus alerts, so the one notification policy
 * routes it to that team's P2 channel; its queries and expressions refer to what exists.
 */

describe.each(STACKS)("ServiceLogsSilent (%s)", (stack) => {
  const r = rendered(stack);
  const config = r.config;
  const groups = logSilenceRuleGroups(config);

  it("has one rule per configured service, in its team's folder, labelled for routing", () => {
    const rules = groups.flatMap((g) => g.args.rules.map((rule) => ({ folder: g.folderUid, rule })));
    expect(rules.map((x) => x.rule.labels.service).sort()).toEqual(config.services.map((s) => s.name).sort());
    for (const s of config.services) {
      const { folder, rule } = rules.find((x) => x.rule.labels.service === s.name)!;
      expect(folder).toBe(teamFolderUid(s.team));
      expect(rule.labels).toEqual({ priority: LOG_SILENCE.priority, team: s.team, service: s.name });
      expect(rule.annotations.description).toContain(
        `Priority ${LOG_SILENCE.priority}: ${LOG_SILENCE.reason}.`,
      );
      expect(rule.annotations.runbook_url).toBe(`${config.metrics.runbookBaseUrl}/${LOG_SILENCE.runbook}.md`);
      expect(alertProblems({ name: rule.name, labels: rule.labels, annotations: rule.annotations })).toEqual(
        [],
      );
      // The notification policy takes it to the service's team at P2.
      expect(routeReceivers(notificationPolicyArgs(notificationPolicy(config)), rule.labels)).toEqual([
        contactPointName(LOG_SILENCE.priority, s.team),
      ]);
    }
  });

  it("reads the service's lines by the log contract's field, and its scrape targets, in expressions that resolve", () => {
    const uids = new Set(dataSources(config, defaultUpstreams(config)).map((d) => d.uid));
    const service = LOG_FIELDS.find((f) => f.name === "service")!;
    expect(service.required).toBe(true);
    for (const g of groups)
      for (const rule of g.args.rules) {
        const datas = expectQueriesResolve(rule, uids, (model) => {
          if (typeof model.expr === "string") expect(parsePromql(model.expr).errors).toBe(0);
        });
        const lines = modelOf<{ query: string }>(datas.find((d) => d.refId === "LINES")!);
        expect(lines.query).toBe(`${service.name}:"${rule.labels.service}"`);
        expect(modelOf(datas.find((d) => d.refId === "SILENT")!)).toMatchObject({
          type: "math",
          expression: "$LINES_SUM == 0 && $UP_NOW > 0 && $ALL_SUM > 0",
        });
      }
  });

  it("is deployed as one RuleGroup per team, after the folders and the notification policy", async () => {
    // Its groups; log-levels.test.ts has DebugLogsInProduction's (grafana-log-levels-*).
    // The policy pack's alert-rules-labelled accepts them as deployed, and would report a rule without its team.
    const resources = await expectRuleGroupsDeployed(r, "grafana-rules-", groups);
    const broken = structuredClone(resources[0]!);
    delete (broken.inputs.rules as { labels: Record<string, string> }[])[0]!.labels.team;
    expect(await ruleGroupViolations(broken)).toEqual([expect.stringMatching(/no team label/)]);
  });
});
