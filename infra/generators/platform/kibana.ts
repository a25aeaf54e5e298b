import { createHash } from "node:crypto";
import { toYaml } from "../../artifacts";
import { BLACKBOX_EXPORTER } from "../../versions";
import { LOGGING_PART_OF, managedLabels } from "../labels";
import { eckNames } from "../logging/names";
import { ref } from "../refs";
import { probe } from "./monitors";
import { resolveMetrics } from "../metrics/settings";
import {
  EXPORTER_RESOURCES,
  EXPORTER_SECURITY_CONTEXT,
  PLATFORM_JOBS,
  type PlatformAlertSpec,
  type PlatformInput,
  partSelector,
} from "./types";

/**
 * Kibana has no Prometheus endpoint: the blackbox exporter probes `/api/status`, which Kibana
 * answers without credentials (a redacted body) with 200 while its core services are available and
 * 503 when not. The exporter runs in the logging namespace, where ECK publishes the CA of Kibana's
 * self-signed HTTP certificate (`<name>-kb-http-certs-public`), and verifies TLS against it.
 */

export const BLACKBOX_NAME = "blackbox-exporter";
export const BLACKBOX_PORT = 9115;
export const KIBANA_MODULE = "kibana_status";
/** Where the config and Kibana's CA are mounted (one projected volume), and the working directory. */
const CONFIG_DIR = "/etc/blackbox";
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

const labels = () => ({ ...managedLabels(LOGGING_PART_OF), "app.kubernetes.io/name": BLACKBOX_NAME });
const selector = { "app.kubernetes.io/name": BLACKBOX_NAME };

/** The exporter's ConfigMap, Deployment and Service, in the logging namespace (`ref("namespace")`). */
export function blackboxObjects(config: PlatformInput) {
  const metadata = { name: BLACKBOX_NAME, namespace: ref("namespace"), labels: labels() };
  const yaml = blackboxConfigYaml();
  return {
    configMap: { metadata, data: { "blackbox.yml": yaml } },
    deployment: {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: labels(),
            // A changed module rolls the pod: the exporter reads its config at start.
            annotations: {
              "checksum/config": createHash("sha256").update(yaml).digest("hex").slice(0, 16),
            },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "blackbox-exporter",
                image: `${BLACKBOX_EXPORTER.repository}:${BLACKBOX_EXPORTER.tag}`,
                args: [`--config.file=${CONFIG_DIR}/blackbox.yml`],
                workingDir: CONFIG_DIR,
                ports: [{ name: "http", containerPort: BLACKBOX_PORT, protocol: "TCP" }],
                readinessProbe: { httpGet: { path: "/-/healthy", port: "http" }, periodSeconds: 30 },
                resources: EXPORTER_RESOURCES,
                securityContext: EXPORTER_SECURITY_CONTEXT,
                volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [
              {
                name: "config",
                projected: {
                  sources: [
                    { configMap: { name: BLACKBOX_NAME } },
                    {
                      secret: {
                        name: eckNames(config).kibanaCaSecret,
                        items: [{ key: "ca.crt", path: KIBANA_CA_FILE }],
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    },
    service: {
      metadata,
      spec: {
        selector,
        ports: [{ name: "http", port: BLACKBOX_PORT, targetPort: "http", protocol: "TCP" }],
      },
    },
  };
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
