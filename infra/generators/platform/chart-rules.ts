import type { Priority } from "../../catalog/alert-levels";

/**
 * kube-prometheus-stack's default rules, as we run them: which of the chart's rule groups are on,
 * which component each watches, and for every alert the chart ships (at the pinned version) our
 * priority and why. tests/platform/chart-rules.test.ts renders the chart's own rule templates
 * (tests/data/charts/kube-prometheus-stack/<version>/templates/) and fails when this table misses
 * an alert of the chart or names one it does not ship.
 *
 * Principles: P1 (phone) only where the platform is losing data or cannot alert; P2 (email) where
 * it will within hours or a part of it is blind; P3 (Slack) for everything a working day can wait
 * for, which is most of the chart's `warning`s. An alert the chart ships twice (a `warning` and a
 * `critical` threshold) has a row per severity.
 */

/** The `severity` label the chart gives an alert (`customRules.<Alert>.severity` could change it; we do not). */
export const CHART_SEVERITIES = ["critical", "warning", "info", "none"] as const;
export type ChartSeverity = (typeof CHART_SEVERITIES)[number];

/** Our priority, or `off`: the alert is turned off (`defaultRules.disabled.<Alert>`), with the reason. */
export type ChartPriority = Priority | "off";

export interface ChartRow {
  priority: ChartPriority;
  reason: string;
}

/** One switch of `defaultRules.rules.<key>` (several of the chart's rule groups may share one). */
export interface ChartGroup {
  /** Why it is on or off on EKS. */
  why: string;
  on: boolean;
  /**
   * The `component` label its alerts get (`additionalRuleGroupLabels.<key>`) and the runbook they
   * link to (`additionalRuleGroupAnnotations.<key>.runbook_url`); recording-only groups have none.
   */
  component?: string;
  runbook?: string;
  /** The folder of its alerts' upstream runbooks: `<UPSTREAM_RUNBOOKS>/<upstream>/<alert, lowercase>`. */
  upstream?: string;
  /** Alert name → severity → our row. */
  alerts: Record<string, Partial<Record<ChartSeverity, ChartRow>>>;
}

/**
 * The chart's default `defaultRules.runbookUrl`: upstream's runbook of each alert, which our
 * runbooks and docs/alerts.md link beside our own (the alerts' `runbook_url` is ours).
 */
export const UPSTREAM_RUNBOOKS = "https://runbooks.prometheus-operator.dev/runbooks";

const row = (priority: ChartPriority, reason: string): ChartRow => ({ priority, reason });
const p1 = (reason: string) => row("P1", reason);
const p2 = (reason: string) => row("P2", reason);
const p3 = (reason: string) => row("P3", reason);
const off = (reason: string) => row("off", reason);

/** Recording rules only: on where an enabled alert reads them. */
const recording = (on: boolean, why: string): ChartGroup => ({ on, why, alerts: {} });

/** Every alert of a group that is off, with the group's reason. */
const allOff = (reason: string, alerts: Record<string, ChartSeverity[]>) =>
  Object.fromEntries(
    Object.entries(alerts).map(([a, sev]) => [a, Object.fromEntries(sev.map((s) => [s, off(reason)]))]),
  );

const DASHBOARDS_ONLY =
  "records for the chart's own Grafana dashboards, which this stack does not deploy; no enabled alert reads them";

const MANAGED =
  "EKS runs it inside the managed control plane, with no pod in kube-system for the chart's monitor to find, and keeps it running itself (EKS 1.28+ serves some of its metrics through its own metrics.eks.amazonaws.com endpoint, which the chart's monitors do not read)";

/**
 * `defaultRules.rules.<key>` → our settings, for every key the chart's rule templates read at the
 * pinned version. The chart reads four keys its values.yaml does not list (k8sContainerCpuLimits,
 * k8sContainerCpuRequests, k8sContainerMemoryLimits, k8sContainerMemoryRequests): unset, they are off.
 */
