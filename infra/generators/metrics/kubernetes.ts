import type { ServiceConfig, StackConfig } from "../../config";
import { managedLabels, partOf } from "../labels";
import { type PodSecurityInput, podSecurity, securedNamespace } from "../pod-security";
import { ref, secretRef } from "../refs";
import {
  type AlertmanagerConfig,
  alertmanagerConfig,
  CHANNEL_SECRET_NAME,
  channelSecretKeys,
  channelSecretTeamKeys,
} from "./alertmanager";
import { integrationKeyRef } from "../alerting/pagerduty";
import { type RuleFile, type RuleGroup, ruleFile } from "./rules";
import { KPS_FULLNAME, type MetricsInput, resolveMetrics } from "./settings";
import { CRD_UPGRADE_BUSYBOX, KUBE_PROMETHEUS_STACK } from "../../versions";
import { MANAGED_CONTROL_PLANE } from "../platform/chart-rules";
import { defaultRulesValues, alertRelabelling } from "../platform/chart-values";
import {
  externalLabels,
  REPLICA_LABEL_VALUES,
  sidecarPrometheusValues,
  sidecarSpec,
} from "../thanos/sidecar";

/** What the chart needs of the cluster: the StorageClass of its volumes. */
type ClusterInput = Pick<StackConfig, "kubernetes">;

/** Label on every monitoring object this project creates (ServiceMonitors, PrometheusRules). */
export const PART_OF = partOf();

/** kube-prometheus-stack from the prometheus-community Helm repository (pinned in infra/versions.ts). */
export const KPS_CHART = { chart: KUBE_PROMETHEUS_STACK.chart, repo: KUBE_PROMETHEUS_STACK.repo } as const;

export const metricsNamespace = (config: PodSecurityInput) => securedNamespace(podSecurity(config).metrics);

/**
 * node-exporter's namespace: the chart's node-exporter (a privileged pod, pod-security) is kept
 * there, out of the metrics namespace, by `prometheus-node-exporter.namespaceOverride` (kpsValues).
 * Helm does not create it: it must exist before the release.
 */
export const nodeExporterNamespace = (config: PodSecurityInput) =>
  securedNamespace(podSecurity(config).nodeExporter);

/**
 * The Secret holding the alert channels' credentials; Alertmanager reads each through a `*_file`
 * setting, so no credential is in its configuration or the chart's values.
 */
export function channelSecret(config: MetricsInput & Parameters<typeof channelSecretKeys>[0]) {
  return {
    metadata: { name: CHANNEL_SECRET_NAME, namespace: ref("namespace"), labels: managedLabels() },
    type: "Opaque",
    stringData: {
      ...Object.fromEntries(channelSecretKeys(config).map((k) => [k, secretRef(k)])),
      // Filled from each team's managed PagerDuty integration (its key output).
      ...Object.fromEntries(channelSecretTeamKeys(config).map((k) => [k.file, integrationKeyRef(k.team)])),
    },
  };
}

/**
 * The chart release, with its CRDs: the rules and monitors need them. Helm installs the chart's
 * `crds/` on the first install only; later versions' CRDs come from the chart's upgrade Job, a
 * pre-upgrade hook (kpsValues), so the release must run hooks (Helm's default, kept here).
 */
export function kpsRelease(
  config: Parameters<typeof alertmanagerConfig>[0] & ClusterInput & Pick<StackConfig, "logging" | "grafana">,
) {
  return {
    name: KPS_FULLNAME,
    chart: KPS_CHART.chart,
    version: resolveMetrics(config).chartVersion,
    repositoryOpts: { repo: KPS_CHART.repo },
    namespace: ref("namespace"),
    values: kpsValues(config, alertmanagerConfig(config)),
    skipCrds: false,
  };
}

/** A claim of the stack's one StorageClass (EKS 1.30+ has no default class to fall back on). */
const pvc = (size: string, storageClassName: string) => ({
  volumeClaimTemplate: {
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, storageClassName },
  },
});

/**
 * kube-prometheus-stack values, built in code. Secrets never appear here: the Alertmanager
 * configuration references files of the channel Secret, which the chart mounts by name.
 */
