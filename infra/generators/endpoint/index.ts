import { ALB_INGRESS_CLASS, type EndpointKeys } from "../../config/endpoint";
import type { Prerequisite, PrerequisiteLookup } from "../prerequisites/catalog";
import { ref } from "../refs";

/**
 * A public HTTPS endpoint served by an Ingress the program creates (Grafana's, Kibana's): the
 * validated choices of infra/config/endpoint.ts as one plan, and from it the Ingress, the
 * cert-manager Certificate, the Route53 record and the prerequisites. Each owner names its
 * objects, its backend and its keys; everything else is the same for all of them.
 */

/**
 * external-dns reads `external-dns.kubernetes.io/` from v0.22 and `external-dns.alpha.kubernetes.io/`
 * before: both are set, so that either generation finds the hostname.
 */
export const EXTERNAL_DNS_PREFIXES = ["external-dns.kubernetes.io/", "external-dns.alpha.kubernetes.io/"];
/** Record TTL when no alias is possible (a load balancer that is not an AWS ELB). */
export const RECORD_TTL_SECONDS = 60;
/** The controllers as their IngressClass's `spec.controller` names them. */
export const INGRESS_CONTROLLERS = {
  alb: "ingress.k8s.aws/alb",
  nginx: "k8s.io/ingress-nginx",
} as const;

export type TlsPlan =
  | { source: "cert-manager"; clusterIssuer: string; secretName: string; privateCa: boolean }
  | { source: "acm"; certificateArn: string }
  | { source: "secret"; secretName: string; privateCa: boolean };
export type DnsPlan = { source: "external-dns" } | { source: "route53"; hostedZoneId: string };
export interface PublicEndpointPlan {
  public: true;
  url: string;
  host: string;
  ingressClassName: string;
  albScheme: "internet-facing" | "internal" | undefined;
  tls: TlsPlan;
  dns: DnsPlan;
}

/** Who owns an endpoint: the keys it is configured under and what it names its objects. */
export interface EndpointSite {
  /** Prefix of errors, e.g. `grafana`. */
  what: string;
  /** The owner's keys under `observability:`, e.g. `grafana` or `logging.kibana.endpoint`. */
  key: string;
  /** The Secret cert-manager writes the certificate into. */
  certManagerSecret: string;
}

/** What the Ingress routes to. */
export interface Backend {
  service: { name: string; port: number };
  /** The backend speaks HTTPS (ECK's self-signed certificate): each controller must be told. */
  https: boolean;
  /** A path that answers 200 without authentication, for the ALB's target health check. */
  healthPath: string;
  /**
   * The largest request body the backend itself accepts, as ingress-nginx's `proxy-body-size`
   * (nginx's `client_max_body_size`, `1m` unless set): without it ingress-nginx refuses a larger
   * body with 413 before the backend sees it. The ALB sets no limit on a body to IP targets.
   */
  maxRequestBody?: string;
}

/** The schema guarantees these; a missing one here is a wiring bug, not a config problem. */
const need = <T>(value: T | undefined, what: string, key: string, under: string): T => {
  if (value === undefined) throw new Error(`${what}: ${key} is required with ${under}.hostname`);
  return value;
};

/** The validated choices as one plan, or undefined without a hostname. */
export function publicEndpointPlan(keys: EndpointKeys, site: EndpointSite): PublicEndpointPlan | undefined {
  if (keys.hostname === undefined) return undefined;
  const k = (name: string) => `${site.key}.${name}`;
  const tls = need(keys.tls, site.what, k("tls"), site.key);
  const dns = need(keys.dns, site.what, k("dns"), site.key);
  const privateCa = tls.privateCa ?? false;
  return {
    public: true,
    url: `https://${keys.hostname}`,
    host: keys.hostname,
    ingressClassName: keys.ingressClassName,
    albScheme:
      keys.ingressClassName === ALB_INGRESS_CLASS ? (keys.albScheme ?? "internet-facing") : undefined,
    tls:
      tls.source === "cert-manager"
        ? {
            source: "cert-manager",
            clusterIssuer: need(tls.clusterIssuer, site.what, k("tls.clusterIssuer"), site.key),
            secretName: site.certManagerSecret,
            privateCa,
          }
        : tls.source === "acm"
          ? {
              source: "acm",
              certificateArn: need(tls.certificateArn, site.what, k("tls.certificateArn"), site.key),
            }
          : {
              source: "secret",
              secretName: need(tls.secretName, site.what, k("tls.secretName"), site.key),
              privateCa,
            },
    dns:
      dns.source === "route53"
        ? {
            source: "route53",
            hostedZoneId: need(dns.hostedZoneId, site.what, k("dns.hostedZoneId"), site.key),
          }
        : { source: "external-dns" },
  };
}

