import { configProblems } from "../helpers/config";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import {
  endpointPrerequisites,
  grafanaIngress,
  loadBalancerTarget,
  route53Record,
} from "../../infra/generators/grafana";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { stackConfig } from "../../scripts/lib/stack-config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { one, rendered } from "../helpers/render";
import { render, grafanaWithoutHostname } from "../helpers/variant";

/**
 * Grafana's endpoint (issue 21, section 1): the certificate and DNS choices, and the Grafana
 * provider waiting for what makes its URL valid, in the same `pulumi up`.
 */

const T = {
  component: "observability:grafana:Grafana",
  provider: "pulumi:providers:grafana",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
  record: "aws:route53/record:Record",
  check: "pulumi-nodejs:dynamic/grafana:EndpointCheck",
  secret: "kubernetes:core/v1:Secret",
};

const HOST = "grafana.acme.example.com";
// In prod's deploy account (aws:allowedAccountIds): an ALB takes certificates of its own account only.
const ARN = "arn:aws:acm:us-east-1:222222222222:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f";
const ZONE = "Z04EXAMPLEACMEPROD0000";

/** An nginx Ingress with a cert-manager certificate and a Route53 record: the base of variants. */
const NGINX = {
  ingressClassName: "nginx",
  tls: { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
  dns: { source: "route53", hostedZoneId: ZONE },
};

/**
 * The prod stack's grafana block on the NGINX base, with some keys replaced (undefined removes
 * one): independent of which example Pulumi.prod.yaml shows.
 */
function grafanaWith(overrides: Record<string, unknown>): Record<string, unknown> {
  const raw = readStackFile("prod").config[`${PROJECT}:grafana`];
  const block: Record<string, unknown> = {
    ...(JSON.parse(raw ?? "{}") as Record<string, unknown>),
    ...NGINX,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete block[k];
    else block[k] = v;
  }
  return block;
}

/** The problems of the prod stack with its grafana block changed (and `aws:region`, optionally). */
function problems(overrides: Record<string, unknown>, region?: string): string[] {
  const file = readStackFile("prod");
  file.config[`${PROJECT}:grafana`] = JSON.stringify(grafanaWith(overrides));
  if (region !== undefined) file.config["aws:region"] = region;
  return configProblems(file.config, file.secretKeys);
}

const ALB = { ingressClassName: "alb", tls: { source: "acm", certificateArn: ARN } };

describe("grafana endpoint config", () => {
  it("accepts each certificate source with each DNS source", () => {
    for (const tls of [
      { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
      { source: "secret", secretName: "grafana-wildcard", privateCa: true },
    ])
      for (const dns of [{ source: "external-dns" }, { source: "route53", hostedZoneId: ZONE }])
        expect(problems({ tls, dns }), JSON.stringify({ tls, dns })).toEqual([]);
    expect(
      problems({ ...ALB, albScheme: "internal", dns: { source: "route53", hostedZoneId: ZONE } }),
    ).toEqual([]);
  });

  it("makes a hostname without a certificate or DNS choice a config error naming the key", () => {
    expect(problems({ tls: undefined })).toEqual([
      expect.stringMatching(/^observability:grafana\.tls: required with grafana\.hostname/),
    ]);
    expect(problems({ dns: undefined })).toEqual([
      expect.stringMatching(/^observability:grafana\.dns: required with grafana\.hostname/),
    ]);
    expect(problems({ tls: { source: "cert-manager" } })).toEqual([
      expect.stringMatching(/^observability:grafana\.tls\.clusterIssuer: required with source cert-manager/),
    ]);
    expect(problems({ dns: { source: "route53" } })).toEqual([
      expect.stringMatching(/^observability:grafana\.dns\.hostedZoneId: required with source route53/),
    ]);
    // Without a hostname the choices mean nothing: refused rather than ignored.
    expect(problems({ hostname: undefined })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^observability:grafana\.tls: only used with grafana\.hostname/),
        expect.stringMatching(/^observability:grafana\.dns: only used with grafana\.hostname/),
      ]),
    );
  });

  it("rejects hostile values of every new key, naming it", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      // Certificate ARNs of the wrong shape, service, partition.
      [
        { ...ALB, tls: { source: "acm", certificateArn: "0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f" } },
        /tls\.certificateArn: expected an ACM certificate ARN/,
      ],
      [
        { ...ALB, tls: { source: "acm", certificateArn: ARN.replace(":acm:", ":iam:") } },
        /tls\.certificateArn: expected an ACM/,
      ],
      [{ ...ALB, tls: { source: "acm", certificateArn: `${ARN} ` } }, /tls\.certificateArn: expected an ACM/],
      [
        { ...ALB, tls: { source: "acm", certificateArn: ARN.replace("222222222222", "12345") } },
        /tls\.certificateArn: expected an ACM/,
      ],
      [
        {
          ...ALB,
          tls: {
            source: "acm",
            certificateArn: ARN.replace("arn:aws:acm:us-east-1", "arn:aws:acm:cn-north-1"),
          },
        },
        /tls\.certificateArn: expected the partition/,
      ],
      // Zone ids that are not one.
      [
        { dns: { source: "route53", hostedZoneId: `/hostedzone/${ZONE}` } },
        /dns\.hostedZoneId: expected a Route53 hosted zone id/,
      ],
      [
        { dns: { source: "route53", hostedZoneId: "acme.example.com" } },
        /dns\.hostedZoneId: expected a Route53 hosted zone id/,
      ],
      [
        { dns: { source: "route53", hostedZoneId: "z04example" } },
        /dns\.hostedZoneId: expected a Route53 hosted zone id/,
      ],
      [
        { dns: { source: "external-dns", hostedZoneId: ZONE } },
        /dns\.hostedZoneId: only used with source route53/,
      ],
      // Issuer and Secret names that are not Kubernetes names.
      [{ tls: { source: "cert-manager", clusterIssuer: "lets encrypt" } }, /tls\.clusterIssuer/],
      [{ tls: { source: "cert-manager", clusterIssuer: "LetsEncrypt" } }, /tls\.clusterIssuer/],
      [{ tls: { source: "secret", secretName: "../grafana-tls" } }, /tls\.secretName/],
      // Sources and keys that do not exist, or belong to another source.
      [{ tls: { source: "letsencrypt" } }, /tls\.source/],
      [{ dns: { source: "cloudflare" } }, /dns\.source/],
      [
        { tls: { source: "cert-manager", clusterIssuer: "x", issuer: "y" } },
        /tls\.issuer: unknown key|tls: unknown key/,
      ],
      [
        { tls: { source: "cert-manager", clusterIssuer: "x", secretName: "y" } },
        /tls\.secretName: only used with source secret/,
      ],
      [{ tls: { source: "cert-manager", clusterIssuer: "x", privateCa: "yes" } }, /tls\.privateCa/],
      // Combinations no ingress controller can serve.
      [
        { tls: { source: "acm", certificateArn: ARN } },
        /tls\.source: acm certificates are served by the AWS Load Balancer Controller/,
      ],
      [{ ingressClassName: "alb" }, /tls\.source: ingressClassName alb .* ACM certificates only/],
      [
        { ...ALB, tls: { source: "acm", certificateArn: ARN, privateCa: true } },
        /tls\.privateCa: only with source cert-manager or secret/,
      ],
      [{ albScheme: "internal" }, /albScheme: only the AWS Load Balancer Controller/],
      [{ ...ALB, albScheme: "public" }, /albScheme/],
    ];
    for (const [overrides, message] of cases) {
      const found = problems(overrides);
      expect(found.length, JSON.stringify(overrides)).toBeGreaterThan(0);
      expect(found.join("\n"), JSON.stringify(overrides)).toMatch(message);
      for (const p of found) expect(p).toMatch(/^observability:grafana\./);
    }
  });

  it("rejects an ACM certificate of another region than the stack's aws:region", () => {
    // The prod example's database subnets are in us-east-1 too: only the certificate is asserted here.
    const tls = (found: string[]) => found.filter((p) => p.startsWith("observability:grafana.tls"));
    expect(tls(problems({ ...ALB, dns: { source: "external-dns" } }, "eu-west-1"))).toEqual([
      expect.stringMatching(
        /^observability:grafana\.tls\.certificateArn: the certificate is in us-east-1 but the stack's aws:region is eu-west-1/,
      ),
    ]);
    expect(problems({ ...ALB, dns: { source: "external-dns" } }, "us-east-1")).toEqual([]);
  });
});

