import type { StackConfig } from "../../config";
import { FILEBEAT_NAMESPACE_SUFFIX } from "../../config/logging";
import { LOGGING_PART_OF, managedLabels } from "../labels";

/** The labels of every object of the logging stack (its pods, volumes and Secrets are found by them). */
export const LOGGING_LABELS = managedLabels(LOGGING_PART_OF);

/** Kibana's HTTPS port (ECK: its container port and its Service's). */
export const KIBANA_PORT = 5601;

/** Names ECK gives the pieces (services `<name>-es-http`, `<name>-kb-http`, `<name>-ls-<service>`). */
export function eckNames(config: Pick<StackConfig, "logging">) {
  const { clusterName: name, namespace } = config.logging;
  return {
    /**
     * Filebeat's own namespace, beside the logging namespace: it reads the nodes' log files (a
     * privileged pod), so it is kept out of the namespace that enforces the restricted standard.
     */
    filebeatNamespace: `${namespace}${FILEBEAT_NAMESPACE_SUFFIX}`,
    /** Where ECK kept Filebeat's registry on each node while Filebeat ran in the logging namespace. */
    filebeatDataPath: `/var/lib/${namespace}/${name}/filebeat-data`,
    elasticsearch: name,
    kibana: name,
    logstash: name,
    filebeat: name,
    esService: `${name}-es-http`,
    elasticsearchUrl: `https://${name}-es-http.${namespace}.svc:9200`,
    kibanaUrl: `https://${name}-kb-http.${namespace}.svc:${KIBANA_PORT}`,
    logstashBeatsHost: `${name}-ls-beats.${namespace}.svc:5044`,
    elasticUserSecret: `${name}-es-elastic-user`,
    esCaSecret: `${name}-es-http-certs-public`,
    /** The HTTP certificate the program issues (ECK uses it instead of its self-signed one). */
    esHttpCertSecret: `${name}-es-http-tls`,
    kibanaCaSecret: `${name}-kb-http-certs-public`,
    /** The Service ECK puts in front of Kibana (HTTPS, ECK's self-signed certificate). */
    kibanaService: `${name}-kb-http`,
    /** Kibana's public Ingress and, with cert-manager, its Certificate (logging.kibana.endpoint). */
    kibanaIngress: `${name}-kibana`,
    /** The TLS Secret cert-manager writes for Kibana's Ingress. */
    kibanaTlsSecret: `${name}-kibana-tls`,
    /** People's passwords (logging.users), one key per user name; the users Job reads them. */
    usersSecret: `${name}-users`,
    esServiceAccount: `${name}-es`,
    logstashServiceAccount: `${name}-logstash`,
    filebeatServiceAccount: `${name}-filebeat`,
    /** basic-auth Secret of Grafana's read-only user (ECK's file realm). */
    grafanaReaderSecret: `${name}-grafana-reader`,
    /** basic-auth Secret of the Elasticsearch exporter's user (ECK's file realm); the exporter reads it too. */
    exporterUserSecret: `${name}-exporter-user`,
  };
}

/** ECK exposes the referenced cluster to Logstash as `<REF>_ES_HOSTS`, `_USER`, `_PASSWORD`, `_SSL_CERTIFICATE_AUTHORITY`. */
export const LOGSTASH_ES_REF = "logs";

/** Kibana's public URL (`server.publicBaseUrl`), or undefined when it is reachable in-cluster only. */
export const kibanaPublicUrl = (config: Pick<StackConfig, "logging">): string | undefined => {
  const endpoint = config.logging.kibana.endpoint;
  return endpoint ? `https://${endpoint.hostname}` : undefined;
};
