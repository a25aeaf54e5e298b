/**
 * Every version the stack deploys, pinned in one place. Each pin carries a `renovate:` comment that
 * names its source, so Renovate (renovate.json) finds it and proposes each upgrade as a pull request
 * whose golden-render diff shows what changes; docs/upgrading.md says how to take one.
 *
 * `deploys` states what a chart version runs by default: the versions our rules, routing and
 * dashboards are written and tested for. tests/versions/charts.test.ts checks each statement against
 * the chart's own values.yaml and Chart.yaml (tests/data/charts/), and the tools the tests run are
 * checked against it (TEST_TOOLS below, scripts/lib/tools.ts).
 */

/** kube-prometheus-stack: the Prometheus operator, Prometheus and Alertmanager. */
export const KUBE_PROMETHEUS_STACK = {
  chart: "kube-prometheus-stack",
  repo: "https://prometheus-community.github.io/helm-charts",
  // renovate: datasource=helm depName=kube-prometheus-stack registryUrl=https://prometheus-community.github.io/helm-charts
  version: "88.5.3",
  deploys: { prometheusOperator: "0.93.1", prometheus: "3.14.0", alertmanager: "0.34.0" },
} as const;

/** Grafana's chart, maintained in grafana-community/helm-charts since 2026 (grafana/helm-charts is archived). */
export const GRAFANA_CHART = {
  chart: "grafana",
  repo: "https://grafana-community.github.io/helm-charts",
  // renovate: datasource=helm depName=grafana registryUrl=https://grafana-community.github.io/helm-charts
  version: "12.11.1",
  deploys: { grafana: "13.2.0" },
} as const;

/**
 * Grafana's PostgreSQL on Amazon RDS (production): the engine's major version. RDS applies minor
 * versions itself in the maintenance window (autoMinorVersionUpgrade), so only a major is pinned;
 * Renovate's aws-rds datasource lists the engine's versions (packageName is its filter) and the
 * grafana group reduces them to majors (renovate.json). 15 or later: RDS requires TLS
 * (rds.force_ssl) by default from PostgreSQL 15 on.
 */
export const GRAFANA_DATABASE = {
  engine: "postgres",
  // renovate: datasource=aws-rds depName=postgres packageName=[{"Name":"engine","Values":["postgres"]}]
  version: "17",
} as const;

/** Elastic Cloud on Kubernetes: the operator chart, with its CRDs. */
export const ECK_OPERATOR = {
  chart: "eck-operator",
  repo: "https://helm.elastic.co",
  // renovate: datasource=helm depName=eck-operator registryUrl=https://helm.elastic.co
  version: "3.5.0",
} as const;

/** Elasticsearch, Kibana, Logstash and Filebeat run this one version (ECK pulls the images). */
export const ELASTIC_STACK = {
  // renovate: datasource=docker depName=docker.elastic.co/elasticsearch/elasticsearch
  version: "9.5.1",
} as const;

/** The settings Job's image: Node.js runs infra/components/logging-applier.mjs as it is. */
export const APPLIER_IMAGE = {
  repository: "node",
  // renovate: datasource=docker depName=node versioning=docker
  tag: "24.21.0-alpine",
} as const;

/**
 * kube-prometheus-stack's CRD upgrade Job (`crds.upgradeJob`) unpacks the chart's CRDs with busybox
 * before kubectl applies them; the chart's default tag is `latest`, which moves under a release.
 * 1.38.0 is the busybox image the pinned grafana chart runs too (its `initChownData`).
 */
export const CRD_UPGRADE_BUSYBOX = {
  registry: "docker.io",
  repository: "busybox",
  // renovate: datasource=docker depName=busybox
  tag: "1.38.0",
} as const;

/**
 * The logging pipeline's exporters (infra/generators/platform/): each project's official image.
 * Logstash: kuskoman/logstash-exporter's stable v1 line (v2 is still pre-release), a sidecar that
 * reads Logstash's monitoring API on localhost:9600 and serves /metrics on 9198.
 */
