import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { METRIC_CONTRACT } from "../infra/catalog/metric-contract";
import { RECORD } from "../infra/catalog/recording-rules";
import {
  baseDashboard,
  type DashboardDefinition,
  ofServices,
  PROMETHEUS,
  perService,
  prom,
  promTimeseries,
  SERVICE_MATCH,
  serviceSeries,
  servicesOfKind,
} from "./common";

const cache = METRIC_CONTRACT.cacheRequests.name;

export const cacheHitRatio: DashboardDefinition = {
  uid: "obs-cache",
  title: "Cache hit ratio",
  tags: ["cache", "performance"],
  services: (ctx) => servicesOfKind(ctx, "backend", "worker", "frontend"),
  requiredPanels: () => ["Cache hit ratio", "Cache hit ratio now", "Cache lookups by result"],
  build(ctx) {
    return baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "Share of cache lookups that hit, against its one-hour baseline, per service and cache.",
    )
      .withPanel(
        new StatPanel()
          .title("Cache hit ratio now")
          .description("Hit ratio over the last 5 minutes.")
          .datasource(PROMETHEUS)
          .unit("percentunit")
          .min(0)
          .max(1)
          .withTarget(prom(serviceSeries(RECORD.cacheHitRatio), "{{job}}"))
          .height(8)
          .span(8),
      )
      .withPanel(
        promTimeseries(
          "Cache hit ratio",
          "percentunit",
          [
            prom(serviceSeries(RECORD.cacheHitRatio), "{{job}} 5m"),
            prom(serviceSeries(RECORD.cacheHitRatio1h), "{{job}} 1h baseline"),
          ],
          "A 5-minute ratio falling below its 1-hour baseline means the cache stopped helping (eviction, cold start, key change).",
        ).span(16),
      )
      .withPanel(
        promTimeseries(
          "Cache lookups by result",
          "ops",
          [
            prom(
              `sum by (${perService("cache_name", "result")}) (${ofServices(`rate(${cache}{${SERVICE_MATCH}}[$__rate_interval])`)})`,
              "{{job}} {{cache_name}} {{result}}",
            ),
          ],
          "Hits and misses per second for each cache.",
        ).span(24),
      )
      .build();
  },
};
