/**
 * What every Grafana-managed alert rule of the stack must satisfy, shared by the tests of each
 * rule family (log-silence, log-levels): its queries and expressions refer to what exists, and its
 * RuleGroups are deployed after the folders and the notification policy, inside the Grafana
 * component, and pass the policy pack's alert-rules-labelled.
 */
import { expect } from "vitest";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { alertRulesLabelled } from "../../policy/alerts";
import { runPolicies, violationsOf } from "../policy/harness";
import { componentResources, ofType, one } from "./render";

/** One query or expression of a rule, as the grafana provider takes it. */
export interface Data {
  refId: string;
  datasourceUid: string;
  model: string;
}

export const modelOf = <T = Record<string, unknown>>(d: Data): T => JSON.parse(d.model) as T;

/**
 * The rule's condition is one of its queries; every data source is one the stack provisions; every
 * `$REF` of a math expression, and a reduce's input, is another query of the rule.
 */
export function expectQueriesResolve(
  rule: { name: string; condition: string; datas: unknown },
  dataSourceUids: ReadonlySet<string>,
  each: (model: Record<string, unknown>) => void = () => {},
): Data[] {
  const datas = rule.datas as Data[];
  const refs = new Set(datas.map((d) => d.refId));
  expect(refs.has(rule.condition), rule.name).toBe(true);
  for (const d of datas) {
    const model = modelOf(d);
    expect(model.refId).toBe(d.refId);
    if (d.datasourceUid === "__expr__") {
      const used = [
        ...String(model.expression).matchAll(/\$(\w+)/g),
        ...(model.type === "reduce" ? [["", String(model.expression)]] : []),
      ].map((m) => m[1]!);
      for (const u of used) expect(refs.has(u), `${rule.name}: ${u}`).toBe(true);
    } else expect(dataSourceUids.has(d.datasourceUid), d.datasourceUid).toBe(true);
    each(model);
  }
  return datas;
}

/**
 * The RuleGroups named `<prefix><folder uid>` are exactly the generator's, each after the
 * notification policy and inside the Grafana component, and the policy pack accepts them.
 */
export async function expectRuleGroupsDeployed(
  r: Parameters<typeof ofType>[0],
  prefix: string,
  groups: readonly { folderUid: string }[],
): Promise<RecordedResource[]> {
  const resources = ofType(r, "grafana:alerting/ruleGroup:RuleGroup").filter((x) =>
    x.name.startsWith(prefix),
  );
  expect(resources.map((x) => x.name).sort()).toEqual(groups.map((g) => `${prefix}${g.folderUid}`).sort());
  const policy = one(r, "grafana:alerting/notificationPolicy:NotificationPolicy", "grafana-policy");
  const grafana = componentResources(r, "observability:grafana:Grafana").map((x) => x.urn);
  for (const res of resources) {
    expect(res.dependencies).toContain(policy.urn);
    expect(grafana).toContain(res.urn);
  }
  expect(violationsOf(await runPolicies([alertRulesLabelled], resources), "alert-rules-labelled")).toEqual(
    [],
  );
  return resources;
}

/** The policy pack's one finding on `broken`, a deployed RuleGroup edited by the test. */
export async function ruleGroupViolations(broken: RecordedResource): Promise<string[]> {
  return violationsOf(await runPolicies([alertRulesLabelled], [broken]), "alert-rules-labelled");
}
