import { parser } from "@prometheus-io/lezer-promql";

/**
 * Grafana replaces these before a query reaches Prometheus; the test does the same with values of
 * the right shape (durations, regexes) so that the grammar sees what Prometheus would.
 */
export const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: "2m",
  __interval: "30s",
  __range: "6h",
  __range_s: "21600",
  service: "api|worker",
  team: "platform|web",
  environment: "dev",
};

export function substituteVariables(expr: string, values: Record<string, string> = {}): string {
  return expr.replace(/\$\{?(\w+)(?::\w+)?\}?/g, (whole, name: string) => {
    const v = values[name] ?? GRAFANA_VARIABLES[name];
    if (v === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return v;
  });
}

export interface ParsedPromql {
  errors: number;
  /** Names of every series the query selects. */
  metrics: string[];
}

/**
 * Parses with the lezer grammar of the deployed Prometheus (@prometheus-io/lezer-promql 0.3MM.x is
 * Prometheus 3.MM; tests/versions/grammar.test.ts keeps them together): syntax errors are error
 * nodes, not exceptions.
 */
export function parsePromql(expr: string): ParsedPromql {
  let errors = 0;
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors++;
      if (n.name === "VectorSelector") {
        const id = n.node.getChild("Identifier");
        // A selector without a name ({__name__=~"..."}) could read anything: report it as unknown.
        metrics.push(id ? expr.slice(id.from, id.to) : "<selector without a metric name>");
      }
    },
  });
  return { errors, metrics };
}

type Node = NonNullable<ReturnType<ReturnType<typeof parser.parse>["topNode"]["getChild"]>>;

/** The label matchers of a selector: name, operator and unquoted value. */
function matchers(selector: Node, expr: string): { name: string; op: string; value: string }[] {
  const list = selector.getChild("LabelMatchers");
  if (!list) return [];
  const out: { name: string; op: string; value: string }[] = [];
  for (let m = list.firstChild; m; m = m.nextSibling) {
    if (m.name !== "UnquotedLabelMatcher" && m.name !== "QuotedLabelMatcher") continue;
    const name = m.getChild("LabelName") ?? m.getChild("QuotedLabelName");
    const op = m.getChild("MatchOp");
    const value = m.getChild("StringLiteral");
    if (!name || !op || !value) continue;
    out.push({
      name: expr.slice(name.from, name.to).replace(/^["'`]|["'`]$/g, ""),
      op: expr.slice(op.from, op.to),
      value: expr.slice(value.from + 1, value.to - 1),
    });
  }
  return out;
}

/** Every vector selector of a query: its metric name ("" without one) and its label matchers. */
export function vectorSelectors(expr: string): { name: string; matchers: ReturnType<typeof matchers> }[] {
  const out: { name: string; matchers: ReturnType<typeof matchers> }[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== "VectorSelector") return;
      out.push({ name: selectorName(ref.node, expr), matchers: matchers(ref.node, expr) });
    },
  });
  return out;
}

const selectorName = (selector: Node, expr: string): string => {
  const id = selector.getChild("Identifier");
  return id ? expr.slice(id.from, id.to) : "";
};

const labelsOf = (grouping: Node | null, expr: string): string[] =>
  grouping ? grouping.getChildren("LabelName").map((l) => expr.slice(l.from, l.to)) : [];

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Where a query could mix a same-named Service of another namespace with ours: a selector of a
 * service's series (`serviceSeries`) that names neither both `namespace` and `job` nor sits on the
 * left of `and on (namespace, job) <info>{...}`, and an aggregation `by` job without namespace.
 * Firing alerts of no service (`ALERTS{job=""}`) select no service at all.
 */
export function serviceSelectionProblems(expr: string, serviceSeries: Set<string>, info: string): string[] {
  const problems: string[] = [];
  const joinedToInfo = (node: Node): boolean => {
    for (let child: Node = node, p = node.parent; p; child = p, p = p.parent) {
      if (p.name !== "BinaryExpr" || !p.getChild("And") || p.firstChild?.from !== child.from) continue;
      const modifier = p.getChild("MatchingModifierClause");
      const right = p.lastChild;
      if (
        modifier?.getChild("On") &&
        sameSet(labelsOf(modifier.getChild("GroupingLabels"), expr), ["namespace", "job"]) &&
        right?.name === "VectorSelector" &&
        selectorName(right, expr) === info
      )
        return true;
    }
    return false;
  };
  parser.parse(expr).iterate({
    enter: (ref) => {
      const n = ref.node;
      if (n.name === "VectorSelector") {
        const name = selectorName(n, expr);
        if (!serviceSeries.has(name)) return;
        const m = matchers(n, expr);
        const names = (l: string) => m.some((x) => x.name === l && x.op === "=" && x.value !== "");
        if (names("namespace") && names("job")) return;
        if (name === "ALERTS" && m.some((x) => x.name === "job" && x.op === "=" && x.value === "")) return;
        // The platform's own alerts (labelled `component`, never `service`) are no service's.
        if (name === "ALERTS" && m.some((x) => x.name === "component" && x.op === "!=" && x.value === ""))
          return;
        if (!joinedToInfo(n)) problems.push(`${expr.slice(n.from, n.to)} selects services by job alone`);
      }
      if (n.name === "AggregateModifier" && n.getChild("By")) {
        const by = labelsOf(n.getChild("GroupingLabels"), expr);
        if (by.includes("job") && !by.includes("namespace"))
          problems.push(`${expr.slice(n.from, n.to)} adds up same-named services of different namespaces`);
      }
    },
  });
  return problems;
}
