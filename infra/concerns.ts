import type { Concern } from "./artifacts";
import { alertingConcern } from "./generators/alerting/concern";
import { archiveConcern } from "./generators/archive";
import { dependenciesConcern } from "./generators/dependencies";
import { grafanaConcern } from "./generators/grafana";
import { loggingConcern } from "./generators/logging";
import { metricsConcern } from "./generators/metrics";
import { networkPoliciesConcern } from "./generators/network-policies";
import { platformConcern } from "./generators/platform";
import { podSecurityConcern } from "./generators/pod-security";
import { frontendConcern } from "./generators/frontend";
import { prerequisitesConcern } from "./generators/prerequisites";
import { sentryConcern } from "./generators/sentry";
import { thanosConcern } from "./generators/thanos";

/**
 * Every concern's artifacts and summary section, in the order summary.md shows them: who is
 * notified first, then (after the resources and secrets) what must exist before a deploy.
 */
export const CONCERNS: Concern[] = [
  alertingConcern,
  prerequisitesConcern,
  archiveConcern,
  metricsConcern,
  dependenciesConcern,
  thanosConcern,
  networkPoliciesConcern,
  podSecurityConcern,
  platformConcern,
  grafanaConcern,
  loggingConcern,
  sentryConcern,
  frontendConcern,
];
