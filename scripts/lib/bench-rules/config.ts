import type { StackConfig } from "../../../infra/config";
import { stackConfig } from "../stack-config";

/** Name of the i-th synthetic service (1-based): fixed width, so names sort in order. */
export const serviceName = (i: number): string => `svc-${String(i).padStart(3, "0")}`;

/** The synthetic services' namespace: their series carry it, as prometheus-operator's targets do. */
export const BENCH_NAMESPACE = "apps";

/**
 * The dev stack's config with its services replaced by `n` HTTP backends of the contract's shape
 * (default SLOs, no query overrides), owned alternately by the dev stack's teams.
 */
export function benchConfig(n: number): StackConfig {
  const teams = stackConfig("dev").teams.map((t) => t.name);
  const services = Array.from({ length: n }, (_, k) => ({
    name: serviceName(k + 1),
    team: teams[k % teams.length],
    kind: "backend",
    namespace: BENCH_NAMESPACE,
  }));
  return stackConfig("dev", { services });
}