/**
 * The Ingress's annotations: the ALB's settings, the backend's protocol where it is HTTPS (each
 * controller has its own annotation; neither verifies the backend's certificate), ingress-nginx's
 * request body limit where the backend takes larger bodies, external-dns's hostname.
 */
export function ingressAnnotations(plan: PublicEndpointPlan, backend: Backend): Record<string, string> {
  const out: Record<string, string> = {};
  if (plan.tls.source === "acm") {
    Object.assign(out, {
      "alb.ingress.kubernetes.io/scheme": plan.albScheme ?? "internet-facing",
      // Pod IPs as targets: the backend Service is a ClusterIP, which `instance` mode cannot use.
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": plan.tls.certificateArn,
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      ...(backend.https
        ? {
            // The target group and its health check speak HTTPS to the pods (both default to HTTP).
            "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
            "alb.ingress.kubernetes.io/healthcheck-protocol": "HTTPS",
          }
        : {}),
      // The default check (`/`) may redirect to a login page, which the target group counts as unhealthy.
      "alb.ingress.kubernetes.io/healthcheck-path": backend.healthPath,
    });
  } else {
    // ingress-nginx: proxy to the pods over TLS (`proxy-ssl-verify` stays off, its default).
    if (backend.https) out["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS";
    if (backend.maxRequestBody) out["nginx.ingress.kubernetes.io/proxy-body-size"] = backend.maxRequestBody;
  }
  if (plan.dns.source === "external-dns")
    for (const prefix of EXTERNAL_DNS_PREFIXES) out[`${prefix}hostname`] = plan.host;
  return out;
}

/** The Ingress of an endpoint. `namespace` is a reference (the owner's Namespace). */
export function ingressResource(
  plan: PublicEndpointPlan,
  args: { name: string; labels: Record<string, string>; backend: Backend },
) {
  const annotations = ingressAnnotations(plan, args.backend);
  return {
    metadata: {
      name: args.name,
      namespace: ref("namespace"),
      labels: args.labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      ingressClassName: plan.ingressClassName,
      // The ALB takes its certificate from the annotation; a tls block would only add discovery.
      ...(plan.tls.source === "acm"
        ? {}
        : { tls: [{ hosts: [plan.host], secretName: plan.tls.secretName }] }),
      rules: [
        {
          host: plan.host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: {
                  service: { name: args.backend.service.name, port: { number: args.backend.service.port } },
                },
              },
            ],
          },
        },
      ],
    },
  };
}

/**
 * With cert-manager: the Certificate, created by the program rather than by ingress-shim from an
 * annotation, so that `pulumi up` awaits it until Ready. Undefined for the other sources.
 */
export function certificateResource(
  plan: PublicEndpointPlan | undefined,
  args: { name: string; labels: Record<string, string> },
) {
  if (plan?.tls.source !== "cert-manager") return undefined;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: {
      name: args.name,
      namespace: ref("namespace"),
      labels: args.labels,
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    },
    spec: {
      secretName: plan.tls.secretName,
      dnsNames: [plan.host],
      issuerRef: { name: plan.tls.clusterIssuer, kind: "ClusterIssuer", group: "cert-manager.io" },
    },
  };
}

/** Where the Route53 record points: an alias to an AWS load balancer, else a CNAME or an A record. */
export type LoadBalancerTarget =
  | { kind: "alias"; dnsName: string; region: string; loadBalancerType: "application" | "network" }
  | { kind: "cname"; dnsName: string }
  | { kind: "a"; ip: string };

const REGION = "([a-z]{2}(?:-[a-z]+)+-\\d)";
/** ALB and Classic ELB names: `<name>.<region>.elb.amazonaws.com` (one hosted-zone table for both). */
const ALB_HOST = new RegExp(`\\.${REGION}\\.elb\\.amazonaws\\.com(?:\\.cn)?$`);
/** NLB names: `<name>.elb.<region>.amazonaws.com`. */
const NLB_HOST = new RegExp(`\\.elb\\.${REGION}\\.amazonaws\\.com(?:\\.cn)?$`);