export function kpsValues(
  config: Pick<StackConfig, "metrics" | "environment" | "logging" | "grafana" | "services"> & ClusterInput,
  alertmanager: AlertmanagerConfig,
): Record<string, unknown> {
  const r = resolveMetrics(config);
  const m = config.metrics;
  const ha = (replicas: number) => ({ enabled: replicas > 1, minAvailable: 1 });
  return {
    fullnameOverride: KPS_FULLNAME,
    crds: {
      // `helm upgrade` never touches CRDs, so a new chart's operator would run against the old
      // schemas. This Job (a pre-install/pre-upgrade hook) server-side applies the CRDs of the chart
      // version being installed before anything else of it; kubectl runs at the cluster's version.
      upgradeJob: {
        enabled: m.crdUpgradeJob,
        // Take the fields over from Helm, which installed them (the chart's default since 88.x;
        // stated because without it the Job cannot change a CRD Helm created).
        forceConflicts: true,
        image: {
          busybox: {
            registry: CRD_UPGRADE_BUSYBOX.registry,
            repository: CRD_UPGRADE_BUSYBOX.repository,
            tag: CRD_UPGRADE_BUSYBOX.tag,
          },
        },
      },
    },
    // Grafana is deployed by its own component, with its own config and secrets.
    grafana: { enabled: false },
    // node-exporter needs the host (hostNetwork, hostPID, hostPath): it runs in its own namespace,
    // which allows that, so that the metrics namespace enforces the restricted standard. The chart
    // moves its DaemonSet, ServiceAccount, Service and ServiceMonitor there; Prometheus finds the
    // monitor in any namespace (serviceMonitorNamespaceSelector).
    "prometheus-node-exporter": { namespaceOverride: r.nodeExporterNamespace },
    // The chart's rules for Kubernetes and the monitoring stack, with our team, component and
    // runbook per group (infra/generators/platform/chart-rules.ts says which and why).
    defaultRules: defaultRulesValues(config),
    // The control plane EKS manages: nothing there to scrape (reasons in MANAGED_CONTROL_PLANE).
    ...Object.fromEntries(Object.keys(MANAGED_CONTROL_PLANE).map((k) => [k, { enabled: false }])),
    prometheus: {
      // The Thanos sidecar's role, Service and scrape (infra/generators/thanos/sidecar.ts).
      ...sidecarPrometheusValues(),
      podDisruptionBudget: ha(r.prometheusReplicas),
      // Prometheus scrapes itself (the chart's default, stated): RuleEvaluationFailures reads its counter.
      serviceMonitor: { selfMonitor: true },
      prometheusSpec: {
        replicas: r.prometheusReplicas,
        retention: r.retention,
        scrapeInterval: m.prometheus.scrapeInterval,
        evaluationInterval: m.prometheus.evaluationInterval,
        externalLabels: externalLabels(config),
        ...REPLICA_LABEL_VALUES,
        // The Thanos sidecar, shipping every block to the metrics bucket; compaction mode in sidecar.ts.
        thanos: sidecarSpec(),
        // The chart's alerts get their priority here, by name and severity: the chart has no
        // per-alert label (chart-values.ts). Alerts that bring a priority pass unchanged.
        additionalAlertRelabelConfigs: alertRelabelling(config),
        // Without these the chart selects only objects labelled with its release name: ours would be ignored.
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        ruleSelector: {},
        ruleNamespaceSelector: {},
        serviceMonitorSelector: {},
        serviceMonitorNamespaceSelector: {},
        // The platform's PodMonitors (exporter sidecars, the ECK operator) and Probe (Kibana).
        podMonitorSelector: {},
        podMonitorNamespaceSelector: {},
        probeSelector: {},
        probeNamespaceSelector: {},
        // Our ServiceMonitors live in this namespace and select their Service's namespace by
        // namespaceSelector (serviceMonitor below); ignoring selectors would find nothing.
        ignoreNamespaceSelectors: false,
        // Off (the chart's default, stated): set to `namespace`, the operator would label every
        // target with its ServiceMonitor's namespace (this one, not the Service's) and add that
        // namespace to every selector and record of our rules, so no service would match its
        // configured namespace again.
        enforcedNamespaceLabel: "",
        podAntiAffinity: r.prometheusReplicas > 1 ? "hard" : "",
        resources: { requests: { cpu: m.prometheus.requests.cpu, memory: m.prometheus.requests.memory } },
        storageSpec: pvc(m.prometheus.storageSize, config.kubernetes.storageClassName),
      },
    },
    alertmanager: {
      podDisruptionBudget: ha(r.alertmanagerReplicas),
      config: alertmanager,
      alertmanagerSpec: {
        replicas: r.alertmanagerReplicas,
        // Mounted at /etc/alertmanager/secrets/<name>/<key>, where the *_file settings point.
        secrets: [CHANNEL_SECRET_NAME],
        podAntiAffinity: r.alertmanagerReplicas > 1 ? "hard" : "",
        resources: { requests: { cpu: m.alertmanager.requests.cpu, memory: m.alertmanager.requests.memory } },
        storage: pvc(m.alertmanager.storageSize, config.kubernetes.storageClassName),
      },
    },
  };
}

