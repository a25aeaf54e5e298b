import { firingAlerts } from "./alerts";
import { backgroundJobs } from "./background-jobs";
import { businessMetrics } from "./business";
import { cacheHitRatio } from "./cache";
import type { DashboardDefinition } from "./common";
import { databasePerformance } from "./database";
import { frontendPerformance } from "./frontend";
import { loggingPipeline } from "./logging-pipeline";
import { logsOverview } from "./logs";
import { memoryResources } from "./memory";
import { serviceOverview } from "./service-overview";

export * from "./common";

/** Every dashboard, in the order the summary lists them. */
export const DASHBOARDS: readonly DashboardDefinition[] = [
  serviceOverview,
  databasePerformance,
  cacheHitRatio,
  backgroundJobs,
  memoryResources,
  logsOverview,
  loggingPipeline,
  frontendPerformance,
  firingAlerts,
  businessMetrics,
];
