import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import {
  eckNames,
  kibanaAccessSummary,
  kibanaCertificate,
  kibanaEndpointPlan,
  kibanaEndpointPrerequisites,
  kibanaIngress,
  kibanaResource,
  kibanaRoute53Record,
} from "../../infra/generators/logging";
import { prerequisites } from "../../infra/generators/prerequisites";
import type { RenderResult } from "../../scripts/lib/render-files";
import { stackConfig } from "../../scripts/lib/stack-config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { one, rendered } from "../helpers/render";
import { render } from "../helpers/variant";

/**
 * How people reach Kibana (issue 25, section 4): in-cluster only by default, or an Ingress with
 * TLS like Grafana's whose controller speaks HTTPS to Kibana's pods (ECK serves Kibana with its
 * self-signed certificate), with `server.publicBaseUrl` set to the public URL.
 */

const HOST = "kibana.acme.example.com";
const NGINX = {
  hostname: HOST,
  ingressClassName: "nginx",
  tls: { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
  dns: { source: "external-dns" },
};

/** The prod stack's logging block with Kibana's endpoint replaced (undefined: none). */
function loggingWith(endpoint: unknown) {
  const logging = JSON.parse(readStackFile("prod").config[`${PROJECT}:logging`] ?? "{}") as Record<
    string,
    Record<string, unknown>
  >;
  const kibana = { ...logging.kibana };
  if (endpoint === undefined) delete kibana.endpoint;
  else kibana.endpoint = endpoint;
  return { ...logging, kibana };
}
const configWith = (endpoint: unknown) => stackConfig("prod", { logging: loggingWith(endpoint) });

describe("Kibana in-cluster only (no logging.kibana.endpoint)", () => {
  const config = stackConfig("dev");

  it("has no Ingress, Certificate, public URL or prerequisite, and says how to port-forward", () => {
    expect(config.logging.kibana.endpoint).toBeUndefined();
    expect(kibanaEndpointPlan(config)).toBeUndefined();
    expect(kibanaIngress(config)).toBeUndefined();
    expect(kibanaCertificate(config)).toBeUndefined();
    expect(kibanaEndpointPrerequisites(config)).toEqual([]);
    expect(kibanaResource(config).spec).not.toHaveProperty("config");
    expect(kibanaAccessSummary(config)).toBe(
      "Kibana is reachable inside the cluster only: `kubectl -n logging port-forward service/logs-kb-http 5601`, then https://localhost:5601 (ECK's self-signed certificate).",
    );
  });

  it("renders nothing for the endpoint in dev", () => {
    const r = rendered("dev");
    expect(
      r.resources.filter((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress").map((x) => x.name),
    ).toEqual(["grafana-ingress"]);
    expect(
      r.resources.filter((x) => x.parent === one(r, "observability:logging:KibanaEndpoint", "kibana").urn),
    ).toEqual([]);
  });
});

describe("Kibana behind ingress-nginx", () => {
  const config = configWith(NGINX);
  const names = eckNames(config);

  it("proxies to ECK's HTTPS Service, telling ingress-nginx the backend speaks HTTPS and takes 25 MiB imports", () => {
    const ingress = kibanaIngress(config);
    expect(ingress?.metadata).toMatchObject({ name: names.kibanaIngress, namespace: { $ref: "namespace" } });
    expect(ingress?.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
      // Kibana's savedObjects.maxImportPayloadBytes (26214400 bytes), not nginx's default 1m.
      "nginx.ingress.kubernetes.io/proxy-body-size": "25m",
      "external-dns.kubernetes.io/hostname": HOST,
      "external-dns.alpha.kubernetes.io/hostname": HOST,
    });
    expect(ingress?.spec).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: [HOST], secretName: names.kibanaTlsSecret }],
      rules: [
        {
          host: HOST,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: {
                  service: { name: `${config.logging.clusterName}-kb-http`, port: { number: 5601 } },
                },
              },
            ],
          },
        },
      ],
    });
  });

  it("lets through exactly the import Kibana itself takes, in a size ingress-nginx accepts", () => {
    const body = kibanaIngress(config)?.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"];
    // ingress-nginx validates the annotation against parser.SizeRegex, `^(?i)\d+[bkmg]?$`
    // (internal/ingress/annotations/parser/validators.go); a value it refuses is ignored.
    const size = /^(\d+)([bkmg]?)$/i.exec(body ?? "");
    expect(size, body).not.toBeNull();
    // nginx's sizes: k, m and g are powers of 1024 (client_max_body_size).
    const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size![2]!.toLowerCase()]!;
    const nginxBytes = Number(size![1]) * unit;
    // Kibana's limit on an import: savedObjects.maxImportPayloadBytes, 26214400 unless its config
    // sets it (Kibana's src/core saved-objects config schema). The rendered config leaves it, and
    // server.maxPayload (which would cap the import route too), alone; were either set here, the
    // annotation would have to follow it.
    const kibanaConfig = (kibanaResource(config).spec as { config?: Record<string, unknown> }).config ?? {};
    const keys = Object.keys(kibanaConfig).join(" ");
    expect(keys).not.toMatch(/savedObjects|maxPayload/);
    expect(JSON.stringify(kibanaConfig)).not.toMatch(/maxImportPayloadBytes|maxPayload/);
    expect(nginxBytes).toBe(26_214_400);
  });

  it("has cert-manager issue the certificate into the Ingress's Secret, awaited until Ready", () => {
    expect(kibanaCertificate(config)).toMatchObject({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: names.kibanaIngress, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
      spec: {
        secretName: names.kibanaTlsSecret,
        dnsNames: [HOST],
        issuerRef: { name: "letsencrypt-prod", kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    });
  });

  it("sets Kibana's server.publicBaseUrl to the public URL", () => {
    expect(kibanaEndpointPlan(config)?.url).toBe(`https://${HOST}`);
    expect(kibanaResource(config).spec).toMatchObject({
      config: { "server.publicBaseUrl": `https://${HOST}` },
    });
  });

  it("needs ingress-nginx's class (checked by its controller), the ClusterIssuer and external-dns", () => {
    const list = kibanaEndpointPrerequisites(config);
    expect(list.map((p) => p.id)).toEqual([
      "kibana-ingress-class",
      "kibana-cert-manager-cluster-issuer",
      "external-dns",
    ]);
    expect(list[0]?.lookup).toEqual({
      kind: "kubernetes",
      apiVersion: "networking.k8s.io/v1",
      resource: "IngressClass",
      name: "nginx",
      controller: "k8s.io/ingress-nginx",
    });
    for (const p of list)
      for (const key of p.configKeys) expect(key, p.id).toMatch(/^logging\.kibana\.endpoint\./);
    // Grafana's external-dns (dev's choice too) and Kibana's are one prerequisite of the stack.
    const both = prerequisites(
      stackConfig("dev", { logging: { ...loggingWith(NGINX), namespace: "logging" } }),
    ).filter((p) => p.id === "external-dns");
    expect(both).toHaveLength(1);
    expect(both[0]?.configKeys).toEqual(["grafana.dns.source", "logging.kibana.endpoint.dns.source"]);
  });

  it("summarises where Kibana is served and how", () => {
    expect(kibanaAccessSummary(config)).toMatch(
      /^Kibana is served at https:\/\/kibana\.acme\.example\.com by Ingress `logs-kibana` \(class `nginx`, HTTPS to Kibana's pods\): certificate from a cert-manager Certificate from ClusterIssuer `letsencrypt-prod`; DNS by external-dns/,
    );
  });
});

describe("Kibana behind an ALB (prod's example)", () => {
  const config = stackConfig("prod");

  it("sends HTTPS to the pods and checks their health over HTTPS on ECK's readiness path", () => {
    const ingress = kibanaIngress(config);
    expect(ingress?.spec.ingressClassName).toBe("alb");
    expect(ingress?.spec).not.toHaveProperty("tls");
    expect(ingress?.metadata.annotations).toEqual({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": config.logging.kibana.endpoint?.tls?.certificateArn,
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
      "alb.ingress.kubernetes.io/healthcheck-protocol": "HTTPS",
      "alb.ingress.kubernetes.io/healthcheck-path": "/login",
    });
    expect(kibanaCertificate(config)).toBeUndefined();
  });

  it("aliases the hostname to the ALB in Route53", () => {
    const target = {
      kind: "alias",
      dnsName: "internal-k8s-logging-0123.us-east-1.elb.amazonaws.com",
      region: "us-east-1",
      loadBalancerType: "application",
    } as const;
    expect(kibanaRoute53Record(config, target, "Z35SXDOTRQ7X7K")).toEqual({
      zoneId: config.logging.kibana.endpoint?.dns?.hostedZoneId,
      name: HOST,
      allowOverwrite: false,
      type: "A",
      aliases: [{ name: target.dnsName, zoneId: "Z35SXDOTRQ7X7K", evaluateTargetHealth: true }],
    });
    expect(() => kibanaRoute53Record(configWith(NGINX), target, "Z")).toThrow(/kibana: no Route53 record/);
  });

  it("shares the AWS Load Balancer Controller prerequisite with Grafana's ALB, checked by its controller", () => {
    const alb = prerequisites(config).filter((p) => p.id === "aws-load-balancer-controller");
    expect(alb).toHaveLength(1);
    expect(alb[0]?.lookup).toMatchObject({ name: "alb", controller: "ingress.k8s.aws/alb" });
    expect(alb[0]?.configKeys).toEqual([
      "grafana.ingressClassName",
      "grafana.tls.source",
      "logging.kibana.endpoint.ingressClassName",
      "logging.kibana.endpoint.tls.source",
    ]);
  });

  it("renders the Ingress after Kibana, the record from the Ingress's address, and the public URL", () => {
    const r = rendered("prod");
    const component = one(r, "observability:logging:KibanaEndpoint", "kibana");
    const ingress = one(r, "kubernetes:networking.k8s.io/v1:Ingress", "kibana-ingress");
    const record = one(r, "aws:route53/record:Record", "kibana-dns");
    const kibana = one(r, "kubernetes:kibana.k8s.elastic.co/v1:Kibana", "logging-kibana");
    expect(ingress.parent).toBe(component.urn);
    expect(record.parent).toBe(component.urn);
    expect(ingress.dependencies).toContain(kibana.urn);
    expect(ingress.inputs).toMatchObject({ metadata: { namespace: config.logging.namespace } });
    expect(record.inputs).toMatchObject({
      name: HOST,
      type: "A",
      aliases: [{ name: expect.stringMatching(/\.us-east-1\.elb\.amazonaws\.com$/), zoneId: "ZMOCKALBZONE" }],
    });
    expect((r.outputs as { logging: { kibanaPublicUrl?: string } }).logging.kibanaPublicUrl).toBe(
      `https://${HOST}`,
    );
  });
});

describe("Kibana with a cert-manager certificate and a Route53 record (Pulumi mocks)", () => {
  let result: RenderResult;
  beforeAll(async () => {
    result = await render("prod", {
      logging: loggingWith({ ...NGINX, dns: { source: "route53", hostedZoneId: "Z04EXAMPLEACMEPROD0000" } }),
    });
  });

  it("creates the Certificate and a record to ingress-nginx's load balancer", () => {
    const certificate = one(result, "kubernetes:cert-manager.io/v1:Certificate", "kibana-certificate");
    expect(certificate.inputs).toMatchObject({
      metadata: { namespace: "logging" },
      spec: { dnsNames: [HOST] },
    });
    const record = one(result, "aws:route53/record:Record", "kibana-dns");
    // ingress-nginx behind an NLB: the alias takes the NLB's hosted zone.
    expect(record.inputs).toMatchObject({ name: HOST, aliases: [{ zoneId: "ZMOCKNLBZONE" }] });
    const ingress = one(result, "kubernetes:networking.k8s.io/v1:Ingress", "kibana-ingress");
    expect(ingress.inputs).toMatchObject({
      metadata: {
        annotations: {
          "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
          "nginx.ingress.kubernetes.io/proxy-body-size": "25m",
        },
      },
    });
  });
});
