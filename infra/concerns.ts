import type { Concern } from "./artifacts";
import { alertingConcern } from "./generators/alerting/concern";
import { archiveConcern } from "./generators/archive";
import { grafanaConcern } from "./generators/grafana";
import { loggingConcern } from "./generators/logging";
import { metricsConcern } from "./generators/metrics";
import { frontendConcern } from "./generators/frontend";
import { sentryConcern } from "./generators/sentry";

/** Every concern's artifacts and summary section, in the order summary.md shows them (who is notified first). */
export const CONCERNS: Concern[] = [
  alertingConcern,
  archiveConcern,
  metricsConcern,
  grafanaConcern,
  loggingConcern,
  sentryConcern,
  frontendConcern,
];
