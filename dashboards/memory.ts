import { METRIC_CONTRACT } from "../infra/catalog/metric-contract";
import { RECORD } from "../infra/catalog/recording-rules";
import {
  baseDashboard,
  type DashboardDefinition,
  ofServices,
  perService,
  prom,
  promTimeseries,
  SERVICE_MATCH,
  serviceSeries,
} from "./common";
import {
  RESOURCE_USAGE_PANELS,
  UNCLOSED_RESOURCE_PANELS,
  withResourceUsage,
  withUnclosedResources,
} from "./resources";

const mem = METRIC_CONTRACT.processMemory.name;

/** How far ahead the leak forecast looks, and over how much history it fits its line. */
export const FORECAST_HOURS = 24;
export const FORECAST_FIT = "6h";

export const memoryResources: DashboardDefinition = {
  uid: "obs-memory",
  title: "Memory and resources",
  tags: ["memory", "resources", "leaks"],
  services: (ctx) => ctx.services,
  requiredPanels: () => [
    "Resident memory",
    "Memory growth trend",
    `Memory forecast (${FORECAST_HOURS}h)`,
    "Memory per instance",
    ...UNCLOSED_RESOURCE_PANELS,
    ...RESOURCE_USAGE_PANELS,
  ],
  build(ctx) {
    const memory = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "Memory usage and its trend for leak hunting: steady growth that does not fall back after load drops points at a leak.",
    )
      .withPanel(
        promTimeseries(
          "Resident memory",
          "bytes",
          [prom(`sum by (${perService()}) (${serviceSeries(RECORD.memoryBytes)})`, "{{job}}")],
          "Resident memory of all instances of each service.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Memory growth trend",
          "Bps",
          [prom(`sum by (${perService()}) (${serviceSeries(RECORD.memoryGrowth)})`, "{{job}}")],
          "Least-squares slope of memory over the last hour (deriv): persistently above zero is the signature of a leak.",
        ),
      )
      .withPanel(
        promTimeseries(
          `Memory forecast (${FORECAST_HOURS}h)`,
          "bytes",
          [
            prom(
              ofServices(
                `predict_linear(${RECORD.memoryBytes}{${SERVICE_MATCH}}[${FORECAST_FIT}], ${FORECAST_HOURS * 3600})`,
              ),
              `{{job}} in ${FORECAST_HOURS}h`,
            ),
            prom(serviceSeries(RECORD.memoryBytes), "{{job}} now"),
          ],
          `Where memory will be in ${FORECAST_HOURS} hours if the last ${FORECAST_FIT} trend continues (predict_linear).`,
        ),
      )
      .withPanel(
        promTimeseries(
          "Memory per instance",
          "bytes",
          [prom(serviceSeries(mem), "{{job}} {{instance}}")],
          "One line per pod: a leak usually shows in every instance, a hot shard in one.",
        ),
      );
    return withResourceUsage(withUnclosedResources(memory)).build();
  },
};
