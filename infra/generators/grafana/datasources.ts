import type { StackConfig } from "../../config";
import { type Ref, ref, secretRef } from "../refs";
import { eckNames } from "../logging/names";
import { resolveMetrics } from "../metrics/settings";
import { thanosNames } from "../thanos/names";

/**
 * Grafana data sources as pure data. Secret values are never part of a spec: `secure` names the
 * secureJsonData field and which of the component's secret inputs fills it.
 */

/** Stable data-source UIDs: dashboards refer to data sources by these. */
export const DATASOURCE_UIDS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  logs: "elasticsearch-logs",
  sentry: "sentry",
} as const;

/** Where the component gets each secure field's value. */
export type SecureSource = "elasticsearchPassword" | "elasticsearchCaCert" | "sentryAuthToken";

export interface DataSourceSpec {
  uid: string;
  name: string;
  type: string;
  url: string;
  isDefault: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  secure: Record<string, SecureSource>;
}

/** In-cluster URLs of the backends Grafana reads. */
export interface Upstreams {
  /**
   * The Prometheus API behind the default `prometheus` data source: Thanos's Query Frontend, the
   * one deduplicated view of every Prometheus replica and of the bucket's long-term data.
   */
  prometheusUrl: string;
  alertmanagerUrl: string;
  elasticsearchUrl: string;
}

/**
 * The in-cluster URLs the metrics, Thanos and logging stacks' own naming gives (the Query
 * Frontend's and kube-prometheus-stack's Services, the ECK cluster's HTTP Service), the same URLs
 * the components export. Not Prometheus's own Service: with two replicas behind it successive
 * queries land on different replicas and graphs change from refresh to refresh
 * (prometheus-operator#2203), and it holds only Prometheus's retention.
 */
export function defaultUpstreams(config: StackConfig): Upstreams {
  const metrics = resolveMetrics(config);
  return {
    prometheusUrl: thanosNames(config).queryFrontendUrl,
    alertmanagerUrl: metrics.alertmanagerUrl,
    elasticsearchUrl: eckNames(config).elasticsearchUrl,
  };
}

export interface DataSourceOptions {
  /** Whether a CA certificate for Elasticsearch's TLS is supplied (ECK issues a self-signed one). */
  elasticsearchCaCert: boolean;
  /** Whether the Elasticsearch data source authenticates with basic auth (a password is supplied). */
  elasticsearchAuth: boolean;
}

export function dataSources(
  config: Pick<StackConfig, "grafana" | "sentry">,
  upstreams: Upstreams,
  opts: DataSourceOptions = { elasticsearchCaCert: false, elasticsearchAuth: false },
): DataSourceSpec[] {
  const logs = config.grafana.logs;
  const specs: DataSourceSpec[] = [
    {
      uid: DATASOURCE_UIDS.prometheus,
      name: "Prometheus",
      type: "prometheus",
      url: upstreams.prometheusUrl,
      isDefault: true,
      // POST keeps long generated queries out of URLs; 30s matches the scrape interval so that
      // $__rate_interval covers at least four samples. `Thanos` is one of the Prometheus data
      // source's flavours (Grafana's PromApplication); with no version set Grafana assumes none
      // of the version-gated API features and queries as for plain Prometheus.
      jsonData: { httpMethod: "POST", timeInterval: "30s", prometheusType: "Thanos" },
      secure: {},
    },
    {
      uid: DATASOURCE_UIDS.alertmanager,
      name: "Alertmanager",
      type: "alertmanager",
      url: upstreams.alertmanagerUrl,
      isDefault: false,
      // Grafana-managed alerts are routed by Grafana's own policy tree, not sent here.
      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
      secure: {},
    },
    {
      uid: DATASOURCE_UIDS.logs,
      name: "Elasticsearch logs",
      type: "elasticsearch",
      url: upstreams.elasticsearchUrl,
      isDefault: false,
      ...(opts.elasticsearchAuth ? { basicAuthUser: logs.username } : {}),
      jsonData: {
        index: logs.indexPattern,
        timeField: logs.timeField,
        logLevelField: "level",
        logMessageField: "message",
        maxConcurrentShardRequests: 5,
        ...(opts.elasticsearchCaCert ? { tlsAuthWithCACert: true } : {}),
      },
      secure: {
        ...(opts.elasticsearchAuth ? { basicAuthPassword: "elasticsearchPassword" as const } : {}),
        ...(opts.elasticsearchCaCert ? { tlsCACert: "elasticsearchCaCert" as const } : {}),
      },
    },
  ];
  if (config.grafana.sentryDataSource) {
    const sentry = config.sentry;
    specs.push({
      uid: DATASOURCE_UIDS.sentry,
      name: "Sentry",
      type: "grafana-sentry-datasource",
      url: sentry.baseUrl,
      isDefault: false,
      jsonData: { url: sentry.baseUrl, orgSlug: sentry.organization },
      secure: { authToken: "sentryAuthToken" },
    });
  }
  return specs;
}

/** Grafana plugins the data sources need (installed by the chart at start-up). */
export const requiredPlugins = (config: Pick<StackConfig, "grafana">): string[] =>
  config.grafana.sentryDataSource ? ["grafana-sentry-datasource"] : [];

/** What fills each secure field. */
const SECURE_REFS: Readonly<Record<SecureSource, Ref>> = {
  elasticsearchPassword: secretRef("elasticsearchReaderPassword"),
  elasticsearchCaCert: ref("elasticsearchCaCert"),
  sentryAuthToken: secretRef("sentryAuthToken"),
};

/**
 * A data source as the provider takes it. `secureJsonData` is encoded into the (secret)
 * `secureJsonDataEncoded` by the component once its references are filled.
 */
export function dataSourceArgs(spec: DataSourceSpec) {
  const secure = Object.entries(spec.secure);
  return {
    uid: spec.uid,
    name: spec.name,
    type: spec.type,
    url: spec.url,
    isDefault: spec.isDefault,
    ...(spec.basicAuthUser ? { basicAuthEnabled: true, basicAuthUsername: spec.basicAuthUser } : {}),
    jsonDataEncoded: JSON.stringify(spec.jsonData),
    secureJsonData: Object.fromEntries(secure.map(([field, source]) => [field, SECURE_REFS[source]])),
  };
}
