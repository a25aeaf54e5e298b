import { beforeAll, describe, expect, it } from "vitest";
import { eckNames, HTTP_TLS_VALIDITY } from "../../infra/generators/logging";
import { isSecret, type RecordedResource, reveal } from "../../scripts/lib/recorded";
import { type RenderResult, renderFiles } from "../../scripts/lib/render-files";
import { one, ofType, rendered, STACKS } from "../helpers/render";

const T = {
  elasticsearch: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
  secret: "kubernetes:core/v1:Secret",
  key: "tls:index/privateKey:PrivateKey",
  ca: "tls:index/selfSignedCert:SelfSignedCert",
  csr: "tls:index/certRequest:CertRequest",
  cert: "tls:index/locallySignedCert:LocallySignedCert",
};
// The mocks' fake PEMs name the resource they came from (scripts/lib/mock-runtime.ts).
const mockPem = (label: string, resource: string) =>
  `-----BEGIN ${label}-----\nMOCK ${resource}\n-----END ${label}-----`;

/** Elasticsearch's HTTP certificate, issued by the program, in the render of one stack. */
describe.each(STACKS)("Elasticsearch HTTP TLS (%s)", (stack) => {
  let result: RenderResult;
  let secret: RecordedResource;
  const names = () => eckNames(result.config);

  beforeAll(() => {
    result = rendered(stack);
    secret = one(result, T.secret, "logging-es-http-tls");
  });

  it("points ECK at the program's certificate Secret in the cluster's namespace", () => {
    const es = one(result, T.elasticsearch, "logging-elasticsearch");
    expect(es.inputs.spec).toMatchObject({
      http: { tls: { certificate: { secretName: names().esHttpCertSecret } } },
    });
    // No self-signed override that would make ECK issue its own certificate again.
    expect(JSON.stringify(es.inputs.spec)).not.toContain("selfSignedCertificate");
    expect(secret.inputs).toMatchObject({
      type: "kubernetes.io/tls",
      metadata: { name: names().esHttpCertSecret, namespace: result.config.logging.namespace },
    });
  });

  it("keeps the Secret's data secret: leaf certificate, leaf key and the CA that signed it", () => {
    expect(isSecret(secret.inputs.stringData)).toBe(true);
    expect(reveal(secret.inputs.stringData)).toEqual({
      "tls.crt": mockPem("CERTIFICATE", "logging-es-http-cert"),
      "tls.key": mockPem("PRIVATE KEY", "logging-es-http-key"),
      "ca.crt": mockPem("CERTIFICATE", "logging-es-http-ca"),
    });
    expect(secret.inputs).not.toHaveProperty("data");
  });

  it("covers every name of the HTTP Service, including the host of the exported URL", () => {
    const csr = one(result, T.csr, "logging-es-http-csr");
    const svc = `${result.config.logging.clusterName}-es-http`;
    const ns = result.config.logging.namespace;
    expect(csr.inputs.dnsNames).toEqual([
      svc,
      `${svc}.${ns}`,
      `${svc}.${ns}.svc`,
      `${svc}.${ns}.svc.cluster.local`,
    ]);
    const url = (result.outputs as { logging: { elasticsearchUrl: string } }).logging.elasticsearchUrl;
    expect(csr.inputs.dnsNames).toContain(new URL(url).hostname);
  });

  it("signs a one-year server certificate with a ten-year CA, renewed early by pulumi up", () => {
    const ca = one(result, T.ca, "logging-es-http-ca");
    expect(ca.inputs).toMatchObject({ isCaCertificate: true, validityPeriodHours: 87600 });
    expect(ca.inputs.allowedUses).toContain("cert_signing");
    const cert = one(result, T.cert, "logging-es-http-cert");
    expect(cert.inputs).toMatchObject({
      validityPeriodHours: 8760,
      earlyRenewalHours: HTTP_TLS_VALIDITY.leafEarlyRenewalHours,
      caCertPem: mockPem("CERTIFICATE", "logging-es-http-ca"),
      certRequestPem: mockPem("CERTIFICATE REQUEST", "logging-es-http-csr"),
    });
    expect(cert.inputs.allowedUses).toEqual(expect.arrayContaining(["server_auth", "key_encipherment"]));
    expect(cert.inputs.earlyRenewalHours as number).toBeGreaterThan(0);
    expect(cert.inputs.earlyRenewalHours as number).toBeLessThan(cert.inputs.validityPeriodHours as number);
    expect(
      ofType(result, T.key)
        .map((k) => k.name)
        .sort(),
    ).toEqual(["logging-es-http-ca-key", "logging-es-http-key"]);
  });

  it("passes private keys only as secrets and renders none in plain text", () => {
    expect(isSecret(one(result, T.ca, "logging-es-http-ca").inputs.privateKeyPem)).toBe(true);
    expect(isSecret(one(result, T.csr, "logging-es-http-csr").inputs.privateKeyPem)).toBe(true);
    expect(isSecret(one(result, T.cert, "logging-es-http-cert").inputs.caPrivateKeyPem)).toBe(true);
    const files = renderFiles(result);
    const resources = files.find((f) => f.path === "resources.json")!.content;
    expect(resources).toContain("MOCK logging-es-http-ca");
    for (const f of files) expect(f.content, f.path).not.toContain("PRIVATE KEY");
  });

  it("exports the CA as plain PEM (a CA certificate is public)", () => {
    const outputs = result.outputs as { logging: { elasticsearchCaCert: string } };
    expect(outputs.logging.elasticsearchCaCert).toBe(mockPem("CERTIFICATE", "logging-es-http-ca"));
  });
});
