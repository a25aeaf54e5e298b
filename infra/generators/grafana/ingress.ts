import type { StackConfig } from "../../config";
import {
  certificateResource,
  endpointPrerequisitesOf,
  ingressResource,
  type LoadBalancerTarget,
  loadBalancerTarget as loadBalancerTargetOf,
  type PublicEndpointPlan,
  publicEndpointPlan,
  route53RecordOf,
} from "../endpoint";
import { managedLabels } from "../labels";
import type { Prerequisite } from "../prerequisites/catalog";
import { GRAFANA_RELEASE, grafanaUrl } from "./release";

export {
  EXTERNAL_DNS_PREFIXES,
  type LoadBalancerTarget,
  RECORD_TTL_SECONDS,
  type DnsPlan,
  type TlsPlan,
} from "../endpoint";

/**
 * Grafana's endpoint: what makes the URL the Pulumi provider calls valid in the same `pulumi up`.
 * With `grafana.hostname`: an Ingress the program creates itself (the chart's is off, so that
 * Pulumi waits for its load-balancer address and can make the DNS record from it), the certificate
 * (a cert-manager Certificate awaited until Ready, an ACM certificate on the ALB, or a Secret
 * provided by others), the DNS record (Route53, or external-dns from an annotation), and a check
 * that the URL answers with a certificate the provider trusts. Without it: the in-cluster Service.
 * The Ingress, Certificate, record and prerequisites are the shared endpoint's (../endpoint).
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
 * The Grafana provider's own retries (`retries`, `retryWait` in seconds): for a blip such as a 502
 * while a pod restarts or a 429, which its `retry_status_codes` cover (429 and 5xx by default).
 * They are HTTP status codes: a name that does not resolve or a certificate that is not trusted
 * has no status, and does not heal in seconds anyway. The endpoint check waits for those, and says
 * which one failed.
 */
export const GRAFANA_PROVIDER_RETRY = { retries: 6, retryWait: 5 } as const;

export type EndpointPlan = { public: false; url: string; host: string } | PublicEndpointPlan;

const SITE = { what: "grafana", key: "grafana", certManagerSecret: CERT_MANAGER_SECRET } as const;

/** The validated choices, one shape per source. */
export function endpointPlan(config: Pick<StackConfig, "grafana">): EndpointPlan {
  const url = grafanaUrl(config);
  return publicEndpointPlan(config.grafana, SITE) ?? { public: false, url, host: new URL(url).hostname };
}

const labels = (config: Pick<StackConfig, "environment">) => ({
  ...managedLabels(),
  environment: config.environment,
});

/** Grafana's Ingress (plain HTTP to the chart's Service), or undefined without a hostname. */
export function grafanaIngress(config: Config) {
  const plan = endpointPlan(config);
  if (!plan.public) return undefined;
  return ingressResource(plan, {
    name: GRAFANA_INGRESS,
    labels: labels(config),
    backend: { service: GRAFANA_SERVICE, https: false, healthPath: HEALTH_PATH },
  });
}

/** With cert-manager: the Certificate `pulumi up` awaits until Ready; else undefined. */
export function grafanaCertificate(config: Config) {
  const plan = endpointPlan(config);
  return certificateResource(plan.public ? plan : undefined, {
    name: GRAFANA_INGRESS,
    labels: labels(config),
  });
}

/** The TLS Secret whose `ca.crt` the provider trusts (`tls.privateCa`), or undefined. */
export function privateCaSecret(config: Pick<StackConfig, "grafana">): string | undefined {
  const plan = endpointPlan(config);
  if (!plan.public || plan.tls.source === "acm" || !plan.tls.privateCa) return undefined;
  return plan.tls.secretName;
}

/** The first address of an Ingress's `status.loadBalancer.ingress`, read as a record target. */
export const loadBalancerTarget = (
  entries: readonly { hostname?: string; ip?: string }[] | undefined,
): LoadBalancerTarget => loadBalancerTargetOf(entries, "grafana");

/** The Route53 record of Grafana's hostname for a load-balancer target (see route53RecordOf). */
export function route53Record(
  config: Pick<StackConfig, "grafana">,
  target: LoadBalancerTarget,
  aliasZoneId?: string,
) {
  const plan = endpointPlan(config);
  return route53RecordOf(plan.public ? plan : undefined, target, aliasZoneId, "grafana");
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
  return endpointPrerequisitesOf(plan.public ? plan : undefined, {
    what: "Grafana",
    key: "grafana",
    namespace: config.grafana.namespace,
    resourceName: GRAFANA_INGRESS,
    // Grafana's own ids predate Kibana's endpoint; the shared add-ons' ids are the same for both.
    idOf: (name) => (name === "ingress-class" || name === "tls-secret" ? `grafana-${name}` : name),
    albWhy: `creates the ALB of Grafana's Ingress for ${plan.host}, with the ACM certificate on its HTTPS listener`,
    zone: { what: "Route53 public hosted zone", checkNote: ", and false" },
    secretDeadline: "the first pulumi up's endpoint check",
  });
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
