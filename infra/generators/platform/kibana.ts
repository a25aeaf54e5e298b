import { toYaml } from "../../artifacts";
import { LOGGING_PART_OF, managedLabels } from "../labels";
import { eckNames } from "../logging/names";
import { BLACKBOX_PORT, blackboxExporterObjects } from "./blackbox";
import { probe } from "./monitors";
import { resolveMetrics } from "../metrics/settings";
import { PLATFORM_JOBS, type PlatformAlertSpec, type PlatformInput, partSelector } from "./types";

/**
 * Kibana has no Prometheus endpoint: the blackbox exporter probes `/api/status`, which Kibana
 * answers without credentials (a redacted body) with 200 while its core services are available and
 * 503 when not. The exporter runs in the logging namespace, where ECK publishes the CA of Kibana's
 * self-signed HTTP certificate (`<name>-kb-http-certs-public`), and verifies TLS against it.
 */

export const BLACKBOX_NAME = "blackbox-exporter";
export { BLACKBOX_PORT };
export const KIBANA_MODULE = "kibana_status";
/**
 * Relative to the working directory: the blackbox exporter opens `ca_file` as given, so the same
 * rendered file works in the pod (workingDir) and in the test that runs it beside a stand-in CA.
 */
export const KIBANA_CA_FILE = "kibana-ca.crt";

/** The blackbox exporter's configuration: one module, Kibana's status over verified TLS. */
export const blackboxConfig = () => ({
  modules: {
    [KIBANA_MODULE]: {
      prober: "http",
      timeout: "10s",
      http: {
        method: "GET",
        // Only 200: 503 is Kibana saying it is unavailable, 401 a Kibana that wants credentials.
        valid_status_codes: [200],
        fail_if_not_ssl: true,
        follow_redirects: false,
        tls_config: { ca_file: KIBANA_CA_FILE },
      },
    },
  },
});

export const blackboxConfigYaml = () => toYaml(blackboxConfig());

/** Kibana's status URL, through ECK's HTTP Service. */
export const kibanaStatusUrl = (config: PlatformInput) => `${eckNames(config).kibanaUrl}/api/status`;

/** The exporter's ConfigMap, Deployment and Service, in the logging namespace (`ref("namespace")`). */
export function blackboxObjects(config: PlatformInput) {
  return blackboxExporterObjects({
    name: BLACKBOX_NAME,
    labels: managedLabels(LOGGING_PART_OF),
    configYaml: blackboxConfigYaml(),
    extraSources: [
      {
        secret: {
          name: eckNames(config).kibanaCaSecret,
          items: [{ key: "ca.crt", path: KIBANA_CA_FILE }],
        },
      },
    ],
  });
}

export const kibanaProbe = (config: PlatformInput) =>
  probe(config, {
    name: "kibana",
    job: PLATFORM_JOBS.kibana,
    proberUrl: `${BLACKBOX_NAME}.${config.logging.namespace}.svc:${BLACKBOX_PORT}`,
    module: KIBANA_MODULE,
    targets: [kibanaStatusUrl(config)],
  });

/** The Probe's series carry the Probe's namespace (the metrics namespace), as the operator labels them. */
const sel = (c: PlatformInput) => partSelector(PLATFORM_JOBS.kibana, resolveMetrics(c).namespace);

export const KIBANA_ALERTS: PlatformAlertSpec[] = [
  {
    alert: "KibanaUnavailable",
    component: "kibana",
    priority: "P2",
    runbook: "kibana",
    reason:
      "nobody can search logs in Kibana during an incident; ingestion and Grafana's log panels keep working and nothing is lost, so within the hour",
    for: "5m",
    firesWithin: "6m",
    summary: "Kibana is unavailable",
    description:
      "The probe of Kibana's /api/status has failed for 5 minutes (503: Kibana reports itself unavailable; or no answer, bad TLS, or the probe itself cannot run).",
    expr: (c) =>
      `(max by (instance) (probe_success${sel(c)}) == 0) or (max by (instance) (up${sel(c)}) == 0)`,
  },
];
