import type { Priority } from "../../catalog/alert-levels";
import type { StackConfig } from "../../config";
import type { AlertSpec } from "../metrics/alerts";
import { THANOS_PARTS } from "../thanos/names";

/** What the platform's self-monitoring reads of the stack config. */
export type PlatformInput = Pick<
  StackConfig,
  "metrics" | "logging" | "grafana" | "teams" | "services" | "environment" | "production"
>;

/**
 * The platform's own parts that are watched, in the order docs and the summary list them. An alert
 * of a part carries `component` where an application alert carries `service`.
 */
export const COMPONENTS = [
  "logstash",
  "filebeat",
  "kibana",
  "eck-operator",
  "logging-settings",
  "grafana",
  // Thanos's parts by their job (infra/generators/thanos/alerts.ts), from Grafana's side inwards.
  THANOS_PARTS.queryFrontend,
  THANOS_PARTS.query,
  THANOS_PARTS.storeGateway,
  THANOS_PARTS.sidecar,
  THANOS_PARTS.compactor,
] as const;
export type Component = (typeof COMPONENTS)[number];

/** One alert on a part of the platform: labels priority, team (metrics.ownerTeam) and component. */
export interface PlatformAlertSpec {
  alert: string;
  component: Component;
  priority: Priority;
  /** Runbook file stem: runbooks/<runbook>.md. */
  runbook: string;
  /** Why this priority: in docs/alerts.md and in the alert's description. */
  reason: string;
  for?: string;
  summary: string;
  description: string;
  /** How long after the fault it fires at the latest, with the default scrape and evaluation intervals. */
  firesWithin: string;
  expr(config: PlatformInput): string;
}

/**
 * The `job` label of each scrape of the platform's parts: monitors relabel `job` to these, so that
 * rules, dashboards and runbooks name them the same way whatever the Kubernetes objects are called.
 */
export const PLATFORM_JOBS = {
  logstash: "logstash",
  filebeat: "filebeat",
  kibana: "kibana",
  eckOperator: "eck-operator",
  grafana: "grafana",
} as const;

/**
 * A part's series: its job in its namespace, so that another team's Service of the same name
 * stays out (issue 22). `extra` adds matchers (`,pipeline="archive"`).
 */
export const partSelector = (job: string, namespace: string, extra = ""): string =>
  `{job="${job}",namespace="${namespace}"${extra}}`;

/** A relabeling that sets `job`, as the application ServiceMonitors do. */
export const jobRelabeling = (job: string) => ({ action: "replace", targetLabel: "job", replacement: job });

/**
 * Container security settings of every exporter the platform adds: no root, nothing writable, the
 * restricted Pod Security standard on the container's own, so that it holds beside Filebeat (whose
 * container runs as root) as much as in the restricted namespaces.
 */
export const EXPORTER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  // `nobody`, the user each exporter image declares.
  runAsUser: 65534,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** Requests and limit of a small exporter. */
export const EXPORTER_RESOURCES = {
  requests: { cpu: "10m", memory: "32Mi" },
  limits: { memory: "64Mi" },
} as const;

/**
 * An alert of the metrics catalog's kind on one of the platform's components (Elasticsearch): a
 * rule group `<component>.alerts` in prometheus/rules.yaml, with `component` where an application's
 * alert has `service`.
 */
export type ComponentAlertSpec = AlertSpec & { component: string; scope: "platform" };

/** One watched part of the platform whose alerts join the application rule file. */
export interface PlatformComponent {
  component: string;
  /** What scrapes or probes it, for summary.md. */
  watchedBy(config: StackConfig): string;
  alerts: readonly ComponentAlertSpec[];
}