/**
 * One ServiceMonitor per service: its Service is found by `app.kubernetes.io/name` in the
 * service's namespace. The monitor itself lives in the metrics namespace, which the stack creates:
 * the service's namespace may not exist yet on a fresh cluster (the API server would refuse an
 * object there), and Prometheus selects monitors in every namespace.
 */
export function serviceMonitor(svc: ServiceConfig, config: MetricsInput) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: {
      name: svc.name,
      namespace: resolveMetrics(config).namespace,
      labels: { ...PART_OF, "app.kubernetes.io/name": svc.name },
    },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": svc.name } },
      namespaceSelector: { matchNames: [svc.namespace] },
      endpoints: [
        {
          port: svc.metricsPort,
          path: svc.metricsPath,
          interval: config.metrics.prometheus.scrapeInterval,
          // The contract puts the service name in `job`, whatever the Kubernetes Service is called.
          relabelings: [{ action: "replace", targetLabel: "job", replacement: svc.name }],
        },
      ],
    },
  };
}

/**
 * Bytes of one PrometheusRule's spec: half the 256 KiB that `kubectl apply`'s last-applied
 * annotation can hold (and far from etcd's 1 MiB), so that no fleet size hits either limit.
 */
export const RULE_OBJECT_BUDGET = 128 * 1024;

/** What a group is about: each concern gets its own objects, so a change touches few of them. */
const concernOf = (group: string): "data" | "recording" | "alerts" =>
  group.endsWith(".alerts") ? "alerts" : /\.data(\.\d+)?$/.test(group) ? "data" : "recording";

const specBytes = (groups: RuleGroup[]): number => Buffer.byteLength(JSON.stringify({ groups }), "utf8");

/**
 * The rule groups as PrometheusRule objects: one per concern (data, recording, alerts), split
 * further in group order wherever a concern exceeds RULE_OBJECT_BUDGET. A group is never split
 * (Prometheus evaluates it in order); one larger than the budget is an error.
 */
export function prometheusRules(config: MetricsInput, rules: RuleFile = ruleFile(config)) {
  const chunks: { concern: string; groups: RuleGroup[] }[] = [];
  for (const concern of ["data", "recording", "alerts"] as const) {
    let current: RuleGroup[] = [];
    const flush = () => {
      if (current.length > 0) chunks.push({ concern, groups: current });
      current = [];
    };
    for (const g of rules.groups.filter((x) => concernOf(x.name) === concern)) {
      if (specBytes([g]) > RULE_OBJECT_BUDGET)
        throw new Error(
          `rule group ${g.name} has ${specBytes([g])} bytes, over the ${RULE_OBJECT_BUDGET}-byte budget of one PrometheusRule`,
        );
      if (specBytes([...current, g]) > RULE_OBJECT_BUDGET) flush();
      current.push(g);
    }
    flush();
  }
  const counts = new Map<string, number>();
  return chunks.map(({ concern, groups }) => {
    const n = (counts.get(concern) ?? 0) + 1;
    counts.set(concern, n);
    return {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: {
        name: `observability-rules-${concern}${n > 1 ? `-${n}` : ""}`,
        namespace: resolveMetrics(config).namespace,
        labels: { ...PART_OF },
      },
      spec: { groups },
    };
  });
}
