import * as pulumi from "@pulumi/pulumi";
import { elasticsearchReader, Grafana } from "./components/grafana";
import { Archive } from "./components/archive";
import { DependencyProbes } from "./components/dependencies";
import { ElasticsearchExporter } from "./components/elasticsearch-exporter";
import { KibanaEndpoint } from "./components/kibana-endpoint";
import { Logging } from "./components/logging";
import { Metrics } from "./components/metrics";
import { NetworkPolicies } from "./components/network-policies";
import { PagerDuty } from "./components/pagerduty";
import { PlatformMonitoring } from "./components/platform";
import { pagerdutyManaged } from "./generators/alerting/pagerduty";
import { Frontend } from "./components/frontend";
import { Sentry } from "./components/sentry";
import { Thanos } from "./components/thanos";
import { ThanosBucket } from "./components/thanos-bucket";
import type { LoadedConfig, StackSecrets } from "./config";

/** Secret config values as Pulumi secrets: the same keys, each marked secret. */
type SecretInputs = { [K in keyof StackSecrets]: pulumi.Output<string> };

/** A secret the schema requires in this configuration (requiredSecrets); absent is a bug. */
function requireSecret(value: pulumi.Output<string> | undefined, key: string): pulumi.Output<string> {
  if (value === undefined) throw new Error(`secret ${key} is required by this configuration`);
  return value;
}

/**
 * Builds every component of the platform from a validated config. Pure wiring: the artifacts come
 * from the generators, the resources from the components.
 */
export function createPlatform({ config, secrets: plain }: LoadedConfig) {
  const secrets = Object.fromEntries(
    Object.entries(plain).map(([k, v]) => [k, pulumi.secret(v)]),
  ) as SecretInputs;

  // Managed PagerDuty first: every P1 route needs its team's integration key.
  const paging = pagerdutyManaged(config)
    ? new PagerDuty("pagerduty", { config, token: requireSecret(secrets.pagerdutyToken, "pagerdutyToken") })
    : undefined;
  const pagerdutyKeys = paging?.integrationKeys;

  const archive = new Archive("log-archive", { config });

  // The metrics bucket (the archive's key, its access-log bucket) and the IAM roles of the Thanos
  // parts that touch it; the sidecars' role goes to Prometheus's ServiceAccount.
  const thanosBucket = new ThanosBucket("thanos", { config, archive: archive.outputs });
  const metrics = new Metrics("metrics", {
    config,
    secrets,
    pagerdutyKeys,
    thanos: {
      bucketName: thanosBucket.outputs.bucketName,
      region: thanosBucket.outputs.region,
      kmsKeyArn: archive.outputs.kmsKeyArn,
      sidecarRoleArn: thanosBucket.outputs.roleArns.sidecar,
    },
  });

  // What the services declare they need, probed beside Prometheus (services[].dependencies).
  new DependencyProbes("dependency-probe", {
    config,
    namespace: metrics.namespace,
    metricsRelease: metrics.release,
  });

  // Thanos's query path and Compactor on the metrics bucket, beside the Prometheus sidecars; Grafana
  // reads its Query Frontend. The Store Gateway and the Compactor reach the bucket through their roles.
  const thanos = new Thanos("thanos", {
    config,
    metricsRelease: metrics.release,
    roleArns: {
      storeGateway: thanosBucket.outputs.roleArns.storeGateway,
      compactor: thanosBucket.outputs.roleArns.compactor,
    },
  });

  // The reader's password derives from the admin password.
  const esReader = elasticsearchReader(config, secrets.grafanaAdminPassword);
  const logging = new Logging("logging", { config, archive: archive.outputs, grafanaReader: esReader });
  // How people reach Kibana: an Ingress when logging.kibana.endpoint is set, else port-forward only.
  const kibanaEndpoint = new KibanaEndpoint("kibana", {
    config,
    namespace: logging.outputs.namespace,
    kibana: logging.kibana,
  });

  // The platform watching its own parts: the exporter starts once its role is applied.
  new ElasticsearchExporter("elasticsearch-exporter", {
    config,
    namespace: logging.outputs.namespace,
    settings: logging.settingsJob,
    crds: metrics,
  });

  // The logging stack issues Elasticsearch's HTTP certificate from its own CA, known before the
  // cluster exists, so Grafana verifies TLS against it without waiting for ECK.
  const grafanaStack = new Grafana("grafana", {
    config,
    secrets,
    pagerdutyKeys,
    elasticsearchPassword: esReader.password,
    elasticsearchCaCert: logging.outputs.elasticsearchCaCert,
  });

  // Ingress into the metrics, logging, Filebeat, Grafana and ECK operator namespaces only from the
  // platform's flows, once the namespaces exist and the settings Job ran: its first run is not held
  // up by a policy that lands before its allow rules. The operator's namespace is its release's
  // (Helm creates it), hence the release here. Not the whole Logging component: a users or extras
  // Job still running (up to an hour) would hold them back; those retry a dropped connection.
  new NetworkPolicies("network-policies", {
    config,
    after: [metrics, thanos, ...logging.namespaces, logging.eckOperator, logging.settingsJob, grafanaStack],
  });

  // The logging pipeline, its operator and Grafana watched by Prometheus, with the platform's labels.
  new PlatformMonitoring("platform", {
    config,
    metricsRelease: metrics.release,
    loggingNamespace: logging.outputs.namespace,
    loggingParts: [logging.eckOperator, logging.kibana, ...logging.shippers],
  });

  const errorTracking = new Sentry("sentry", { config, authToken: secrets.sentryAuthToken });
  const frontend = new Frontend("frontend", { config, secrets, pagerdutyKeys });

  return {
    environment: config.environment,
    // The policy pack holds a stack that says it is production to the production rules.
    production: config.production,
    sentry: errorTracking.outputs,
    frontend: frontend.outputs,
    logArchive: archive.outputs,
    logging: { ...logging.outputs, kibanaPublicUrl: kibanaEndpoint.outputs.url },
    metrics: metrics.outputs,
    thanos: {
      ...thanos.outputs,
      bucketName: thanosBucket.outputs.bucketName,
      bucketArn: thanosBucket.outputs.bucketArn,
      roleArns: thanosBucket.outputs.roleArns,
    },
    ...(paging ? { pagerduty: paging.outputs } : {}),
    grafana: grafanaStack.outputs,
  };
}
