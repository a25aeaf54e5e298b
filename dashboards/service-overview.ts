import { BigValueGraphMode, VizOrientation } from "@grafana/grafana-foundation-sdk/common";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { RECORD } from "../infra/catalog/recording-rules";
import type { ServiceConfig } from "../infra/config";
import {
  baseDashboard,
  type DashboardDefinition,
  PROMETHEUS,
  perService,
  prom,
  promTimeseries,
  SERVICE_MATCH,
  serviceSeries,
  servicesOfKind,
} from "./common";

const QUANTILES = ["p50", "p90", "p99"] as const;

/**
 * Remaining share of the availability error budget over the SLO window: 1 - (observed error
 * ratio / allowed error ratio). The hourly ratio averaged over the window approximates the
 * window's ratio without a 30-day range over raw histograms. One query per service, because each
 * has its own target: it names the service's namespace and job (a same-named Service elsewhere
 * has its own series), and the second `job` matcher applies the service variable.
 */
export function errorBudgetExpr(s: Pick<ServiceConfig, "name" | "namespace" | "slo">): string {
  const allowed = Number((1 - s.slo.availability).toPrecision(6));
  return `1 - (avg_over_time(${RECORD.errorRatio("1h")}{namespace="${s.namespace}", job="${s.name}", ${SERVICE_MATCH}}[${s.slo.windowDays}d]) / ${allowed})`;
}

export const serviceOverview: DashboardDefinition = {
  uid: "obs-service-overview",
  title: "Service overview (RED)",
  tags: ["red", "slo", "services"],
  services: (ctx) => servicesOfKind(ctx, "backend", "frontend"),
  requiredPanels: () => [
    "Request rate",
    "Error rate",
    "Latency p50 / p90 / p99",
    "SLO error budget remaining",
  ],
  build(ctx) {
    const services = this.services(ctx);
    const budget = new StatPanel()
      .title("SLO error budget remaining")
      .description(
        "Share of each service's availability error budget left over its SLO window (1 = untouched, below 0 = SLO missed).",
      )
      .datasource(PROMETHEUS)
      .unit("percentunit")
      .min(-1)
      .max(1)
      .graphMode(BigValueGraphMode.Area)
      .orientation(VizOrientation.Horizontal)
      .height(8)
      .span(24);
    services.forEach((s, i) => {
      budget.withTarget(
        prom(
          errorBudgetExpr(s),
          `${s.name} (${s.slo.availability * 100}% / ${s.slo.windowDays}d)`,
          String.fromCharCode(65 + i),
        ),
      );
    });
    return baseDashboard(
      this,
      ctx,
      services,
      "Request rate, errors and duration per service, and what is left of each SLO's error budget.",
    )
      .withRow(new RowBuilder("Traffic and errors"))
      .withPanel(
        promTimeseries(
          "Request rate",
          "reqps",
          [prom(`sum by (${perService()}) (${serviceSeries(RECORD.requestRate)})`, "{{job}}")],
          "HTTP requests per second handled by each service.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Error rate",
          "percentunit",
          [
            prom(`sum by (${perService()}) (${serviceSeries(RECORD.errorRatio("5m"))})`, "{{job}} 5xx ratio"),
            prom(`sum by (${perService()}) (${serviceSeries(RECORD.errorRate)})`, "{{job}} 5xx/s"),
          ],
          "Share of requests answered with 5xx (left axis) and 5xx responses per second (right axis).",
        ).overrideByQuery("B", [
          { id: "unit", value: "reqps" },
          { id: "custom.axisPlacement", value: "right" },
        ]),
      )
      .withRow(new RowBuilder("Latency"))
      .withPanel(
        promTimeseries(
          "Latency p50 / p90 / p99",
          "s",
          QUANTILES.map((q) =>
            prom(`max by (${perService()}) (${serviceSeries(RECORD.latency(q))})`, `{{job}} ${q}`),
          ),
          "API response time percentiles per service (from the request-duration histogram).",
        ).span(24),
      )
      .withRow(new RowBuilder("SLO"))
      .withPanel(budget)
      .build();
  },
};