describe("grafana endpoint generator", () => {
  it("reads the Ingress's load-balancer address as an alias where AWS has one, else a CNAME or A record", () => {
    expect(loadBalancerTarget([{ hostname: "k8s-grafana-0123.us-west-2.elb.amazonaws.com" }])).toEqual({
      kind: "alias",
      dnsName: "k8s-grafana-0123.us-west-2.elb.amazonaws.com",
      region: "us-west-2",
      loadBalancerType: "application",
    });
    expect(loadBalancerTarget([{ hostname: "a1b2-0123.elb.eu-central-1.amazonaws.com" }])).toMatchObject({
      kind: "alias",
      region: "eu-central-1",
      loadBalancerType: "network",
    });
    expect(loadBalancerTarget([{ hostname: "lb.example.net" }])).toEqual({
      kind: "cname",
      dnsName: "lb.example.net",
    });
    expect(loadBalancerTarget([{ ip: "203.0.113.7" }])).toEqual({ kind: "a", ip: "203.0.113.7" });
    expect(() => loadBalancerTarget([])).toThrow(/no load-balancer address .* ingress controller/);
    const config = stackConfig("prod");
    expect(route53Record(config, { kind: "cname", dnsName: "lb.example.net" })).toEqual({
      zoneId: ZONE,
      name: HOST,
      allowOverwrite: false,
      type: "CNAME",
      ttl: 60,
      records: ["lb.example.net"],
    });
    expect(() =>
      route53Record(config, {
        kind: "alias",
        dnsName: "x.elb.us-east-1.amazonaws.com",
        region: "us-east-1",
        loadBalancerType: "network",
      }),
    ).toThrow(/hosted zone/);
  });

  it("annotates the ALB's Ingress with its certificate, listeners and redirect, and external-dns's with the host", () => {
    const config = stackConfig("prod", { grafana: grafanaWith({ ...ALB, dns: { source: "external-dns" } }) });
    const ingress = grafanaIngress(config);
    expect(ingress?.spec.ingressClassName).toBe("alb");
    expect(ingress?.spec).not.toHaveProperty("tls");
    expect(ingress?.metadata.annotations).toEqual({
      "alb.ingress.kubernetes.io/scheme": "internet-facing",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": ARN,
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      "alb.ingress.kubernetes.io/healthcheck-path": "/api/health",
      "external-dns.kubernetes.io/hostname": HOST,
      "external-dns.alpha.kubernetes.io/hostname": HOST,
    });
    expect(
      JSON.parse(ingress?.metadata.annotations?.["alb.ingress.kubernetes.io/listen-ports"] ?? ""),
    ).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
  });

  it("lists what the certificate and DNS choices need, with how to check each", () => {
    expect(endpointPrerequisites(stackConfig("dev", { grafana: grafanaWithoutHostname("dev") }))).toEqual([]);
    expect(endpointPrerequisites(stackConfig("prod")).map((p) => p.id)).toEqual([
      "aws-load-balancer-controller",
      "acm-certificate",
      "route53-hosted-zone",
    ]);
    const prod = endpointPrerequisites(stackConfig("prod", { grafana: grafanaWith({}) }));
    expect(prod.map((p) => p.id)).toEqual([
      "grafana-ingress-class",
      "cert-manager-cluster-issuer",
      "route53-hosted-zone",
    ]);
    expect(prod.find((p) => p.id === "cert-manager-cluster-issuer")).toMatchObject({
      configKeys: ["grafana.tls.source", "grafana.tls.clusterIssuer"],
      lookup: {
        kind: "kubernetes",
        apiVersion: "cert-manager.io/v1",
        resource: "ClusterIssuer",
        name: "letsencrypt-prod",
      },
    });
    const alb = endpointPrerequisites(
      stackConfig("prod", { grafana: grafanaWith({ ...ALB, dns: { source: "external-dns" } }) }),
    );
    expect(alb.map((p) => p.id)).toEqual(["aws-load-balancer-controller", "acm-certificate", "external-dns"]);
    const secret = endpointPrerequisites(
      stackConfig("prod", { grafana: grafanaWith({ tls: { source: "secret", secretName: "wild" } }) }),
    );
    // Listed, not looked up: it lives in Grafana's namespace, which the first `pulumi up` creates.
    expect(secret.find((p) => p.id === "grafana-tls-secret")).toMatchObject({
      configKeys: ["grafana.tls.source", "grafana.tls.secretName"],
    });
    expect(secret.find((p) => p.id === "grafana-tls-secret")?.lookup).toBeUndefined();
    for (const p of [...prod, ...alb, ...secret]) {
      expect(p.what.length, p.id).toBeGreaterThan(0);
      expect(p.why.length, p.id).toBeGreaterThan(0);
      expect(p.howToCheck, p.id).toMatch(/^`(kubectl|aws) /);
      for (const key of p.configKeys) expect(key, p.id).toMatch(/^grafana\.[a-zA-Z.]+$/);
    }
  });
});

/** Everything a resource waits for, through its dependencies, transitively. */
function waitsFor(result: RenderResult, r: RecordedResource): Set<string> {
  const byUrn = new Map(result.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const todo = [...(r.dependencies ?? [])];
  while (todo.length > 0) {
    const urn = todo.pop() as string;
    if (seen.has(urn)) continue;
    seen.add(urn);
    todo.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

describe("Grafana provider waits for its endpoint (Pulumi mocks)", () => {
  it("prod (ACM on an ALB, Route53 alias): the provider and every Grafana resource wait for the Ingress, record and check", () => {
    const result = rendered("prod");
    expect(result.resources.filter((r) => r.type === T.certificate)).toEqual([]);
    const ingress = one(result, T.ingress, "grafana-ingress");
    expect(ingress.inputs.spec).toMatchObject({ ingressClassName: "alb" });
    expect(ingress.inputs.metadata).toMatchObject({
      annotations: {
        "alb.ingress.kubernetes.io/certificate-arn": expect.stringMatching(/^arn:aws:acm:us-east-1:/),
      },
    });
    const record = one(result, T.record, "grafana-dns");
    expect(record.inputs).toMatchObject({
      zoneId: ZONE,
      name: HOST,
      type: "A",
      aliases: [{ name: expect.stringMatching(/\.us-east-1\.elb\.amazonaws\.com$/), zoneId: "ZMOCKALBZONE" }],
    });
    const check = one(result, T.check, "grafana-endpoint-check");
    const provider = one(result, T.provider, "grafana-provider");
    for (const needed of [ingress, record, check])
      expect(provider.dependencies, needed.name).toContain(needed.urn);
    // The check runs after what it checks; the record is made from the Ingress's address.
    expect(check.dependencies).toEqual(expect.arrayContaining([ingress.urn, record.urn]));
    expect(waitsFor(result, record)).toContain(ingress.urn);
    const grafanaResources = result.resources.filter((r) => r.type.startsWith("grafana:"));
    expect(grafanaResources.length).toBeGreaterThan(20);
    for (const r of grafanaResources)
      expect(r.dependencies, r.name).toEqual(expect.arrayContaining([ingress.urn, record.urn, check.urn]));
  });

  it("without a hostname: no Ingress, the provider uses the in-cluster Service after the check", async () => {
    const result = await render("dev", { grafana: grafanaWithoutHostname("dev") });
    expect(result.resources.filter((r) => [T.ingress, T.certificate, T.record].includes(r.type))).toEqual([]);
    const provider = one(result, T.provider, "grafana-provider");
    expect(provider.inputs.url).toBe("http://grafana.grafana.svc.cluster.local");
    const check = one(result, T.check, "grafana-endpoint-check");
    expect(check.inputs).toMatchObject({ url: provider.inputs.url, dnsFailureIsFinal: true });
    expect(provider.dependencies).toContain(check.urn);
  });

  describe("cert-manager on nginx with a Route53 alias", () => {
    let result: RenderResult;
    beforeAll(async () => {
      result = await render("prod", { grafana: grafanaWith({}) });
    });

    it("awaits the Certificate until Ready; the provider and every Grafana resource wait for it and the record", () => {
      const ingress = one(result, T.ingress, "grafana-ingress");
      expect(ingress.inputs.spec).toMatchObject({ tls: [{ hosts: [HOST], secretName: "grafana-tls" }] });
      const certificate = one(result, T.certificate, "grafana-certificate");
      expect(certificate.inputs).toMatchObject({
        metadata: { annotations: { "pulumi.com/waitFor": "condition=Ready" } },
        spec: {
          secretName: "grafana-tls",
          dnsNames: [HOST],
          issuerRef: { kind: "ClusterIssuer", name: "letsencrypt-prod" },
        },
      });
      // ingress-nginx behind an NLB: the alias takes the NLB's hosted zone.
      const record = one(result, T.record, "grafana-dns");
      expect(record.inputs).toMatchObject({ aliases: [{ zoneId: "ZMOCKNLBZONE" }] });
      const check = one(result, T.check, "grafana-endpoint-check");
      const provider = one(result, T.provider, "grafana-provider");
      for (const needed of [ingress, certificate, record, check])
        expect(provider.dependencies, needed.name).toContain(needed.urn);
      expect(check.dependencies).toEqual(expect.arrayContaining([certificate.urn, record.urn]));
      for (const r of result.resources.filter((x) => x.type.startsWith("grafana:")))
        expect(r.dependencies, r.name).toEqual(
          expect.arrayContaining([certificate.urn, record.urn, check.urn]),
        );
    });
  });

  describe("a private CA behind external-dns", () => {
    let result: RenderResult;
    beforeAll(async () => {
      result = await render("prod", {
        grafana: grafanaWith({
          tls: { source: "cert-manager", clusterIssuer: "internal-ca", privateCa: true },
          dns: { source: "external-dns" },
        }),
      });
    });

    it("trusts the Secret's ca.crt in the provider and the check, and makes no record", () => {
      // (Kibana's endpoint, prod's Route53 alias, is its own.)
      expect(result.resources.filter((r) => r.type === T.record && r.name.startsWith("grafana"))).toEqual([]);
      const ingress = one(result, T.ingress, "grafana-ingress");
      expect(ingress.inputs.metadata).toMatchObject({
        annotations: { "external-dns.kubernetes.io/hostname": HOST },
      });
      const provider = one(result, T.provider, "grafana-provider");
      const check = one(result, T.check, "grafana-endpoint-check");
      expect(provider.inputs.caCert).toMatch(/BEGIN CERTIFICATE/);
      expect(check.inputs.caCert).toBe(provider.inputs.caCert);
      const certificate = one(result, T.certificate, "grafana-certificate");
      expect(provider.dependencies).toContain(certificate.urn);
    });
  });
});
