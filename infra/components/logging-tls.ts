import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { StackConfig } from "../config";
import { HTTP_TLS_KEY, HTTP_TLS_VALIDITY, httpTlsPlan, httpTlsSecret } from "../generators/logging";
import { wire } from "./refs";

/**
 * Elasticsearch's HTTP CA and server certificate (tls provider) and the Secret ECK reads them from.
 * Children of `parent`, named after `name`. Private keys stay secret end to end: every value that
 * carries one is wrapped in pulumi.secret, whatever the provider marks.
 */
export function elasticsearchHttpTls(
  name: string,
  args: { config: StackConfig; namespace: pulumi.Input<string> },
  parent: pulumi.Resource,
): { caCertPem: pulumi.Output<string>; secret: k8s.core.v1.Secret } {
  const plan = httpTlsPlan(args.config);
  const child = { parent };

  const caKey = new tls.PrivateKey(
    `${name}-es-http-ca-key`,
    { algorithm: HTTP_TLS_KEY.algorithm, rsaBits: HTTP_TLS_KEY.caRsaBits },
    child,
  );
  const ca = new tls.SelfSignedCert(
    `${name}-es-http-ca`,
    {
      privateKeyPem: pulumi.secret(caKey.privateKeyPem),
      isCaCertificate: true,
      subject: plan.ca.subject,
      allowedUses: plan.ca.allowedUses,
      validityPeriodHours: HTTP_TLS_VALIDITY.caHours,
      earlyRenewalHours: HTTP_TLS_VALIDITY.caEarlyRenewalHours,
      setSubjectKeyId: true,
    },
    child,
  );

  const key = new tls.PrivateKey(
    `${name}-es-http-key`,
    { algorithm: HTTP_TLS_KEY.algorithm, rsaBits: HTTP_TLS_KEY.leafRsaBits },
    child,
  );
  const request = new tls.CertRequest(
    `${name}-es-http-csr`,
    {
      privateKeyPem: pulumi.secret(key.privateKeyPem),
      subject: plan.leaf.subject,
      dnsNames: plan.leaf.dnsNames,
    },
    child,
  );
  const cert = new tls.LocallySignedCert(
    `${name}-es-http-cert`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
      caCertPem: ca.certPem,
      allowedUses: plan.leaf.allowedUses,
      validityPeriodHours: HTTP_TLS_VALIDITY.leafHours,
      earlyRenewalHours: HTTP_TLS_VALIDITY.leafEarlyRenewalHours,
      setSubjectKeyId: true,
    },
    child,
  );

  const secret = new k8s.core.v1.Secret(
    `${name}-es-http-tls`,
    wire(httpTlsSecret(args.config), {
      namespace: args.namespace,
      "secret:esHttpCertPem": cert.certPem,
      "secret:esHttpKeyPem": key.privateKeyPem,
      "secret:esHttpCaPem": ca.certPem,
    }),
    // Kept with the (retained) Elasticsearch cluster in production, whose pods mount it.
    { ...child, protect: args.config.production, retainOnDelete: args.config.production },
  );
  // A CA certificate is public; plain, so it can be shown and compared.
  return { caCertPem: pulumi.unsecret(ca.certPem), secret };
}
