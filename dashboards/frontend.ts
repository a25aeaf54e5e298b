import { TextMode } from "@grafana/grafana-foundation-sdk/text";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TextPanel } from "@grafana/grafana-foundation-sdk/text";
import type { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { RECORD } from "../infra/catalog/recording-rules";
import {
  baseDashboard,
  type DashboardContext,
  type DashboardDefinition,
  ofServices,
  PluginQuery,
  perService,
  prom,
  promTimeseries,
  SENTRY,
  serviceSeries,
  servicesOfKind,
  timeseries,
} from "./common";

/**
 * Frontend performance. Browser-side data (page loads as users see them, JavaScript errors, Web
 * Vitals) lives in Sentry, which the frontend SDK already reports to; Grafana reads it through the
 * Sentry data-source plugin. Server-side page rendering and the API calls the pages make are
 * Prometheus data: the frontend services' and the backends' request histograms.
 */

/** Web Vitals as Sentry records them on page-load transactions (p75 is Google's threshold basis). */
export const WEB_VITALS = ["lcp", "inp", "cls", "fcp", "ttfb"] as const;

function sentryStats(
  refId: string,
  query: string,
  yAxis: string[],
  dataset: "transactions" | "errors" = "transactions",
): PluginQuery {
  return new PluginQuery({
    refId,
    datasource: SENTRY,
    queryType: "eventsStats",
    projectIds: [],
    environments: ["$environment"],
    eventsStatsQuery: query,
    eventsStatsYAxis: yAxis,
    eventsStatsGroups: [],
    eventsDataset: dataset,
  });
}

/**
 * The browser's own outbound calls: the Sentry browser SDK records each fetch/XHR as a span of
 * op `http.client`, which the plugin's `spansStats` query type (same fields as `eventsStats`)
 * aggregates over the spans dataset.
 */
export const BROWSER_API_SPANS = "span.op:http.client";
function sentrySpanStats(refId: string, query: string, yAxis: string[]): PluginQuery {
  return new PluginQuery({
    refId,
    datasource: SENTRY,
    queryType: "spansStats",
    projectIds: [],
    environments: ["$environment"],
    eventsStatsQuery: query,
    eventsStatsYAxis: yAxis,
    eventsStatsGroups: [],
  });
}

function sentryPanel(title: string, unit: string, description: string, query: PluginQuery): TimeseriesPanel {
  return timeseries(title, unit, description, SENTRY).withTarget(query);
}

/** A record of the backends the pages call (every service when there is none), by namespace and job. */
function backendSeries(ctx: DashboardContext, record: string): string {
  const names =
    servicesOfKind(ctx, "backend")
      .map((s) => s.name)
      .join("|") || ".*";
  return ofServices(`${record}{job=~"${names}"}`, names);
}

export const frontendPerformance: DashboardDefinition = {
  uid: "obs-frontend",
  title: "Frontend performance",
  tags: ["frontend", "web-vitals", "sentry"],
  services: (ctx) => servicesOfKind(ctx, "frontend"),
  requiredPanels: (ctx) => [
    "Page load time (server render)",
    "API call performance",
    ...(ctx.sentry
      ? [
          "Page load time (browser)",
          "JavaScript errors",
          "Web Vitals (p75)",
          "Top JavaScript issues",
          "API calls from the browser",
        ]
      : []),
  ],
  build(ctx) {
    const dash = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "Page loads, API calls, JavaScript errors and Web Vitals: browser data from Sentry, server data from Prometheus.",
    )
      .withPanel(
        promTimeseries(
          "Page load time (server render)",
          "s",
          (["p50", "p90", "p99"] as const).map((q) =>
            prom(`max by (${perService()}) (${serviceSeries(RECORD.latency(q))})`, `{{job}} ${q}`),
          ),
          "Time the frontend services take to render and serve a page (server side of a page load).",
        ),
      )
      .withPanel(
        promTimeseries(
          "API call performance",
          "s",
          [
            prom(`max by (${perService()}) (${backendSeries(ctx, RECORD.latency("p90"))})`, "{{job}} p90"),
            prom(`max by (${perService()}) (${backendSeries(ctx, RECORD.latency("p99"))})`, "{{job}} p99"),
            prom(
              `sum by (${perService()}) (${backendSeries(ctx, RECORD.errorRatio("5m"))})`,
              "{{job}} 5xx ratio",
            ),
          ],
          "Latency and error ratio of the backend APIs the pages call.",
        ),
      );
    if (!ctx.sentry) {
      return dash
        .withPanel(
          new TextPanel()
            .title("Browser data")
            .mode(TextMode.Markdown)
            .content(
              "Set `grafana.sentryDataSource: true` in the stack config to show page loads, JavaScript errors and Web Vitals from Sentry.",
            )
            .height(4)
            .span(24),
        )
        .build();
    }
    return dash
      .withPanel(
        sentryPanel(
          "Page load time (browser)",
          "ms",
          "Page loads as users experience them (Sentry page-load transactions).",
          sentryStats("A", "transaction.op:pageload", [
            "p50(transaction.duration)",
            "p75(transaction.duration)",
            "p95(transaction.duration)",
          ]),
        ),
      )
      .withPanel(
        sentryPanel(
          "Web Vitals (p75)",
          "ms",
          "Core Web Vitals at the 75th percentile of page loads (CLS is unitless).",
          sentryStats(
            "A",
            "transaction.op:pageload",
            WEB_VITALS.map((v) => `p75(measurements.${v})`),
          ),
        ),
      )
      .withPanel(
        sentryPanel(
          "JavaScript errors",
          "short",
          "Browser error events per interval.",
          sentryStats("A", "event.type:error", ["count()", "count_unique(user)"], "errors"),
        ),
      )
      .withPanel(
        sentryPanel(
          "API calls from the browser",
          "ms",
          "The pages' API calls as users wait for them (Sentry `http.client` spans of the browser SDK), network included: compare with API call performance, the backends' own view. New Relic alerts on the same from its AjaxRequest events.",
          sentrySpanStats("A", BROWSER_API_SPANS, [
            "p50(span.duration)",
            "p75(span.duration)",
            "p95(span.duration)",
          ]),
        ),
      )
      .withPanel(
        new TablePanel()
          .title("Top JavaScript issues")
          .description("Unresolved Sentry issues of this environment, most frequent first.")
          .datasource(SENTRY)
          .height(8)
          .span(12)
          .withTarget(
            new PluginQuery({
              refId: "A",
              datasource: SENTRY,
              queryType: "issues",
              projectIds: [],
              environments: ["$environment"],
              issuesQuery: "is:unresolved",
              issuesSort: "freq",
              issuesLimit: 20,
            }),
          ),
      )
      .build();
  },
};