/** The first address of an Ingress's `status.loadBalancer.ingress`, read as a record target. */
export function loadBalancerTarget(
  entries: readonly { hostname?: string; ip?: string }[] | undefined,
  what = "endpoint",
): LoadBalancerTarget {
  const first = entries?.[0];
  if (first?.hostname) {
    const host = first.hostname.toLowerCase().replace(/\.$/, "");
    const nlb = NLB_HOST.exec(host);
    if (nlb) return { kind: "alias", dnsName: host, region: nlb[1]!, loadBalancerType: "network" };
    const alb = ALB_HOST.exec(host);
    if (alb) return { kind: "alias", dnsName: host, region: alb[1]!, loadBalancerType: "application" };
    return { kind: "cname", dnsName: host };
  }
  if (first?.ip) return { kind: "a", ip: first.ip };
  throw new Error(
    `${what}: the Ingress has no load-balancer address (status.loadBalancer.ingress is empty): check that its ingress controller runs and admits it`,
  );
}

/**
 * The Route53 record of the hostname for a load-balancer target; `aliasZoneId` is the ELB's
 * canonical hosted zone of that region and type (from aws.lb.getHostedZoneId). An existing record
 * is never taken over (`allowOverwrite: false`): Route53 refuses, naming it.
 */
export function route53RecordOf(
  plan: PublicEndpointPlan | undefined,
  target: LoadBalancerTarget,
  aliasZoneId: string | undefined,
  what: string,
) {
  if (plan?.dns.source !== "route53") throw new Error(`${what}: no Route53 record configured`);
  const base = { zoneId: plan.dns.hostedZoneId, name: plan.host, allowOverwrite: false };
  if (target.kind === "alias") {
    if (aliasZoneId === undefined) throw new Error(`${what}: an alias record needs the ELB's hosted zone`);
    return {
      ...base,
      type: "A",
      aliases: [{ name: target.dnsName, zoneId: aliasZoneId, evaluateTargetHealth: true }],
    };
  }
  return target.kind === "cname"
    ? { ...base, type: "CNAME", ttl: RECORD_TTL_SECONDS, records: [target.dnsName] }
    : { ...base, type: "A", ttl: RECORD_TTL_SECONDS, records: [target.ip] };
}

/** How an owner's prerequisites are worded and identified. */
export interface PrerequisiteSite {
  /** What is served, e.g. `Grafana`. */
  what: string;
  /** The owner's keys under `observability:`, e.g. `grafana`. */
  key: string;
  /** The owner's namespace (where a provided TLS Secret must be). */
  namespace: string;
  /** The id of one of the owner's own prerequisites (shared add-ons keep one id for all owners). */
  idOf: (
    name:
      | "ingress-class"
      | "cert-manager-cluster-issuer"
      | "acm-certificate"
      | "tls-secret"
      | "route53-hosted-zone",
  ) => string;
  /** The Ingress's (and Certificate's) name. */
  resourceName: string;
  /** The controller a class other than `alb` must run, when the backend needs its annotations. */
  controller?: string;
  /** The AWS Load Balancer Controller's part, for its `why`. */
  albWhy: string;
  /** The zone the record goes in, e.g. `Route53 public hosted zone`, and what its check must also print. */
  zone: { what: string; checkNote: string };
  /** By when a provided TLS Secret must exist. */
  secretDeadline: string;
}

/**
 * What an endpoint needs before `pulumi up`: the ingress controller, the certificate's source,
 * the DNS record's maker. Shared add-ons (the AWS Load Balancer Controller, external-dns) keep one
 * id for every owner, so the stack's list names each once.
 */
