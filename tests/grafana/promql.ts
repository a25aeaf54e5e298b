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

export function substituteVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)(?::\w+)?\}?/g, (whole, name: string) => {
    const v = GRAFANA_VARIABLES[name];
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
