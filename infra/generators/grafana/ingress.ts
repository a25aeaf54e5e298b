import type { Prerequisite, PrerequisiteLookup } from "../prerequisites/catalog";
import type { StackConfig } from "../../config";
import { ALB_INGRESS_CLASS } from "../../config/grafana-endpoint";
import { managedLabels } from "../labels";
import { ref } from "../refs";
import { GRAFANA_RELEASE, grafanaUrl } from "./release";

/**
 * Grafana's endpoint: what makes the URL the Pulumi provider calls valid in the same `pulumi up`.
 * With `grafana.hostname`: an Ingress the program creates itself (the chart's is off, so that
 * Pulumi waits for its load-balancer address and can make the DNS record from it), the certificate
 * (a cert-manager Certificate awaited until Ready, an ACM certificate on the ALB, or a Secret
 * provided by others), the DNS record (Route53, or external-dns from an annotation), and a check
 * that the URL answers with a certificate the provider trusts. Without it: the in-cluster Service.
 */

type Config = Pick<StackConfig, "grafana" | "environment">;

/** The chart's Service (`grafana.fullname` is the release name; `service.port` defaults to 80). */
export const GRAFANA_SERVICE = { name: GRAFANA_RELEASE, port: 80 } as const;
/** The Ingress and, with cert-manager, the Certificate: named like the chart's own Ingress. */
export const GRAFANA_INGRESS = GRAFANA_RELEASE;
/** The TLS Secret cert-manager writes for the Ingress. */
export const CERT_MANAGER_SECRET = "grafana-tls";
/** Grafana's unauthenticated health endpoint: 200 with `"database": "ok"` once it serves. */
export const HEALTH_PATH = "/api/health";
/**
 * external-dns reads `external-dns.kubernetes.io/` from v0.22 and `external-dns.alpha.kubernetes.io/`
 * before: both are set, so that either generation finds the hostname.
 */
export const EXTERNAL_DNS_PREFIXES = ["external-dns.kubernetes.io/", "external-dns.alpha.kubernetes.io/"];
/** Record TTL when no alias is possible (a load balancer that is not an AWS ELB). */
export const RECORD_TTL_SECONDS = 60;

/**
 * The Grafana provider's own retries (`retries`, `retryWait` in seconds): for a blip such as a 502
 * while a pod restarts or a 429, which its `retry_status_codes` cover (429 and 5xx by default).
 * They are HTTP status codes: a name that does not resolve or a certificate that is not trusted
 * has no status, and does not heal in seconds anyway. The endpoint check waits for those, and says
 * which one failed.
 */
export const GRAFANA_PROVIDER_RETRY = { retries: 6, retryWait: 5 } as const;

export type TlsPlan =
  | { source: "cert-manager"; clusterIssuer: string; secretName: string; privateCa: boolean }
  | { source: "acm"; certificateArn: string }
  | { source: "secret"; secretName: string; privateCa: boolean };
export type DnsPlan = { source: "external-dns" } | { source: "route53"; hostedZoneId: string };
export type EndpointPlan =
  | { public: false; url: string; host: string }
  | {
      public: true;
      url: string;
      host: string;
      ingressClassName: string;
      albScheme: "internet-facing" | "internal" | undefined;
      tls: TlsPlan;
      dns: DnsPlan;
    };

/** The schema guarantees these; a missing one here is a wiring bug, not a config problem. */
const need = <T>(value: T | undefined, key: string): T => {
  if (value === undefined) throw new Error(`grafana: ${key} is required with grafana.hostname`);
  return value;
};

/** The validated choices, one shape per source. */
export function endpointPlan(config: Pick<StackConfig, "grafana">): EndpointPlan {
  const g = config.grafana;
  const url = grafanaUrl(config);
  const host = new URL(url).hostname;
  if (g.hostname === undefined) return { public: false, url, host };
  const tls = need(g.tls, "grafana.tls");
  const dns = need(g.dns, "grafana.dns");
  return {
    public: true,
    url,
    host,
    ingressClassName: g.ingressClassName,
    albScheme: g.ingressClassName === ALB_INGRESS_CLASS ? (g.albScheme ?? "internet-facing") : undefined,
    tls:
      tls.source === "cert-manager"
        ? {
            source: "cert-manager",
            clusterIssuer: need(tls.clusterIssuer, "grafana.tls.clusterIssuer"),
            secretName: CERT_MANAGER_SECRET,
            privateCa: tls.privateCa,
          }
        : tls.source === "acm"
          ? { source: "acm", certificateArn: need(tls.certificateArn, "grafana.tls.certificateArn") }
          : {
              source: "secret",
              secretName: need(tls.secretName, "grafana.tls.secretName"),
              privateCa: tls.privateCa,
            },
    dns:
      dns.source === "route53"
        ? { source: "route53", hostedZoneId: need(dns.hostedZoneId, "grafana.dns.hostedZoneId") }
        : { source: "external-dns" },
  };
}

