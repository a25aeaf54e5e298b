import { type DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { METRIC_CONTRACT } from "../infra/catalog/metric-contract";
import { RESOURCE_RECORD } from "../infra/catalog/recording-rules";
import { perService, prom, promTimeseries, serviceSeries } from "./common";

/**
 * Issue 26 §2 on the "Memory and resources" dashboard: the resources a leak holds on to (the
 * runbook's "check for unclosed resources") and CPU and memory against the containers' limits
 * ("monitor resource usage").
 */
export const UNCLOSED_RESOURCE_PANELS = [
  "Open file descriptors (share of limit)",
  "Hours until a resource runs out",
  "Database pool connections by state",
  "Requests waiting for a pool connection",
  "Goroutines and threads",
] as const;

export const RESOURCE_USAGE_PANELS = [
  "CPU usage against requests and limits",
  "CPU throttled share",
  "Memory working set against limits",
  "Fullest container (share of memory limit)",
] as const;

const R = RESOURCE_RECORD;
const C = METRIC_CONTRACT;
const perInstance = perService("instance");

export function withUnclosedResources(dashboard: DashboardBuilder): DashboardBuilder {
  const [fds, hours, pool, pending, threads] = UNCLOSED_RESOURCE_PANELS;
  return dashboard
    .withRow(new RowBuilder("Unclosed resources"))
    .withPanel(
      promTimeseries(
        fds,
        "percentunit",
        [
          prom(
            `max by (${perInstance}) (${serviceSeries(C.processOpenFds.name)}) / max by (${perInstance}) (${serviceSeries(C.processMaxFds.name)})`,
            "{{job}} {{instance}}",
          ),
        ],
        "process_open_fds / process_max_fds per instance: a floor that rises between restarts is a descriptor leak (sockets, files).",
      ),
    )
    .withPanel(
      promTimeseries(
        hours,
        "h",
        [
          prom(
            `min by (${perService("instance", "resource", "db_client_connection_pool_name")}) (${serviceSeries(R.exhaustionHours)})`,
            "{{job}} {{instance}} {{resource}} {{db_client_connection_pool_name}}",
          ),
        ],
        "When descriptors or pool connections run out if their hourly floor keeps rising as over 6h; empty while nothing leaks. ResourcesLeaking fires below metrics.alerts.leakHorizonHours.",
      ),
    )
    .withPanel(
      promTimeseries(
        pool,
        "short",
        [
          prom(
            `sum by (${perService("db_client_connection_pool_name", "db_client_connection_state")}) (${serviceSeries(C.dbConnectionCount.name)})`,
            "{{job}} {{db_client_connection_pool_name}} {{db_client_connection_state}}",
          ),
          prom(
            `sum by (${perService("db_client_connection_pool_name")}) (${serviceSeries(C.dbConnectionLimit.name)})`,
            "{{job}} {{db_client_connection_pool_name}} limit",
            "B",
          ),
        ],
        "db_client_connection_count by state (used, idle) against the pool's limit: used connections that never come back are the leak.",
      ),
    )
    .withPanel(
      promTimeseries(
        pending,
        "short",
        [
          prom(
            `sum by (${perService("db_client_connection_pool_name")}) (${serviceSeries(C.dbConnectionPending.name)})`,
            "{{job}} {{db_client_connection_pool_name}}",
          ),
        ],
        "db_client_connection_pending_requests: above zero for long, the pool is exhausted (leaked, or too small for the load).",
      ),
    )
    .withPanel(
      promTimeseries(
        threads,
        "short",
        [
          prom(
            `sum by (${perInstance}) (${serviceSeries(C.goGoroutines.name)})`,
            "{{job}} {{instance}} goroutines",
          ),
          prom(
            `sum by (${perInstance}) (${serviceSeries(C.jvmThreadCount.name)})`,
            "{{job}} {{instance}} threads",
            "B",
          ),
        ],
        "go_goroutines (Go) and jvm_thread_count (JVM), where the runtime exports them: counts that only grow are blocked goroutines or threads never ended.",
      ).span(24),
    );
}

export function withResourceUsage(dashboard: DashboardBuilder): DashboardBuilder {
  const [cpu, throttled, memory, fullest] = RESOURCE_USAGE_PANELS;
  const of = (record: string) => `sum by (${perService()}) (${serviceSeries(record)})`;
  return dashboard
    .withRow(new RowBuilder("CPU and memory against limits"))
    .withPanel(
      promTimeseries(
        cpu,
        "short",
        [
          prom(of(R.cpuUsage), "{{job}} used"),
          prom(of(R.cpuRequests), "{{job}} requested", "B"),
          prom(of(R.cpuLimits), "{{job}} limit", "C"),
        ],
        "Cores the service's containers use (cAdvisor) against their requests and limits (kube-state-metrics); its pods as Prometheus scrapes them, sidecars left out.",
      ),
    )
    .withPanel(
      promTimeseries(
        throttled,
        "percentunit",
        [prom(`max by (${perService()}) (${serviceSeries(R.cpuThrottled)})`, "{{job}}")],
        "Share of CFS periods in which the containers hit their CPU limit; CPUThrottled fires above metrics.alerts.cpuThrottledRatioMax for 30 minutes.",
      )
        .min(0)
        .max(1),
    )
    .withPanel(
      promTimeseries(
        memory,
        "bytes",
        [
          prom(of(R.memoryWorkingSet), "{{job}} working set"),
          prom(of(R.memoryLimits), "{{job}} limits", "B"),
        ],
        "Working set (what the OOM killer compares) of all the service's containers against the sum of their limits.",
      ),
    )
    .withPanel(
      promTimeseries(
        fullest,
        "percentunit",
        [prom(`max by (${perService()}) (${serviceSeries(R.memoryLimitRatio)})`, "{{job}}")],
        "The fullest container's working set as a share of its own limit; MemoryNearLimit fires above metrics.alerts.memoryLimitRatioMax for 15 minutes.",
      )
        .min(0)
        .max(1),
    );
}
