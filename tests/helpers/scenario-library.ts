import type { StackConfig } from "../../infra/config";
import type { Scenario } from "../../scripts/lib/scenarios";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";

type Service = StackConfig["services"][number];

/** Scenarios side by side in one promtool test, each on its own copy of the dev stack's `api`. */
export interface ScenarioLibrary {
  /** The dev stack with the copies. */
  config: StackConfig;
  runs: { s: Scenario; svc: Service }[];
  /** The stack's other services (the copies excluded): they only report `up`. */
  others: Service[];
}

const copyName = (i: number) => (i === 0 ? "api" : `api${i + 1}`);

/**
 * promtool's cost is per evaluation step far more than per series, so scenarios evaluated alike
 * run in one test, each on a copy of `api` (same team, namespace and SLO, another name and so
 * another `job`), in the dev stack as it would render with them. The first keeps the name `api`.
 */
export function scenarioLibrary(scenarios: Scenario[]): ScenarioLibrary {
  const services = stackValue<{ name: string }[]>("dev", "services");
  const api = services.find((s) => s.name === "api")!;
  // Only the service is copied, not what it probes.
  const copies = scenarios
    .slice(1)
    .map((_, i) => ({ ...api, name: copyName(i + 1), dependencies: undefined }));
  const config = stackConfig("dev", { services: [...services, ...copies] });
  const runs = scenarios.map((s, i) => ({ s, svc: config.services.find((x) => x.name === copyName(i))! }));
  const others = config.services.filter((x) => !runs.some((r) => r.svc === x));
  return { config, runs, others };
}