const labels = (config: Pick<StackConfig, "environment">) => ({
  ...managedLabels(),
  environment: config.environment,
});

/** The Ingress's annotations: the ALB's settings, external-dns's hostname. */
export function ingressAnnotations(plan: Extract<EndpointPlan, { public: true }>): Record<string, string> {
  const out: Record<string, string> = {};
  if (plan.tls.source === "acm") {
    Object.assign(out, {
      "alb.ingress.kubernetes.io/scheme": plan.albScheme ?? "internet-facing",
      // Pod IPs as targets: the chart's Service is a ClusterIP, which `instance` mode cannot use.
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": plan.tls.certificateArn,
      "alb.ingress.kubernetes.io/ssl-redirect": "443",
      // `/` redirects to /login (302), which the target group's default check counts as unhealthy.
      "alb.ingress.kubernetes.io/healthcheck-path": HEALTH_PATH,
    });
  }
  if (plan.dns.source === "external-dns")
    for (const prefix of EXTERNAL_DNS_PREFIXES) out[`${prefix}hostname`] = plan.host;
  return out;
}

/** Grafana's Ingress, or undefined without a hostname. `namespace` is a reference. */
export function grafanaIngress(config: Config) {
  const plan = endpointPlan(config);
  if (!plan.public) return undefined;
  const annotations = ingressAnnotations(plan);
  return {
    metadata: {
      name: GRAFANA_INGRESS,
      namespace: ref("namespace"),
      labels: labels(config),
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
                  service: { name: GRAFANA_SERVICE.name, port: { number: GRAFANA_SERVICE.port } },
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
 * Ingress annotation, so that Pulumi waits until it is Ready (`pulumi.com/waitFor`) and everything
 * that calls Grafana can depend on it. `namespace` is a reference.
 */
export function grafanaCertificate(config: Config) {
  const plan = endpointPlan(config);
  if (!plan.public || plan.tls.source !== "cert-manager") return undefined;
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: {
      name: GRAFANA_INGRESS,
      namespace: ref("namespace"),
      labels: labels(config),
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    },
    spec: {
      secretName: plan.tls.secretName,
      dnsNames: [plan.host],
      issuerRef: { name: plan.tls.clusterIssuer, kind: "ClusterIssuer", group: "cert-manager.io" },
    },
  };
}

/** The TLS Secret whose `ca.crt` the provider trusts (`tls.privateCa`), or undefined. */
export function privateCaSecret(config: Pick<StackConfig, "grafana">): string | undefined {
  const plan = endpointPlan(config);
  if (!plan.public || plan.tls.source === "acm" || !plan.tls.privateCa) return undefined;
  return plan.tls.secretName;
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
    "grafana: the Ingress has no load-balancer address (status.loadBalancer.ingress is empty): check that its ingress controller runs and admits it",
  );
}

/**
 * The Route53 record of the hostname for a load-balancer target; `aliasZoneId` is the ELB's
 * canonical hosted zone of that region and type (from aws.lb.getHostedZoneId). An existing record
 * is never taken over (`allowOverwrite: false`): Route53 refuses, naming it.
 */
export function route53Record(
  config: Pick<StackConfig, "grafana">,
  target: LoadBalancerTarget,
  aliasZoneId?: string,
) {
  const plan = endpointPlan(config);
  if (!plan.public || plan.dns.source !== "route53") throw new Error("grafana: no Route53 record configured");
  const base = { zoneId: plan.dns.hostedZoneId, name: plan.host, allowOverwrite: false };
  if (target.kind === "alias") {
    if (aliasZoneId === undefined) throw new Error("grafana: an alias record needs the ELB's hosted zone");
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

/** What the endpoint check is told: the URL, how long to wait, and what to check at each stage. */
export interface EndpointCheckSpec {
  url: string;
  healthPath: string;
  /** How long DNS, TLS and Grafana may take to come right (ALB provisioning, issuance, propagation). */
  budgetSeconds: number;
  /** A name that cannot start resolving later (the in-cluster Service outside the cluster). */
  dnsFailureIsFinal: boolean;
  hints: { dns: string; connect: string; tls: string; http: string };
}

/** The endpoint check's inputs, with a hint per stage that names what to look at. */
export function endpointCheck(config: Config): EndpointCheckSpec {
  const plan = endpointPlan(config);
  const ns = config.grafana.namespace;
  const pods = `\`kubectl -n ${ns} get pods,endpoints ${GRAFANA_SERVICE.name}\``;
  if (!plan.public)
    return {
      url: plan.url,
      healthPath: HEALTH_PATH,
      budgetSeconds: 120,
      dnsFailureIsFinal: true,
      hints: {
        dns: `${plan.host} is the in-cluster Service and resolves only inside the cluster: run \`pulumi up\` from a pod in the cluster (an in-cluster CI runner), or set grafana.hostname with grafana.tls and grafana.dns (GitHub-hosted runners and laptops are outside)`,
        connect: `the Service ${ns}/${GRAFANA_SERVICE.name} does not accept connections from here: check ${pods} and NetworkPolicies`,
        tls: "the in-cluster URL is plain http",
        http: `check ${pods} and \`kubectl -n ${ns} logs deploy/${GRAFANA_SERVICE.name}\``,
      },
    };
  const ingress = `\`kubectl -n ${ns} describe ingress ${GRAFANA_INGRESS}\``;
  const dns =
    plan.dns.source === "route53"
      ? `this stack creates ${plan.host} in Route53 zone ${plan.dns.hostedZoneId} from the Ingress's load balancer: check \`dig ${plan.host}\`, that the zone is the one the domain is delegated to (\`dig NS\` of its parent), and that it is not a private zone`
      : `external-dns creates ${plan.host} from the Ingress: check its logs, that its --domain-filter covers ${plan.host}, its --source includes ingress, and its ingress-class or annotation filters admit class ${plan.ingressClassName}`;
  const tls =
    plan.tls.source === "cert-manager"
      ? `the certificate is cert-manager's Certificate ${ns}/${GRAFANA_INGRESS} from ClusterIssuer ${plan.tls.clusterIssuer} into Secret ${plan.tls.secretName}: check \`kubectl -n ${ns} describe certificate ${GRAFANA_INGRESS}\` and its CertificateRequest${plan.tls.privateCa ? "; the provider trusts that Secret's ca.crt" : "; a private issuer needs grafana.tls.privateCa: true"}`
      : plan.tls.source === "acm"
        ? `the ALB serves ACM certificate ${plan.tls.certificateArn}: it must be ISSUED and cover ${plan.host} (\`aws acm describe-certificate\`); the controller's events are in ${ingress}`
        : `the ingress controller serves Secret ${ns}/${plan.tls.secretName}: it must exist in namespace ${ns}, be of type kubernetes.io/tls and cover ${plan.host}${plan.tls.privateCa ? "; the provider trusts its ca.crt" : "; a private CA needs grafana.tls.privateCa: true"}`;
  return {
    url: plan.url,
    healthPath: HEALTH_PATH,
    budgetSeconds: 900,
    dnsFailureIsFinal: false,
    hints: {
      dns,
      connect: `the load balancer of ${ingress} does not accept connections on 443${plan.albScheme === "internal" ? " (an internal ALB is reachable only inside the VPC)" : ""}: check its address and security groups`,
      tls,
      http: `Grafana does not answer ${HEALTH_PATH} through the Ingress: check ${ingress}, ${pods}${plan.tls.source === "acm" ? " and the target group's health" : ""}`,
    },
  };
}

/**
 * What Grafana's endpoint (`grafana.hostname`, `grafana.tls`, `grafana.dns`) needs before
 * `pulumi up`: the ingress controller, the certificate's source, the DNS record's maker. Empty
 * without a hostname (the in-cluster Service needs no add-on, but `pulumi up` must then run in a
 * pod of the cluster). Pure: for the stack's list of prerequisites.
 */
export function endpointPrerequisites(config: Pick<StackConfig, "grafana">): Prerequisite[] {
  const plan = endpointPlan(config);
  if (!plan.public) return [];
  const out: Prerequisite[] = [];
  const ns = config.grafana.namespace;
  const ingressClass = (name: string): PrerequisiteLookup => ({
    kind: "kubernetes",
    apiVersion: "networking.k8s.io/v1",
    resource: "IngressClass",
    name,
  });
  out.push(
    plan.ingressClassName === ALB_INGRESS_CLASS
      ? {
          id: "aws-load-balancer-controller",
          what: `AWS Load Balancer Controller, with its IngressClass ${ALB_INGRESS_CLASS}`,
          why: `creates the ALB of Grafana's Ingress for ${plan.host}, with the ACM certificate on its HTTPS listener`,
          configKeys: ["grafana.ingressClassName", "grafana.tls.source"],
          howToCheck: `\`kubectl get ingressclass ${ALB_INGRESS_CLASS} -o jsonpath='{.spec.controller}'\` prints ingress.k8s.aws/alb`,
          lookup: ingressClass(ALB_INGRESS_CLASS),
        }
      : {
          id: "grafana-ingress-class",
          what: `an ingress controller serving IngressClass ${plan.ingressClassName}`,
          why: `serves Grafana's Ingress for ${plan.host} with its TLS Secret, behind a load balancer that publishes its address in the Ingress's status`,
          configKeys: ["grafana.ingressClassName"],
          howToCheck: `\`kubectl get ingressclass ${plan.ingressClassName} -o jsonpath='{.spec.controller}'\`, then that controller's pods`,
          lookup: ingressClass(plan.ingressClassName),
        },
  );
  if (plan.tls.source === "cert-manager")
    out.push({
      id: "cert-manager-cluster-issuer",
      what: `cert-manager with ClusterIssuer ${plan.tls.clusterIssuer}`,
      why: `issues Grafana's certificate for ${plan.host} (Certificate ${ns}/${GRAFANA_INGRESS}, which pulumi up awaits until Ready)`,
      configKeys: ["grafana.tls.source", "grafana.tls.clusterIssuer"],
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
      id: "acm-certificate",
      what: `ACM certificate ${plan.tls.certificateArn}`,
      why: `the ALB serves it for ${plan.host}: it must be issued, cover the name, and be in the ALB's region`,
      configKeys: ["grafana.tls.certificateArn"],
      howToCheck: `\`aws acm describe-certificate --certificate-arn ${plan.tls.certificateArn} --query 'Certificate.[Status,SubjectAlternativeNames]'\` prints ISSUED, with ${plan.host} or a wildcard covering it`,
    });
  if (plan.tls.source === "secret")
    out.push({
      id: "grafana-tls-secret",
      what: `TLS Secret ${ns}/${plan.tls.secretName}`,
      why: `the ingress controller serves it for ${plan.host}; something other than this program provides it, by the first pulumi up's endpoint check at the latest`,
      configKeys: ["grafana.tls.source", "grafana.tls.secretName"],
      howToCheck: `\`kubectl -n ${ns} get secret ${plan.tls.secretName} -o jsonpath='{.type}'\` prints kubernetes.io/tls`,
      // Not looked up: it lives in Grafana's namespace, which the first `pulumi up` creates.
    });
  out.push(
    plan.dns.source === "route53"
      ? {
          id: "route53-hosted-zone",
          what: `Route53 public hosted zone ${plan.dns.hostedZoneId}`,
          why: `the program creates the record of ${plan.host} in it; the parent domain must delegate to its name servers`,
          configKeys: ["grafana.dns.source", "grafana.dns.hostedZoneId"],
          howToCheck: `\`aws route53 get-hosted-zone --id ${plan.dns.hostedZoneId} --query 'HostedZone.[Name,Config.PrivateZone]'\` prints a name that ${plan.host} ends with, and false`,
        }
      : {
          id: "external-dns",
          what: "external-dns, watching Ingresses",
          why: `creates the DNS record of ${plan.host} from the hostname annotation of Grafana's Ingress`,
          configKeys: ["grafana.dns.source"],
          howToCheck: `\`kubectl get deployments -A -l app.kubernetes.io/name=external-dns\`, and in its arguments \`--source=ingress\` and a \`--domain-filter\` covering ${plan.host}`,
        },
  );
  return out;
}

/** One paragraph for summary.md: how the provider reaches Grafana and what that needs. */
export function endpointSummary(config: Pick<StackConfig, "grafana">): string {
  const plan = endpointPlan(config);
  if (!plan.public)
    return `The Grafana provider uses the in-cluster Service ${plan.url}, which resolves only inside the cluster: \`pulumi up\` must run in a pod there (its endpoint check fails at once elsewhere, saying so).`;
  const tls =
    plan.tls.source === "cert-manager"
      ? `a cert-manager Certificate from ClusterIssuer \`${plan.tls.clusterIssuer}\`, awaited until Ready`
      : plan.tls.source === "acm"
        ? `ACM certificate \`${plan.tls.certificateArn}\` on an ${plan.albScheme} ALB`
        : `the Secret \`${plan.tls.secretName}\`, provided outside this program`;
  const dns =
    plan.dns.source === "route53"
      ? `a Route53 record in zone \`${plan.dns.hostedZoneId}\` pointing at the Ingress's load balancer`
      : "external-dns, from the Ingress's annotation";
  const ca =
    plan.tls.source !== "acm" && plan.tls.privateCa ? " (the provider trusts the Secret's `ca.crt`)" : "";
  return `Grafana is served at ${plan.url} by Ingress \`${GRAFANA_INGRESS}\` (class \`${plan.ingressClassName}\`): certificate from ${tls}${ca}; DNS by ${dns}. Before any Grafana resource, \`pulumi up\` checks that the URL resolves, presents a trusted certificate and answers ${HEALTH_PATH}. Needs: ${endpointPrerequisites(
    config,
  )
    .map((p) => p.what)
    .join("; ")}.`;
}