export function endpointPrerequisitesOf(
  plan: PublicEndpointPlan | undefined,
  site: PrerequisiteSite,
): Prerequisite[] {
  if (!plan) return [];
  const out: Prerequisite[] = [];
  const ns = site.namespace;
  const k = (name: string) => `${site.key}.${name}`;
  const ingressClass = (name: string, controller?: string): PrerequisiteLookup => ({
    kind: "kubernetes",
    apiVersion: "networking.k8s.io/v1",
    resource: "IngressClass",
    name,
    ...(controller ? { controller } : {}),
  });
  out.push(
    plan.ingressClassName === ALB_INGRESS_CLASS
      ? {
          id: "aws-load-balancer-controller",
          what: `AWS Load Balancer Controller, with its IngressClass ${ALB_INGRESS_CLASS}`,
          why: site.albWhy,
          configKeys: [k("ingressClassName"), k("tls.source")],
          howToCheck: `\`kubectl get ingressclass ${ALB_INGRESS_CLASS} -o jsonpath='{.spec.controller}'\` prints ${INGRESS_CONTROLLERS.alb}`,
          lookup: ingressClass(ALB_INGRESS_CLASS, INGRESS_CONTROLLERS.alb),
        }
      : {
          id: site.idOf("ingress-class"),
          what: site.controller
            ? `ingress-nginx serving IngressClass ${plan.ingressClassName}`
            : `an ingress controller serving IngressClass ${plan.ingressClassName}`,
          why: `serves ${site.what}'s Ingress for ${plan.host} with its TLS Secret, behind a load balancer that publishes its address in the Ingress's status${site.controller ? `; ${site.what}'s backend speaks HTTPS, which only ingress-nginx's annotation tells it` : ""}`,
          configKeys: [k("ingressClassName")],
          howToCheck: site.controller
            ? `\`kubectl get ingressclass ${plan.ingressClassName} -o jsonpath='{.spec.controller}'\` prints ${site.controller}`
            : `\`kubectl get ingressclass ${plan.ingressClassName} -o jsonpath='{.spec.controller}'\`, then that controller's pods`,
          lookup: ingressClass(plan.ingressClassName, site.controller),
        },
  );
  if (plan.tls.source === "cert-manager")
    out.push({
      id: site.idOf("cert-manager-cluster-issuer"),
      what: `cert-manager with ClusterIssuer ${plan.tls.clusterIssuer}`,
      why: `issues ${site.what}'s certificate for ${plan.host} (Certificate ${ns}/${site.resourceName}, which pulumi up awaits until Ready)`,
      configKeys: [k("tls.source"), k("tls.clusterIssuer")],
      howToCheck: `\`kubectl get clusterissuer ${plan.tls.clusterIssuer} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'\` prints True`,
      lookup: {
        kind: "kubernetes",
        apiVersion: "cert-manager.io/v1",
        resource: "ClusterIssuer",
        name: plan.tls.clusterIssuer,
      },
    });
  if (plan.tls.source === "acm")
    out.push({
      id: site.idOf("acm-certificate"),
      what: `ACM certificate ${plan.tls.certificateArn}`,
      why: `the ALB serves it for ${plan.host}: it must be issued, cover the name, and be in the ALB's region`,
      configKeys: [k("tls.certificateArn")],
      howToCheck: `\`aws acm describe-certificate --certificate-arn ${plan.tls.certificateArn} --query 'Certificate.[Status,SubjectAlternativeNames]'\` prints ISSUED, with ${plan.host} or a wildcard covering it`,
    });
  if (plan.tls.source === "secret")
    out.push({
      id: site.idOf("tls-secret"),
      what: `TLS Secret ${ns}/${plan.tls.secretName}`,
      why: `the ingress controller serves it for ${plan.host}; something other than this program provides it, by ${site.secretDeadline} at the latest`,
      configKeys: [k("tls.source"), k("tls.secretName")],
      howToCheck: `\`kubectl -n ${ns} get secret ${plan.tls.secretName} -o jsonpath='{.type}'\` prints kubernetes.io/tls`,
      // Not looked up: it lives in the owner's namespace, which the first `pulumi up` creates.
    });
  out.push(
    plan.dns.source === "route53"
      ? {
          id: site.idOf("route53-hosted-zone"),
          what: `${site.zone.what} ${plan.dns.hostedZoneId}`,
          why: `the program creates the record of ${plan.host} in it; the parent domain must delegate to its name servers`,
          configKeys: [k("dns.source"), k("dns.hostedZoneId")],
          howToCheck: `\`aws route53 get-hosted-zone --id ${plan.dns.hostedZoneId} --query 'HostedZone.[Name,Config.PrivateZone]'\` prints a name that ${plan.host} ends with${site.zone.checkNote}`,
        }
      : {
          id: "external-dns",
          what: "external-dns, watching Ingresses",
          why: `creates the DNS record of ${plan.host} from the hostname annotation of ${site.what}'s Ingress`,
          configKeys: [k("dns.source")],
          howToCheck: `\`kubectl get deployments -A -l app.kubernetes.io/name=external-dns\`, and in its arguments \`--source=ingress\` and a \`--domain-filter\` covering ${plan.host}`,
        },
  );
  return out;
}
