import type { Concern } from "../../artifacts";
import type { StackConfig } from "../../config";
import { managedLabels } from "../labels";
import { eckNames } from "../logging/names";
import { resolveMetrics } from "../metrics/settings";
import { ECK_OPERATOR_NAMESPACE } from "../platform/eck-operator";
import { POD_SECURITY_LABEL, POD_SECURITY_REASON, type PodSecurityLevel } from "./labels";

/**
 * Pod Security Admission on the platform's namespaces: one table saying, per namespace, the Pod
 * Security Standard the API server enforces there and why. Each namespace carries it as labels
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/) and the reason as an
 * annotation; summary.md and docs/design/pod-security.md show the table. A namespace enforces
 * `restricted` wherever every pod in it meets it; the two that cannot (node-exporter's and
 * Filebeat's, which read the node itself) hold nothing else.
 */

export * from "./labels";
/**
 * The Kubernetes minor whose rules `enforce` applies. Pinned, so that a cluster upgrade cannot start
 * refusing pods on rules the offline test (tests/helpers/pod-security.ts, which implements this
 * version) has not checked; reviewed on each EKS upgrade (docs/upgrading.md). `warn` and `audit`
 * follow `latest`: a rule a newer version adds shows as a warning on apply before it is enforced.
 */
export const POD_SECURITY_VERSION = "v1.33";

/** What the table reads of the stack config: the namespaces' names. */
export type PodSecurityInput = Pick<StackConfig, "metrics" | "logging" | "grafana">;

export interface NamespaceSecurity {
  namespace: string;
  /** What runs there, for summary.md. */
  what: string;
  enforce: PodSecurityLevel;
  /** `warn` and `audit`: restricted where it is enforced; baseline where privileged pods run on purpose. */
  report: PodSecurityLevel;
  why: string;
}

/** The platform's namespaces, by role. */
export type PlatformNamespace =
  | "metrics"
  | "nodeExporter"
  | "grafana"
  | "logging"
  | "filebeat"
  | "eckOperator";

const RESTRICTED = "every pod in it meets the restricted standard";

export function podSecurity(config: PodSecurityInput): Record<PlatformNamespace, NamespaceSecurity> {
  const metrics = resolveMetrics(config);
  const eck = eckNames(config);
  const restricted = (namespace: string, what: string, extra = ""): NamespaceSecurity => ({
    namespace,
    what,
    enforce: "restricted",
    report: "restricted",
    why: `${RESTRICTED}: non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp${extra}`,
  });
  return {
    metrics: restricted(
      metrics.namespace,
      "Prometheus, Alertmanager, the Prometheus operator, kube-state-metrics, Thanos",
      `; node-exporter, which reads the node, runs in ${metrics.nodeExporterNamespace}`,
    ),
    nodeExporter: {
      namespace: metrics.nodeExporterNamespace,
      what: "node-exporter (kube-prometheus-stack)",
      enforce: "privileged",
      report: "baseline",
      why: "node-exporter reports the node itself: it shares the host's network and process namespaces and reads /proc, /sys and the root filesystem through hostPath volumes, which even baseline forbids; nothing else runs here",
    },
    grafana: restricted(config.grafana.namespace, "Grafana"),
    logging: restricted(
      config.logging.namespace,
      "Elasticsearch, Kibana, Logstash, the settings Jobs, the exporters",
      `; Filebeat, which reads the node's log files, runs in ${eck.filebeatNamespace}`,
    ),
    filebeat: {
      namespace: eck.filebeatNamespace,
      what: "Filebeat (ECK)",
      enforce: "privileged",
      report: "baseline",
      why: "Filebeat reads every container's log files on the node through hostPath volumes, as root (they are readable by root only), and keeps its registry on the node (ECK's hostPath `beat-data`), which even baseline forbids; nothing else runs here",
    },
    eckOperator: restricted(ECK_OPERATOR_NAMESPACE, "the ECK operator"),
  };
}

/** The table as a list, in the order summary.md shows it. */
export const podSecurityTable = (config: PodSecurityInput): NamespaceSecurity[] =>
  Object.values(podSecurity(config));

/** The labels and annotation a platform Namespace carries for its entry of the table. */
export function podSecurityMetadata(entry: NamespaceSecurity): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return {
    labels: {
      [`${POD_SECURITY_LABEL}/enforce`]: entry.enforce,
      [`${POD_SECURITY_LABEL}/enforce-version`]: POD_SECURITY_VERSION,
      [`${POD_SECURITY_LABEL}/warn`]: entry.report,
      [`${POD_SECURITY_LABEL}/warn-version`]: "latest",
      [`${POD_SECURITY_LABEL}/audit`]: entry.report,
      [`${POD_SECURITY_LABEL}/audit-version`]: "latest",
    },
    annotations: { [POD_SECURITY_REASON]: entry.why },
  };
}

/**
 * A platform Namespace: `labels` (the managed labels by default) and its Pod Security labels and
 * reason. Every Namespace the stack creates is one of the table's.
 */
export function securedNamespace(entry: NamespaceSecurity, labels: Record<string, string> = managedLabels()) {
  const security = podSecurityMetadata(entry);
  return {
    metadata: {
      name: entry.namespace,
      labels: { ...labels, ...security.labels },
      annotations: security.annotations,
    },
  };
}

export const podSecurityConcern: Concern = {
  name: "pod-security",
  artifacts: () => [],
  summary: (config) =>
    [
      "## Pod security",
      "",
      `Each namespace the stack creates enforces a Pod Security Standard (\`${POD_SECURITY_LABEL}/enforce\`, rules of Kubernetes ${POD_SECURITY_VERSION}); \`warn\` and \`audit\` report on the latest rules. The API server refuses a pod that breaks its namespace's level (docs/design/pod-security.md).`,
      "",
      "| Namespace | Enforces | What runs there | Why |",
      "|---|---|---|---|",
      ...podSecurityTable(config).map(
        (n) => `| \`${n.namespace}\` | ${n.enforce} (warn, audit: ${n.report}) | ${n.what} | ${n.why} |`,
      ),
      "",
    ].join("\n"),
};
