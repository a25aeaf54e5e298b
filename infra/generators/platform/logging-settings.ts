import { eckNames } from "../logging/names";
import { SETTINGS_JOBS } from "../logging/plan";
import type { PlatformAlertSpec, PlatformInput } from "./types";

/**
 * The settings Jobs (infra/generators/logging/kubernetes.ts, settingsJob and settingsJobName) are
 * named `<cluster>-<job>-<10 hex digits of the plan's hash>` (the users Job's hash also covers the
 * passwords' fingerprint). kube-state-metrics reports each Job's
 * Failed condition (`kube_job_failed{condition="true"}`: retries exhausted or the deadline passed);
 * `kube_job_status_failed` counts failed pods and stays above 0 after a retry that succeeded.
 */
export const settingsJobPattern = (config: PlatformInput) =>
  `${eckNames(config).elasticsearch}-(${SETTINGS_JOBS.join("|")})-[0-9a-f]{10}`;

export const LOGGING_SETTINGS_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "LoggingSettingsJobFailed",
    component: "logging-settings",
    priority: "P2",
    runbook: "logging-settings",
    reason:
      "the cluster runs without settings the stack declares (retention, roles, pipelines, snapshots), and a first deploy's shippers wait for them: within the hour",
    for: "1m",
    firesWithin: "2m",
    summary: "Logging settings Job {{ $labels.job_name }} failed",
    description:
      "The Job {{ $labels.job_name }} that applies the generated Elasticsearch and Kibana settings has failed (retries exhausted or deadline passed).",
    expr: (c) =>
      `max by (namespace, job_name) (kube_job_failed{namespace="${c.logging.namespace}",condition="true",job_name=~"${settingsJobPattern(c)}"}) == 1`,
  },
];
