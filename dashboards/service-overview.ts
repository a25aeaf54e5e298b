import { BigValueGraphMode, VizOrientation } from "@grafana/grafana-foundation-sdk/common";
import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { RECORD } from "../infra/catalog/recording-rules";
import type { ServiceConfig } from "../infra/config";
import { EXTERNAL_CALL_PANELS, withExternalCalls } from "./external-calls";
import {
  baseDashboard,
  type DashboardDefinition,
  PROMETHEUS,
  perService,
  prom,
  promTimeseries,
  ofServices,
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

/**
 * The Trends row: 90 days, one point per week. Each panel's minimum interval makes Grafana's step a
 * week, and Query Frontend's auto-downsampling then reads the bucket's 1-hour data (it allows a
 * source resolution of step / 5: thanos pkg/queryfrontend/queryrange_codec.go and pkg/api/query/v1.go
 * at v0.42.4). The queries read recorded 5-minute rates, gauges of the rules' output, whose
 * downsampled aggregates keep their average: a week's average of a rate is the week's rate, and a
 * ratio of two such averages the week's error ratio weighted by traffic.
 */
export const TRENDS = { range: "90d", step: "1w" } as const;

const weekly = (metric: string, by = perService()) =>
  `sum by (${by}) (avg_over_time(${metric}{${SERVICE_MATCH}}[${TRENDS.step}]))`;

/** Weekly average of a recorded per-service rate, of the selected services. */
export const weeklyRateExpr = (metric: string): string => ofServices(weekly(metric));

/** The week's error ratio: errors per second over requests per second, both averaged over the week. */
export const weeklyErrorRatioExpr = (): string =>
  ofServices(`${weekly(RECORD.errorRate)} / ${weekly(RECORD.requestRate)}`);

/** The week's p99 from the recorded bucket rates averaged over the week (not an average of p99s). */
export const weeklyP99Expr = (): string =>
  ofServices(`histogram_quantile(0.99, ${weekly(RECORD.httpBucketRates, perService("le"))})`);

/** The longest SLO window of the services shown, in days: the budget's trend covers it whole. */
const longestWindowDays = (services: Pick<ServiceConfig, "slo">[]) =>
  Math.max(1, ...services.map((s) => s.slo.windowDays));

function trendPanel(title: string, unit: string, queries: ReturnType<typeof prom>[], description: string) {
  return promTimeseries(title, unit, queries, description).timeFrom(TRENDS.range).interval(TRENDS.step);
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
    "Weekly request rate (90 days)",
    "Weekly error ratio (90 days)",
    "Weekly latency p99 (90 days)",
    "SLO error budget over the window",
    ...EXTERNAL_CALL_PANELS,
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
    const red = baseDashboard(
      this,
      ctx,
      services,
      "Request rate, errors and duration per service, what each service calls and needs, and what is left of each SLO's error budget.",
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
      );
    return (
      // Beside the service's own errors and latency: what it calls, and what it needs.
      withExternalCalls(red)
        .withRow(new RowBuilder("SLO"))
        .withPanel(budget)
        // Longer than one Prometheus keeps: read through Thanos from the metrics bucket.
        .withRow(new RowBuilder("Trends"))
        .withPanel(
          trendPanel(
            "Weekly request rate (90 days)",
            "reqps",
            [prom(weeklyRateExpr(RECORD.requestRate), "{{job}}")],
            "Requests per second of each service, averaged over each week of the last 90 days.",
          ),
        )
        .withPanel(
          trendPanel(
            "Weekly error ratio (90 days)",
            "percentunit",
            [prom(weeklyErrorRatioExpr(), "{{job}}")],
            "Share of each week's requests answered with 5xx, over the last 90 days.",
          ),
        )
        .withPanel(
          trendPanel(
            "Weekly latency p99 (90 days)",
            "s",
            [prom(weeklyP99Expr(), "{{job}} p99")],
            "99th percentile response time of each week's requests, over the last 90 days.",
          ),
        )
        .withPanel(
          // One point every 6 hours: each reads the whole window of hourly ratios (1-hour data).
          promTimeseries(
            "SLO error budget over the window",
            "percentunit",
            services.map((s) =>
              prom(errorBudgetExpr(s), `${s.name} (${s.slo.availability * 100}% / ${s.slo.windowDays}d)`),
            ),
            "Share of each service's error budget left at each point of its SLO window (1 = untouched, below 0 = SLO missed).",
          )
            .timeFrom(`${longestWindowDays(services)}d`)
            .interval("6h"),
        )
        .build()
    );
  },
};
