import type { StackConfig } from "../../config";
import { ALB_INGRESS_CLASS } from "../../config/endpoint";
import {
  type Backend,
  certificateResource,
  endpointPrerequisitesOf,
  INGRESS_CONTROLLERS,
  ingressResource,
  type LoadBalancerTarget,
  type PublicEndpointPlan,
  publicEndpointPlan,
  route53RecordOf,
} from "../endpoint";
import type { Prerequisite } from "../prerequisites/catalog";
import { eckNames, KIBANA_PORT, LOGGING_LABELS } from "./names";

/**
 * How people reach Kibana (docs/logs-access.md). By default only inside the cluster: `kubectl
 * port-forward` to ECK's `<clusterName>-kb-http` Service, which serves HTTPS with ECK's
 * self-signed certificate. With `logging.kibana.endpoint`: an Ingress with TLS like Grafana's (the
 * shared endpoint of ../endpoint), whose controller speaks HTTPS to Kibana's pods, and Kibana's
 * `server.publicBaseUrl` set to the public URL. Nothing in `pulumi up` calls that URL (the settings
 * Jobs use the in-cluster Service), so unlike Grafana's there is no endpoint check.
 */

type Config = Pick<StackConfig, "logging">;

/**
 * ECK's readiness probe of Kibana (pkg/controller/kibana/pod.go): 200 without authentication once
 * Kibana serves; `/api/status` asks for credentials (`status.allowAnonymous` is off).
 */
export const KIBANA_HEALTH_PATH = "/login";

const site = (config: Config) => ({
  what: "kibana",
  key: "logging.kibana.endpoint",
  certManagerSecret: eckNames(config).kibanaTlsSecret,
});

/** Kibana's public endpoint, or undefined when it is reachable inside the cluster only. */
export function kibanaEndpointPlan(config: Config): PublicEndpointPlan | undefined {
  const endpoint = config.logging.kibana.endpoint;
  return endpoint ? publicEndpointPlan(endpoint, site(config)) : undefined;
}

/**
 * The largest body Kibana takes: a saved-objects import (Stack Management > Saved objects, or
 * `POST /api/saved_objects/_import`), up to `savedObjects.maxImportPayloadBytes`, 26214400 bytes
 * (25 MiB) by default, which this stack leaves as it is. ingress-nginx would refuse anything over
 * its default 1m with 413, so an export of a few hundred dashboards could not be imported again.
 * Not more: Kibana refuses a larger import itself, and its other routes keep `server.maxPayload`
 * (1 MiB). nginx's `m` is MiB, so this is Kibana's limit exactly.
 */
export const KIBANA_MAX_REQUEST_BODY = "25m";

const backend = (config: Config): Backend => ({
  service: { name: eckNames(config).kibanaService, port: KIBANA_PORT },
  https: true,
  healthPath: KIBANA_HEALTH_PATH,
  maxRequestBody: KIBANA_MAX_REQUEST_BODY,
});

/** Kibana's Ingress, or undefined without an endpoint. `namespace` is a reference. */
export function kibanaIngress(config: Config) {
  const plan = kibanaEndpointPlan(config);
  if (!plan) return undefined;
  return ingressResource(plan, {
    name: eckNames(config).kibanaIngress,
    labels: LOGGING_LABELS,
    backend: backend(config),
  });
}

/** With cert-manager: the Certificate of Kibana's host, awaited until Ready; else undefined. */
export const kibanaCertificate = (config: Config) =>
  certificateResource(kibanaEndpointPlan(config), {
    name: eckNames(config).kibanaIngress,
    labels: LOGGING_LABELS,
  });

/** The Route53 record of Kibana's hostname for a load-balancer target. */
export const kibanaRoute53Record = (config: Config, target: LoadBalancerTarget, aliasZoneId?: string) =>
  route53RecordOf(kibanaEndpointPlan(config), target, aliasZoneId, "kibana");

/**
 * What Kibana's endpoint needs before `pulumi up`. A class other than `alb` must be ingress-nginx's:
 * only its annotation tells it that Kibana's backend speaks HTTPS, so the check reads the class's
 * controller. Pure: for the stack's list of prerequisites.
 */
export function kibanaEndpointPrerequisites(config: StackConfig): Prerequisite[] {
  const plan = kibanaEndpointPlan(config);
  return endpointPrerequisitesOf(plan, {
    what: "Kibana",
    key: "logging.kibana.endpoint",
    namespace: config.logging.namespace,
    resourceName: eckNames(config).kibanaIngress,
    idOf: (name) => `kibana-${name}`,
    ...(plan?.ingressClassName === ALB_INGRESS_CLASS ? {} : { controller: INGRESS_CONTROLLERS.nginx }),
    albWhy: `creates the ALB of Kibana's Ingress for ${plan?.host}, with the ACM certificate on its HTTPS listener and an HTTPS target group to Kibana's pods`,
    zone: { what: "Route53 hosted zone", checkNote: "" },
    secretDeadline: "the time people first open the URL (nothing in pulumi up waits for it)",
  });
}

/** One paragraph for summary.md: how people reach Kibana. */
export function kibanaAccessSummary(config: Config): string {
  const names = eckNames(config);
  const ns = config.logging.namespace;
  const forward = `\`kubectl -n ${ns} port-forward service/${names.kibanaService} ${KIBANA_PORT}\`, then https://localhost:${KIBANA_PORT} (ECK's self-signed certificate)`;
  const plan = kibanaEndpointPlan(config);
  if (!plan) return `Kibana is reachable inside the cluster only: ${forward}.`;
  const tls =
    plan.tls.source === "cert-manager"
      ? `a cert-manager Certificate from ClusterIssuer \`${plan.tls.clusterIssuer}\``
      : plan.tls.source === "acm"
        ? `ACM certificate \`${plan.tls.certificateArn}\` on an ${plan.albScheme} ALB`
        : `the Secret \`${plan.tls.secretName}\`, provided outside this program`;
  const dns =
    plan.dns.source === "route53"
      ? `a Route53 record in zone \`${plan.dns.hostedZoneId}\``
      : "external-dns, from the Ingress's annotation";
  return `Kibana is served at ${plan.url} by Ingress \`${names.kibanaIngress}\` (class \`${plan.ingressClassName}\`, HTTPS to Kibana's pods): certificate from ${tls}; DNS by ${dns}. Inside the cluster: ${forward}.`;
}
