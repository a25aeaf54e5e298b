import { RECORD } from "../infra/catalog/recording-rules";
import { METRIC_CONTRACT } from "../infra/catalog/metric-contract";
import {
  baseDashboard,
  type DashboardDefinition,
  ofServices,
  perService,
  prom,
  promTimeseries,
  SERVICE_MATCH,
  serviceSeries,
  servicesOfKind,
} from "./common";

const db = METRIC_CONTRACT.dbClientDuration.name;

export const databasePerformance: DashboardDefinition = {
  uid: "obs-database",
  title: "Database query performance",
  tags: ["database", "performance"],
  services: (ctx) => servicesOfKind(ctx, "backend", "worker"),
  requiredPanels: () => [
    "Database operations per second",
    "Database query latency p50 / p99",
    "Slowest operations p99",
  ],
  build(ctx) {
    return baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "Database client operations per service: throughput, latency, and the slowest operations (first stop for high latency).",
    )
      .withPanel(
        promTimeseries(
          "Database operations per second",
          "ops",
          [prom(`sum by (${perService()}) (${serviceSeries(RECORD.dbRate)})`, "{{job}}")],
          "Database operations issued by each service.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Database query latency p50 / p99",
          "s",
          (["p50", "p99"] as const).map((q) =>
            prom(`max by (${perService()}) (${serviceSeries(RECORD.dbLatency(q))})`, `{{job}} ${q}`),
          ),
          "Duration of database operations per service.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Slowest operations p99",
          "s",
          [
            prom(
              `topk(10, histogram_quantile(0.99, sum by (${perService("db_system_name", "db_operation_name", "le")}) (${ofServices(`rate(${db}_bucket{${SERVICE_MATCH}}[$__rate_interval])`)})))`,
              "{{job}} {{db_system_name}} {{db_operation_name}}",
            ),
          ],
          "The ten slowest (service, database, operation) pairs, from the raw histogram for the detail the recording rules aggregate away.",
        ).span(24),
      )
      .build();
  },
};