export const CHART_GROUPS = {
  prometheus: {
    on: true,
    why: "Prometheus is the platform's alerting engine: its failures silence every alert",
    component: "prometheus",
    runbook: "prometheus",
    upstream: "prometheus",
    alerts: {
      PrometheusBadConfig: {
        critical: p2("the last good configuration keeps running; a change of ours is not applied"),
      },
      PrometheusSDRefreshFailure: { warning: p3("targets keep their last discovered state") },
      PrometheusKubernetesListWatchFailures: {
        warning: p3("discovery lags behind the cluster; scrapes of known targets go on"),
      },
      PrometheusNotificationQueueRunningFull: {
        warning: p2("alerts will be dropped within 30 minutes if the queue fills"),
      },
      PrometheusErrorSendingAlertsToSomeAlertmanagers: {
        warning: p3("the other members of the Alertmanager cluster still receive every alert"),
      },
      PrometheusNotConnectedToAlertmanagers: {
        warning: p1("the platform cannot alert: no Alertmanager receives this Prometheus's alerts"),
      },
      PrometheusTSDBReloadsFailing: {
        warning: p2("blocks on disk are not loaded: queries miss data and disk use grows"),
      },
      PrometheusTSDBCompactionsFailing: {
        warning: p2("uncompacted blocks pile up: memory and disk grow until Prometheus falls over"),
      },
      PrometheusNotIngestingSamples: { warning: p1("the platform is losing data: nothing is stored") },
      PrometheusDuplicateTimestamps: {
        warning: p3("one target exposes bad samples, which are dropped; the rest is stored"),
      },
      PrometheusOutOfOrderTimestamps: {
        warning: p3("one target exposes bad samples, which are dropped; the rest is stored"),
      },
      PrometheusRemoteStorageFailures: { critical: off("the stack configures no remote write") },
      PrometheusRemoteWriteBehind: { critical: off("the stack configures no remote write") },
      PrometheusRemoteWriteDesiredShards: { warning: off("the stack configures no remote write") },
      PrometheusRuleFailures: {
        critical: off(
          "ours is RuleEvaluationFailures (infra/generators/metrics/alerts.ts), which reads only this stack's rule files: the chart's counts every team's PrometheusRule, and another team's broken group would page us",
        ),
      },
      PrometheusMissingRuleEvaluations: {
        warning: p2("skipped evaluations make alerts late; a sign that rule groups outgrow the interval"),
      },
      PrometheusTargetLimitHit: { warning: p2("dropped targets are not scraped: their data is lost") },
      PrometheusLabelLimitHit: { warning: p2("dropped targets are not scraped: their data is lost") },
      PrometheusScrapeBodySizeLimitHit: {
        warning: p2("those targets' scrapes fail: their data is lost"),
      },
      PrometheusScrapeSampleLimitHit: { warning: p2("those targets' scrapes fail: their data is lost") },
      PrometheusTargetSyncFailure: {
        critical: p2("targets of that scrape configuration are not updated; the rest are"),
      },
      PrometheusHighQueryLoad: {
        warning: p3("dashboards and ad-hoc queries slow down; rule evaluation has its own budget"),
      },
      PrometheusErrorSendingAlertsToAnyAlertmanager: {
        critical: p1("the platform cannot alert: alerts are lost on the way to Alertmanager"),
      },
    },
  },
  prometheusOperator: {
    on: true,
    why: "the operator turns our PrometheusRules and ServiceMonitors into Prometheus's configuration",
    component: "prometheus-operator",
    runbook: "prometheus",
    upstream: "prometheus-operator",
    alerts: {
      PrometheusOperatorListErrors: {
        warning: p3("the running Prometheus and Alertmanager keep their configuration"),
      },
      PrometheusOperatorWatchErrors: {
        warning: p3("the running Prometheus and Alertmanager keep their configuration"),
      },
      PrometheusOperatorSyncFailed: {
        warning: p3("the running Prometheus and Alertmanager keep their configuration"),
      },
      PrometheusOperatorReconcileErrors: {
        warning: p3("the running Prometheus and Alertmanager keep their configuration"),
      },
      PrometheusOperatorStatusUpdateErrors: { warning: p3("only the objects' status is stale") },
      PrometheusOperatorNodeLookupErrors: {
        warning: p3("only the kubelet endpoints it maintains are stale"),
      },
      PrometheusOperatorNotReady: {
        warning: p3("changes wait for it; the running Prometheus and Alertmanager keep working"),
      },
      PrometheusOperatorRejectedResources: {
        warning: p2("a rejected PrometheusRule or monitor means alerts or scrapes are silently missing"),
      },
    },
  },
  alertmanager: {
    on: true,
    why: "Alertmanager delivers every alert: its failures silence them",
    component: "alertmanager",
    runbook: "alertmanager",
    upstream: "alertmanager",
    alerts: {
      AlertmanagerFailedReload: { critical: p2("the last good configuration keeps delivering") },
      AlertmanagerMembersInconsistent: {
        critical: p2("members deliver alone: duplicate notifications, silences not shared"),
      },
      AlertmanagerFailedToSendAlerts: {
        warning: p2("one member fails to deliver to an integration; the cluster may still get through"),
      },
      AlertmanagerClusterFailedToSendAlerts: {
        critical: p1(
          "the platform cannot alert on that channel: no member delivers to it (the chart counts every integration as critical)",
        ),
        warning: p2(
          'cannot fire at this chart version (it selects `integration!~".*"`); `disabled` would turn off the critical one too',
        ),
      },
      AlertmanagerConfigInconsistent: { critical: p2("members route differently until they agree") },
      AlertmanagerClusterDown: {
        critical: p1("the platform cannot alert reliably: half the members are down"),
      },
      AlertmanagerClusterCrashlooping: {
        critical: p1("the platform cannot alert reliably: half the members restart in a loop"),
      },
      AlertmanagerClusterFailedPeers: { warning: p3("gossip with a peer fails; delivery goes on") },
    },
  },
  configReloaders: {
    on: true,
    why: "the sidecars apply new rules and configuration to Prometheus and Alertmanager",
    component: "config-reloaders",
    runbook: "prometheus",
    upstream: "prometheus-operator",
    alerts: {
      ConfigReloaderSidecarErrors: {
        warning: p3("the last good configuration keeps running; a new one waits"),
      },
    },
  },
  general: {
    on: true,
    why: "TargetDown covers every scrape target, also those no other alert knows",
    component: "scrape-targets",
    runbook: "prometheus",
    upstream: "general",
    alerts: {
      TargetDown: {
        warning: p3("a target's own alerts (ServiceDown, KubeletDown, ...) page when it matters"),
      },
      Watchdog: {
        none: off(
          "ours (infra/generators/metrics/alerts.ts) is the one heartbeat routed to the dead man's switch and tested end to end; a second would only duplicate it",
        ),
      },
      InfoInhibitor: {
        none: off(
          "it inhibits by `severity`, which we do not route on: each `info` alert has its own priority here, or is off",
        ),
      },
    },
  },
  kubeStateMetrics: {
    on: true,
    why: "kube-state-metrics feeds every Kubernetes object alert",
    component: "kube-state-metrics",
    runbook: "kubernetes",
    upstream: "kube-state-metrics",
    alerts: {
      KubeStateMetricsListErrors: { critical: p2("Kubernetes object alerts read stale or missing data") },
      KubeStateMetricsWatchErrors: { critical: p2("Kubernetes object alerts read stale or missing data") },
      KubeStateMetricsShardingMismatch: {
        critical: p2("part of the objects is not exported: their alerts are blind"),
      },
      KubeStateMetricsShardsMissing: {
        critical: p2("part of the objects is not exported: their alerts are blind"),
      },
    },
  },
  kubernetesSystem: {
    on: true,
    why: "kubelets and the clients of the API server are ours; the API server's own alerts that EKS makes meaningless are off one by one",
    component: "kubernetes",
    runbook: "kubernetes",
    upstream: "kubernetes",
    alerts: {
      KubeClientCertificateExpiration: {
        warning: off("EKS signs and rotates the certificates its API server sees; nothing for us to renew"),
        critical: off("EKS signs and rotates the certificates its API server sees; nothing for us to renew"),
      },
      KubeAggregatedAPIErrors: { warning: p3("an extension API (metrics-server) answers with errors") },
      KubeAggregatedAPIDown: {
        warning: p2("with metrics-server's API down, HorizontalPodAutoscalers stop scaling"),
      },
      KubeAPIDown: {
        critical: p2(
          "the managed API server is AWS's to restore (open a support case); running pods keep serving, nothing deploys or scales",
        ),
      },
      KubeAPIInstanceUnreachable: {
        warning: off(
          "EKS replaces its own API server instances behind its load balancer; KubeAPIDown covers losing them all",
        ),
      },
      KubeAPITerminatedRequests: { warning: p3("API priority and fairness sheds load our clients cause") },
      KubeNodeNotReady: { warning: p3("the node group replaces the node; its pods are rescheduled") },
      KubeNodePressure: { info: p3("the kubelet evicts pods to relieve memory, disk or PID pressure") },
      KubeNodeUnreachable: { warning: p3("the node group replaces the node; its pods are rescheduled") },
      KubeletTooManyPods: { info: p3("new pods cannot be placed on that node: capacity planning") },
      KubeNodeReadinessFlapping: { warning: p3("pods on the node churn; worth replacing it the same day") },
      KubeNodeEviction: {
        info: off("fires on every eviction for no time at all; KubeNodePressure says why nodes evict"),
      },
      KubeletPlegDurationHigh: { warning: p3("pod status on that node lags behind") },
      KubeletPodStartUpLatencyHigh: { warning: p3("new pods start slowly; running ones are unaffected") },
      KubeletClientCertificateExpiration: {
        warning: p3("a week left; kubelets rotate their certificates themselves"),
        critical: p2("a day left: the node drops out of the cluster when it expires"),
      },
      KubeletServerCertificateExpiration: {
        warning: p3("a week left; kubelets rotate their certificates themselves"),
        critical: p2("a day left: Prometheus and kubectl cannot reach the kubelet when it expires"),
      },
      KubeletClientCertificateRenewalErrors: {
        warning: p3("rotation fails while the certificate is still valid"),
      },
      KubeletServerCertificateRenewalErrors: {
        warning: p3("rotation fails while the certificate is still valid"),
      },
      KubeletInstanceUnreachable: {
        warning: p3("one node's kubelet is not scraped; KubeletDown covers all"),
      },
      KubeletDown: {
        critical: p2(
          "no kubelet is scraped: volume and node alerts, the P1 volume alerts among them, are blind",
        ),
      },
      KubeVersionMismatch: {
        warning: p3("expected during an EKS upgrade: a reminder to finish the node groups"),
      },
      KubeClientErrors: {
        warning: p3("a client of the API server fails; its own alerts say what it breaks"),
      },
    },
  },
  kubernetesStorage: {
    on: true,
    why: "Prometheus, Alertmanager, Elasticsearch and Grafana keep their data on persistent volumes",
    component: "volumes",
    runbook: "persistent-volumes",
    upstream: "kubernetes",
    alerts: {
      KubePersistentVolumeFillingUp: {
        critical: p1(
          "under 3% free: the volume's writer (Prometheus, Elasticsearch, ...) is about to lose data",
        ),
        warning: p3("predicted full within 4 days: time to grow the volume or shorten retention"),
      },
      KubePersistentVolumeInodesFillingUp: {
        critical: p1("under 3% of inodes free: writes are about to fail and data is lost"),
        warning: p3("predicted out of inodes within 4 days"),
      },
      KubePersistentVolumeErrors: {
        critical: p2("a Failed or Pending volume keeps a replica from starting; the others still serve"),
      },
    },
  },
  kubernetesApps: {
    on: true,
    why: "workloads in every namespace, ours (monitoring, logging) and the applications'",
    component: "workloads",
    runbook: "kubernetes",
    upstream: "kubernetes",
    alerts: {
      KubePodCrashLooping: {
        warning: p3("one pod's fault; ServiceDown and the platform's own alerts page when it matters"),
      },
      KubePodNotReady: {
        warning: p3("one pod's fault; ServiceDown and the platform's own alerts page when it matters"),
      },
      KubeDeploymentGenerationMismatch: { warning: p3("a rollout was rolled back; the old version serves") },
      KubeDeploymentReplicasMismatch: { warning: p3("fewer replicas than wanted; the rest serve") },
      KubeDeploymentRolloutStuck: {
        warning: p3("the new version does not come up; the old one keeps serving"),
      },
      KubeStatefulSetReplicasMismatch: { warning: p3("fewer replicas than wanted; the rest serve") },
      KubeStatefulSetGenerationMismatch: { warning: p3("a rollout was rolled back; the old version serves") },
      KubeStatefulSetUpdateNotRolledOut: {
        warning: p3("the new version does not come up; the old one keeps serving"),
      },
      KubeDaemonSetRolloutStuck: { warning: p3("the old version keeps running on some nodes") },
      KubeContainerWaiting: {
        warning: p3("a container cannot start (image, config); running ones are unaffected"),
      },
      KubeDaemonSetNotScheduled: { warning: p3("some nodes lack the agent (Filebeat, node-exporter)") },
      KubeDaemonSetMisScheduled: { warning: p3("an agent runs where it should not") },
      KubeJobNotCompleted: { warning: p3("a Job runs longer than 12 hours") },
      KubeJobFailed: { warning: p3("a Job failed; its owner's alerts say what is missing") },
      KubeHpaReplicasMismatch: { warning: p3("the autoscaler cannot reach its target; capacity planning") },
      KubeHpaMaxedOut: {
        warning: p3("the autoscaler is at its maximum; latency alerts page if users feel it"),
      },
      KubePdbNotEnoughHealthyPods: { warning: p3("node drains and upgrades block until pods recover") },
    },
  },
  kubernetesResources: {
    on: true,
    why: "requests, limits and quotas: capacity planning for the cluster",
    component: "capacity",
    runbook: "kubernetes",
    upstream: "kubernetes",
    alerts: {
      KubeCPUOvercommit: { warning: p3("the cluster cannot take the loss of a node without pending pods") },
      KubeMemoryOvercommit: {
        warning: p3("the cluster cannot take the loss of a node without pending pods"),
      },
      KubeCPUQuotaOvercommit: { warning: p3("quotas promise more than the cluster has") },
      KubeMemoryQuotaOvercommit: { warning: p3("quotas promise more than the cluster has") },
      KubeQuotaAlmostFull: { info: off("KubeQuotaFullyUsed and KubeQuotaExceeded say it when it matters") },
      KubeQuotaFullyUsed: { info: p3("new pods in that namespace are refused") },
      KubeQuotaExceeded: { warning: p3("new pods in that namespace are refused") },
      CPUThrottlingHigh: {
        info: off(
          "ours is CPUThrottled (infra/generators/metrics/alerts.ts): per configured service, its own containers only, with the service's team; latency SLO alerts page when users feel it",
        ),
      },
    },
  },
  nodeExporterAlerting: {
    on: true,
    why: "the nodes' disks, memory, network and clocks, from node-exporter",
    component: "nodes",
    runbook: "nodes",
    upstream: "node",
    alerts: {
      NodeFilesystemSpaceFillingUp: {
        warning: p3("predicted full within 24 hours: a day to clean up or grow the node's disk"),
        critical: p2("predicted full within 4 hours: the kubelet starts evicting pods"),
      },
      NodeFilesystemAlmostOutOfSpace: {
        warning: p3("under 5% free: a working day to clean up or grow the node's disk"),
        critical: p2("under 3% free: the kubelet starts evicting pods"),
      },
      NodeFilesystemFilesFillingUp: {
        warning: p3("predicted out of inodes within 24 hours: a day to find what creates the files"),
        critical: p2("predicted out of inodes within 4 hours"),
      },
      NodeFilesystemAlmostOutOfFiles: {
        warning: p3("under 5% of inodes free: a working day to find what creates the files"),
        critical: p2("under 3% of inodes free: writes on the node fail soon"),
      },
      NodeNetworkReceiveErrs: { warning: p3("one node's network misbehaves; the node group can replace it") },
      NodeNetworkTransmitErrs: {
        warning: p3("one node's network misbehaves; the node group can replace it"),
      },
      NodeHighNumberConntrackEntriesUsed: {
        warning: p3("new connections on that node will fail at the limit"),
      },
      NodeTextFileCollectorScrapeError: {
        warning: p3("a node-exporter collector fails; its metrics are missing"),
      },
      NodeClockSkewDetected: { warning: p3("timestamps of that node's logs and metrics drift") },
      NodeClockNotSynchronising: { warning: p3("timestamps of that node's logs and metrics will drift") },
      NodeRAIDDegraded: { critical: off("EC2 nodes use EBS volumes, not software RAID") },
      NodeRAIDDiskFailure: { warning: off("EC2 nodes use EBS volumes, not software RAID") },
      NodeFileDescriptorLimit: {
        warning: p3("file descriptors above 70% of the kernel's limit"),
        critical: p2("file descriptors above 90% of the kernel's limit: processes fail to open files"),
      },
      NodeCPUHighUsage: {
        info: off("a busy node is no fault; KubeCPUOvercommit and latency alerts cover the effects"),
      },
      NodeSystemSaturation: { warning: p3("a saturated node slows its pods; capacity planning") },
      NodeMemoryMajorPagesFaults: { warning: p3("a node is short of memory; capacity planning") },
      NodeMemoryHighUtilization: {
        warning: p3("a node is short of memory; the kubelet evicts before it runs out"),
      },
      NodeDiskIOSaturation: { warning: p3("a node's disk is saturated; its pods slow down") },
      NodeSystemdServiceFailed: { warning: p3("a system service on the node failed") },
      NodeSystemdServiceCrashlooping: { warning: p3("a system service on the node restarts in a loop") },
      NodeBondingDegraded: { warning: off("EC2 network interfaces are not bonded") },
    },
  },
  network: {
    on: true,
    why: "the nodes' network interfaces",
    component: "nodes",
    runbook: "nodes",
    upstream: "general",
    alerts: {
      NodeNetworkInterfaceFlapping: {
        warning: p3("one node's network misbehaves; the node group can replace it"),
      },
    },
  },
  etcd: {
    on: false,
    why: MANAGED,
    alerts: allOff(MANAGED, {
      etcdMembersDown: ["warning"],
      etcdInsufficientMembers: ["critical"],
      etcdNoLeader: ["critical"],
      etcdHighNumberOfLeaderChanges: ["warning"],
      etcdHighNumberOfFailedGRPCRequests: ["warning", "critical"],
      etcdGRPCRequestsSlow: ["critical"],
      etcdMemberCommunicationSlow: ["warning"],
      etcdHighNumberOfFailedProposals: ["warning"],
      etcdHighFsyncDurations: ["warning", "critical"],
      etcdHighCommitDurations: ["warning"],
      etcdDatabaseQuotaLowSpace: ["critical"],
      etcdExcessiveDatabaseGrowth: ["warning"],
      etcdDatabaseHighFragmentationRatio: ["warning"],
    }),
  },
  kubeControllerManager: {
    on: false,
    why: `${MANAGED}; KubeControllerManagerDown would fire forever`,
    alerts: allOff(MANAGED, {
      KubeControllerManagerDown: ["critical"],
      KubeControllerManagerInstanceUnreachable: ["warning"],
    }),
  },
  kubeSchedulerAlerting: {
    on: false,
    why: `${MANAGED}; KubeSchedulerDown would fire forever`,
    alerts: allOff(MANAGED, {
      KubeSchedulerDown: ["critical"],
      KubeSchedulerInstanceUnreachable: ["warning"],
    }),
  },
  kubeProxy: {
    on: false,
    why: "EKS's kube-proxy add-on serves its metrics on 127.0.0.1 only (and resets a changed metricsBindAddress), so KubeProxyDown would fire forever",
    alerts: allOff("EKS's kube-proxy cannot be scraped", {
      KubeProxyDown: ["critical"],
      KubeProxyInstanceUnreachable: ["warning"],
    }),
  },
  kubeApiserverSlos: {
    on: false,
    why: "the API server's availability is AWS's SLA, not ours to burn or fix; its burn-rate records scan the API server's largest histograms",
    alerts: allOff("the managed API server's error budget is AWS's", {
      KubeAPIErrorBudgetBurn: ["critical", "warning"],
    }),
  },
  kubeApiserverAvailability: recording(false, "records only for KubeAPIErrorBudgetBurn, which is off"),
  kubeApiserverBurnrate: recording(false, "records only for KubeAPIErrorBudgetBurn, which is off"),
  kubeApiserverHistogram: recording(false, "records API server latency quantiles nothing of ours reads"),
  kubeSchedulerRecording: recording(false, `${MANAGED}: nothing to record`),
  windows: recording(false, "the cluster's nodes are Linux; the chart's Windows exporter is off"),
  k8sContainerCpuUsageSecondsTotal: recording(false, DASHBOARDS_ONLY),
  k8sContainerMemoryCache: recording(false, DASHBOARDS_ONLY),
  k8sContainerMemoryRss: recording(false, DASHBOARDS_ONLY),
  k8sContainerMemorySwap: recording(false, DASHBOARDS_ONLY),
  k8sContainerMemoryWorkingSetBytes: recording(false, DASHBOARDS_ONLY),
  k8sPodOwner: recording(false, DASHBOARDS_ONLY),
  kubePrometheusGeneral: recording(false, DASHBOARDS_ONLY),
  kubePrometheusNodeRecording: recording(false, DASHBOARDS_ONLY),
  node: recording(false, DASHBOARDS_ONLY),
  nodeExporterRecording: recording(false, DASHBOARDS_ONLY),
  k8sContainerResource: recording(
    true,
    "requests and limits per namespace, which KubeCPUOvercommit and KubeMemoryOvercommit read",
  ),
  kubelet: recording(true, "the kubelet's PLEG quantiles, which KubeletPlegDurationHigh reads"),
} as const satisfies Record<string, ChartGroup>;

export type ChartGroupKey = keyof typeof CHART_GROUPS;

/**
 * The priority of an alert the table does not know (a chart upgrade adds it) by its severity: a
 * new `critical` is worth an email until it is reviewed, never a page; the rest waits a day.
 */
export const SEVERITY_FALLBACK: Readonly<Record<Exclude<ChartSeverity, "none">, ChartRow>> = {
  critical: p2("a critical alert of the chart that this table does not list yet: email until it is reviewed"),
  warning: p3("a warning of the chart that this table does not list yet"),
  info: p3("an info alert of the chart that this table does not list yet"),
};

/**
 * The scrape components of the chart that a managed control plane makes meaningless, turned off
 * (`<key>.enabled: false`) so that no Service or ServiceMonitor looks for them: the same reasons
 * as their rule groups.
 */
export const MANAGED_CONTROL_PLANE = {
  kubeEtcd: CHART_GROUPS.etcd.why,
  kubeControllerManager: CHART_GROUPS.kubeControllerManager.why,
  kubeScheduler: CHART_GROUPS.kubeSchedulerAlerting.why,
  kubeProxy: CHART_GROUPS.kubeProxy.why,
} as const;
