import type { StackConfig } from "../../config";
import { eckNames } from "./names";

/**
 * Elasticsearch's HTTP certificate, issued by the program instead of ECK: the CA is then known at
 * deploy time and Grafana (and anything else) can verify TLS without reading ECK's Secret after the
 * cluster exists. ECK takes a user Secret with `tls.crt`, `tls.key` and `ca.crt` as it is.
 */

const HOURS_PER_DAY = 24;

/** Validity of the self-signed CA (10 years) and of the server certificate (1 year). */
export const HTTP_TLS_VALIDITY = {
  caHours: 10 * 365 * HOURS_PER_DAY,
  leafHours: 365 * HOURS_PER_DAY,
  /** `pulumi up` inside the last 30 days of the leaf's life issues a new one (same CA, no client change). */
  leafEarlyRenewalHours: 30 * HOURS_PER_DAY,
  /** The CA is replaced a year before it ends; Grafana gets the new CA in the same update. */
  caEarlyRenewalHours: 365 * HOURS_PER_DAY,
} as const;

/** RSA keeps the key readable by every client (Elasticsearch, Grafana, Logstash, the applier). */
export const HTTP_TLS_KEY = { algorithm: "RSA", caRsaBits: 4096, leafRsaBits: 2048 } as const;

/** Every name a client may use for the HTTP Service, short to fully qualified. */
export function httpCertificateDnsNames(config: StackConfig): string[] {
  const { namespace } = config.logging;
  const svc = eckNames(config).esService;
  return [svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`];
}

/** Subjects and uses of the two certificates. */
export function httpTlsPlan(config: StackConfig) {
  const names = eckNames(config);
  const organization = `observability-${config.environment}`;
  return {
    secretName: names.esHttpCertSecret,
    ca: {
      subject: { commonName: `${names.elasticsearch} Elasticsearch HTTP CA`, organization },
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
    },
    leaf: {
      subject: { commonName: names.esService, organization },
      dnsNames: httpCertificateDnsNames(config),
      allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    },
  };
}
