import { type DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { RECORD } from "../infra/catalog/recording-rules";
import { perService, prom, promTimeseries, serviceSeries } from "./common";

/**
 * The "External calls" row: what each service calls (outbound HTTP per destination, the busiest by
 * name and the rest as `other`) beside what it declares it needs (the dependency probes), so that
 * "review external API calls" and "verify dependencies" are one look at the service's dashboard.
 */
export const EXTERNAL_CALL_PANELS = [
  "External call rate",
  "External call failures",
  "External call latency p99",
  "Dependency probes",
] as const;

const perDestination = perService("server_address");

export function withExternalCalls(dashboard: DashboardBuilder): DashboardBuilder {
  const [rate, failures, latency, probes] = EXTERNAL_CALL_PANELS;
  return dashboard
    .withRow(new RowBuilder("External calls"))
    .withPanel(
      promTimeseries(
        rate,
        "reqps",
        [
          prom(
            `sum by (${perDestination}) (${serviceSeries(RECORD.callRate)})`,
            "{{job}} → {{server_address}}",
          ),
        ],
        "Outbound HTTP calls per second by destination (`server_address`); beyond the busiest destinations of a service, the rest are added up as `other`.",
      ),
    )
    .withPanel(
      promTimeseries(
        failures,
        "percentunit",
        [
          prom(
            `max by (${perDestination}) (${serviceSeries(RECORD.callFailedRatio)})`,
            "{{job}} → {{server_address}}",
          ),
        ],
        "Share of outbound calls that failed (5xx or no answer) by destination; ExternalDependencyDegraded fires above metrics.alerts.externalErrorRatioMax for 15 minutes.",
      ),
    )
    .withPanel(
      promTimeseries(
        latency,
        "s",
        [
          prom(
            `max by (${perDestination}) (${serviceSeries(RECORD.callP99)})`,
            "{{job}} → {{server_address}}",
          ),
        ],
        "p99 duration of outbound calls by destination; ExternalDependencyDegraded fires above metrics.alerts.externalP99Seconds for 15 minutes.",
      ),
    )
    .withPanel(
      promTimeseries(
        probes,
        "percentunit",
        [
          prom(
            `min by (${perService("instance", "priority")}) (${serviceSeries(RECORD.dependencyUp)})`,
            "{{job}} → {{instance}} ({{priority}})",
          ),
        ],
        "Share of the blackbox exporter's probes of each declared dependency (services[].dependencies) that succeeded over 5 minutes: 1 is up; DependencyDown fires below 0.5.",
      )
        .min(0)
        .max(1),
    );
}
