import * as pulumi from "@pulumi/pulumi";
import { elasticsearchReader, Grafana } from "./components/grafana";
import { Archive } from "./components/archive";
import { Logging } from "./components/logging";
import { Metrics } from "./components/metrics";
import { Frontend } from "./components/frontend";
import { Sentry } from "./components/sentry";
import type { LoadedConfig, StackSecrets } from "./config";

/** Secret config values as Pulumi secrets: the same keys, each marked secret. */
type SecretInputs = { [K in keyof StackSecrets]: pulumi.Output<string> };

/**
 * Builds every component of the platform from a validated config. Pure wiring: the artifacts come
 * from the generators, the resources from the components.
 */
export function createPlatform({ config, secrets: plain }: LoadedConfig) {
  const secrets = Object.fromEntries(
    Object.entries(plain).map(([k, v]) => [k, pulumi.secret(v)]),
  ) as SecretInputs;

  const metrics = new Metrics("metrics", { config, secrets });

  const archive = new Archive("log-archive", { config });

  // The reader's password derives from the admin password.
  const esReader = elasticsearchReader(config, secrets.grafanaAdminPassword);
  const logging = new Logging("logging", { config, archive: archive.outputs, grafanaReader: esReader });

  // The logging stack issues Elasticsearch's HTTP certificate from its own CA, known before the
  // cluster exists, so Grafana verifies TLS against it without waiting for ECK.
  const grafanaStack = new Grafana("grafana", {
    config,
    secrets,
    elasticsearchPassword: esReader.password,
    elasticsearchCaCert: logging.outputs.elasticsearchCaCert,
  });

  const errorTracking = new Sentry("sentry", { config, authToken: secrets.sentryAuthToken });
  const frontend = new Frontend("frontend", { config, secrets });

  return {
    environment: config.environment,
    sentry: errorTracking.outputs,
    frontend: frontend.outputs,
    logArchive: archive.outputs,
    logging: logging.outputs,
    metrics: metrics.outputs,
    grafana: grafanaStack.outputs,
  };
}