export const LOGSTASH_EXPORTER = {
  repository: "docker.io/kuskoman/logstash-exporter",
  // renovate: datasource=docker depName=docker.io/kuskoman/logstash-exporter
  tag: "v1.9.1",
} as const;

/** Filebeat's `/stats` (JSON only) as Prometheus metrics: prometheus-community's json_exporter. */
export const JSON_EXPORTER = {
  repository: "quay.io/prometheuscommunity/json-exporter",
  // renovate: datasource=docker depName=quay.io/prometheuscommunity/json-exporter
  tag: "v0.7.0",
} as const;

/** Kibana has no Prometheus endpoint: the blackbox exporter probes its `/api/status`. */
export const BLACKBOX_EXPORTER = {
  repository: "quay.io/prometheus/blackbox-exporter",
  // renovate: datasource=docker depName=quay.io/prometheus/blackbox-exporter
  tag: "v0.28.0",
} as const;

/**
 * prometheus-community's Elasticsearch exporter, its official image (quay.io, published by the
 * project's release workflow with the git tag as image tag). 1.10 renamed `--es.ilm` and
 * `--es.data_stream` to `--collector.ilm` and `--collector.data-stream` (1.9: `--collector.slm`,
 * 1.7: `--collector.snapshots`); the flags we pass are checked against the real binary's `--help`.
 */
export const ELASTICSEARCH_EXPORTER = {
  repository: "quay.io/prometheuscommunity/elasticsearch-exporter",
  // renovate: datasource=docker depName=quay.io/prometheuscommunity/elasticsearch-exporter
  tag: "v1.11.0",
} as const;

/**
 * The oldest Prometheus, Alertmanager and exporters the tests may run. The tests run
 * Debian's builds (scripts/lib/tools.ts fetches them), which trail the releases we deploy; a tool
 * must be of the deployed major line and no older than these:
 * - Prometheus 3.5 (the first 3.x LTS): range selectors left-open, `le`/`quantile` normalized on
 *   scrape, `.` matching newlines, UTF-8 names; nothing in 3.6-3.14 changes what our rules compute
 *   (docs/upgrading.md lists what we read).
 * - Alertmanager 0.33: webhook `url_file` (0.26+), `time_intervals` (0.24+), the Slack bot token's
 *   `credentials_file`; 0.34 adds features we do not use and renames a failure `reason` label.
 * - The blackbox exporter: the deployed release itself (Debian sid has 0.28.0).
 * - The Elasticsearch exporter 1.10 (Debian sid's): the first with the `--collector.ilm` and
 *   `--collector.data-stream` flags we pass; 1.11 renames no flag and no metric our rules read
 *   (it adds a `node` label to `elasticsearch_nodes_roles` and new metrics).
 */
export const TEST_TOOLS = {
  prometheus: { min: "3.5.0", deployed: KUBE_PROMETHEUS_STACK.deploys.prometheus },
  alertmanager: { min: "0.33.0", deployed: KUBE_PROMETHEUS_STACK.deploys.alertmanager },
  /** The blackbox exporter probes Kibana with the rendered module in a test (Debian's 0.28). */
  blackboxExporter: { min: "0.28.0", deployed: BLACKBOX_EXPORTER.tag.slice(1) },
  elasticsearchExporter: { min: "1.10.0", deployed: ELASTICSEARCH_EXPORTER.tag.replace(/^v/, "") },
} as const;

/**
 * Thanos (sidecar, Query, Query Frontend, Store Gateway, Compactor), its official image. The
 * operator also needs the version itself (`spec.thanos.version`) to choose the sidecar's flags and
 * whether Prometheus keeps compacting locally. Its flags are checked against the release's own
 * flag reference (tests/data/thanos/).
 */
export const THANOS = {
  repository: "quay.io/thanos/thanos",
  // renovate: datasource=docker depName=quay.io/thanos/thanos
  tag: "v0.42.4",
} as const;
