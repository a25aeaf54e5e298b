import { createHash } from "node:crypto";
import { BLACKBOX_EXPORTER } from "../../versions";
import { ref } from "../refs";
import { EXPORTER_RESOURCES, EXPORTER_SECURITY_CONTEXT } from "./types";

/**
 * One blackbox exporter (the project's official image, BLACKBOX_EXPORTER) as our own ConfigMap,
 * Deployment and Service in the namespace `ref("namespace")` stands for. Two run from this shape:
 * the one that probes Kibana in the logging namespace (kibana.ts) and the one that probes the
 * services' declared dependencies in the metrics namespace (infra/generators/dependencies/).
 */

export const BLACKBOX_PORT = 9115;
/** Where the config (and any file beside it) is mounted: one projected volume, the working directory. */
export const BLACKBOX_CONFIG_DIR = "/etc/blackbox";

export interface BlackboxExporterSpec {
  /** Name of the ConfigMap, Deployment and Service, and the pods' `app.kubernetes.io/name`. */
  name: string;
  /** The objects' labels besides the name (part-of, managed-by). */
  labels: Record<string, string>;
  /** The exporter's `blackbox.yml`, as rendered. */
  configYaml: string;
  /** More sources of the projected volume, beside the config (Kibana's CA). */
  extraSources?: Record<string, unknown>[];
}

export function blackboxExporterObjects(spec: BlackboxExporterSpec) {
  const labels = { ...spec.labels, "app.kubernetes.io/name": spec.name };
  const selector = { "app.kubernetes.io/name": spec.name };
  const metadata = { name: spec.name, namespace: ref("namespace"), labels };
  return {
    configMap: { metadata, data: { "blackbox.yml": spec.configYaml } },
    deployment: {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            // A changed module rolls the pod: the exporter reads its config at start.
            annotations: {
              "checksum/config": createHash("sha256").update(spec.configYaml).digest("hex").slice(0, 16),
            },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "blackbox-exporter",
                image: `${BLACKBOX_EXPORTER.repository}:${BLACKBOX_EXPORTER.tag}`,
                args: [`--config.file=${BLACKBOX_CONFIG_DIR}/blackbox.yml`],
                workingDir: BLACKBOX_CONFIG_DIR,
                ports: [{ name: "http", containerPort: BLACKBOX_PORT, protocol: "TCP" }],
                readinessProbe: { httpGet: { path: "/-/healthy", port: "http" }, periodSeconds: 30 },
                resources: EXPORTER_RESOURCES,
                securityContext: EXPORTER_SECURITY_CONTEXT,
                volumeMounts: [{ name: "config", mountPath: BLACKBOX_CONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [
              {
                name: "config",
                projected: { sources: [{ configMap: { name: spec.name } }, ...(spec.extraSources ?? [])] },
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
