import type { StackConfig } from "../../infra/config";
import { stackConfig, stackValue } from "./stack-config";

/**
 * A synthetic fleet of `n` services on top of a stack file, for size and cost checks: the stack's
 * teams in turn, a mix of kinds (a worker in five), a few latency thresholds and SLO targets, a
 * database and an API declared as dependencies of each (every priority in turn), and `overrides`
 * services that override one query each.
 */
export function fleetConfig(n: number, stack = "prod", overrides = 0): StackConfig {
  const teams = stackValue<{ name: string }[]>(stack, "teams").map((t) => t.name);
  const thresholds = [0.5, 0.25, 1];
  const services = Array.from({ length: n }, (_, i) => ({
    name: `svc-${String(i).padStart(4, "0")}`,
    team: teams[i % teams.length],
    kind: i % 5 === 4 ? "worker" : i % 3 === 0 ? "frontend" : "backend",
    namespace: "apps",
    slo: {
      latencyThresholdSeconds: thresholds[i % thresholds.length],
      availability: i % 7 === 0 ? 0.995 : 0.999,
    },
    dependencies: [
      { tcp: `db-${i % 10}.data.svc:5432` },
      { url: `https://partner-${i % 4}.example.com/health`, priority: ["P1", "P2", "P3"][i % 3] },
    ],
    ...(i < overrides
      ? {
          queries: {
            requestRate:
              'sum(rate(legacy_requests_total{namespace="{{namespace}}",app="{{job}}"}[{{window}}]))',
          },
        }
      : {}),
  }));
  return stackConfig(stack, { services });
}
