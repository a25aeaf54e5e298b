import { METRIC_CONTRACT } from "../infra/catalog/metric-contract";
import { RECORD, RESOURCE_RECORD } from "../infra/catalog/recording-rules";
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
import { EXTERNAL_CALL_PANELS, withExternalCalls } from "./external-calls";

const jobs = METRIC_CONTRACT.backgroundJobDuration.name;

export const backgroundJobs: DashboardDefinition = {
  uid: "obs-background-jobs",
  title: "Background job duration",
  tags: ["jobs", "performance"],
  services: (ctx) => servicesOfKind(ctx, "worker", "backend"),
  requiredPanels: () => [
    "Background job duration p99",
    "Job duration p50 / p99 by job",
    "Job runs by outcome",
    "Items per run",
    "Run time per item",
    ...EXTERNAL_CALL_PANELS,
  ],
  build(ctx) {
    const jobsPanels = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "How long background jobs take, how their runs end, and what the services behind them call and need.",
    )
      .withPanel(
        promTimeseries(
          "Background job duration p99",
          "s",
          [prom(`max by (${perService()}) (${serviceSeries(RECORD.jobDurationP99)})`, "{{job}}")],
          "p99 duration of finished job runs over 30 minutes (jobs are rarer than requests).",
        ),
      )
      .withPanel(
        promTimeseries(
          "Job duration p50 / p99 by job",
          "s",
          [0.5, 0.99].map((q) =>
            prom(
              `histogram_quantile(${q}, sum by (${perService("job_name", "le")}) (${ofServices(`rate(${jobs}_bucket{${SERVICE_MATCH}}[$__rate_interval])`)}))`,
              `{{job}} {{job_name}} p${q * 100}`,
            ),
          ),
          "Per kind of job, from the raw histogram.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Job runs by outcome",
          "ops",
          [
            prom(
              `sum by (${perService("job_name", "outcome")}) (${ofServices(`rate(${jobs}_count{${SERVICE_MATCH}}[$__rate_interval])`)})`,
              "{{job}} {{job_name}} {{outcome}}",
            ),
          ],
          "Finished runs per second, successes and failures.",
        ).span(24),
      )
      // Duration against input size (issue 26 §2): a run that is slow because its input grew.
      .withPanel(
        promTimeseries(
          "Items per run",
          "short",
          [
            prom(
              `max by (${perService("job_name")}) (${serviceSeries(RESOURCE_RECORD.jobItemsPerRun)})`,
              "{{job}} {{job_name}}",
            ),
          ],
          "Items processed per finished run over 30 minutes (background_job_items_processed_total): beside the duration p99, a slow run with a large input.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Run time per item",
          "s",
          [
            prom(
              `max by (${perService("job_name")}) (${serviceSeries(RESOURCE_RECORD.jobSecondsPerItem)})`,
              "{{job}} {{job_name}}",
            ),
          ],
          "Seconds of run time per item: flat while runs grow longer means larger inputs; rising means each item got slower (the database, a call, memory).",
        ),
      );
    // Workers are on no other dashboard with their outbound calls and dependencies.
    return withExternalCalls(jobsPanels).build();
  },
};
