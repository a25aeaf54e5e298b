import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { acmRegionProblem } from "../config/endpoint";
import {
  type certificateResource,
  type ingressResource,
  type LoadBalancerTarget,
  loadBalancerTarget,
  type PublicEndpointPlan,
  type route53RecordOf,
} from "../generators/endpoint";
import { wire } from "./refs";

/**
 * The resources of a public endpoint (infra/generators/endpoint), as children of `parent`: the
 * Ingress (after `after`, so that its backend exists), the cert-manager Certificate awaited until
 * Ready, and the Route53 record from the Ingress's load balancer. `made` is everything created,
 * for whatever must wait for the endpoint.
 */
export function ingressEndpoint(
  name: string,
  args: {
    plan: PublicEndpointPlan | undefined;
    ingress: ReturnType<typeof ingressResource> | undefined;
    certificate: ReturnType<typeof certificateResource>;
    namespace: pulumi.Input<string>;
    after: pulumi.Resource[];
    /** The record's arguments for a target (the owner's route53Record). */
    record: (
      target: LoadBalancerTarget,
      aliasZoneId: string | undefined,
    ) => ReturnType<typeof route53RecordOf>;
    /** The ACM ARN's key under `observability:`, for the region check's message. */
    certificateArnKey: string;
    /** Prefix of errors, e.g. `grafana`. */
    what: string;
    /** How long the Ingress may take to get its address and a backend with endpoints (default 10m). */
    ingressTimeout?: string;
  },
  parent: pulumi.Resource,
): {
  ingress?: k8s.networking.v1.Ingress;
  certificate?: k8s.apiextensions.CustomResource;
  made: pulumi.Resource[];
} {
  const { plan, namespace } = args;
  const made: pulumi.Resource[] = [];
  let ingress: k8s.networking.v1.Ingress | undefined;
  if (plan && args.ingress) {
    const wired = wire(args.ingress, { namespace });
    const arnKey = "alb.ingress.kubernetes.io/certificate-arn";
    // The schema compares the ARN with `aws:region` from the stack file; a region from the
    // environment is only known to the AWS provider.
    const annotations =
      plan.tls.source === "acm"
        ? {
            ...wired.metadata.annotations,
            [arnKey]: aws.getRegionOutput({}, { parent }).region.apply((region) => {
              const problem = acmRegionProblem(
                plan.tls.source === "acm" ? plan.tls.certificateArn : "",
                region,
              );
              if (problem) throw new Error(`observability:${args.certificateArnKey}: ${problem}`);
              return wired.metadata.annotations?.[arnKey] ?? "";
            }),
          }
        : wired.metadata.annotations;
    // Pulumi waits until the Ingress has a load-balancer address and its Service has endpoints.
    ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      { ...wired, metadata: { ...wired.metadata, annotations } },
      {
        parent,
        dependsOn: args.after,
        ...(args.ingressTimeout
          ? { customTimeouts: { create: args.ingressTimeout, update: args.ingressTimeout } }
          : {}),
      },
    );
    made.push(ingress);
  }

  const certificate = args.certificate
    ? new k8s.apiextensions.CustomResource(`${name}-certificate`, wire(args.certificate, { namespace }), {
        parent,
        // An ACME order waits for the DNS record and the challenge: longer than the default 10 minutes.
        customTimeouts: { create: "20m", update: "20m" },
      })
    : undefined;
  if (certificate) made.push(certificate);

  if (plan?.dns.source === "route53" && ingress) {
    // An alias record needs the load balancer's canonical hosted zone. It is fixed per region and
    // type (ALB/Classic or NLB), both readable from the address the controller publishes, and
    // aws.lb.getHostedZoneId has that table: no lookup of the load balancer itself, which the
    // controller (or the Service of ingress-nginx) names and tags, not this program, so that
    // aws.lb.getLoadBalancer would have to guess it. An alias rather than a CNAME: no TTL to wait
    // out when the ALB is recreated, and health evaluated by Route53. Other addresses: CNAME or A.
    const target = ingress.status.loadBalancer.ingress.apply((entries) =>
      loadBalancerTarget(entries, args.what),
    );
    const aliasZone = target.apply((t) =>
      t.kind === "alias"
        ? aws.lb.getHostedZoneIdOutput({ loadBalancerType: t.loadBalancerType, region: t.region }, { parent })
            .id
        : undefined,
    );
    const record = pulumi.all([target, aliasZone]).apply(([t, zone]) => args.record(t, zone));
    made.push(
      new aws.route53.Record(
        `${name}-dns`,
        {
          zoneId: plan.dns.hostedZoneId,
          name: plan.host,
          allowOverwrite: false,
          type: record.type,
          aliases: record.apply((r) => ("aliases" in r ? r.aliases : undefined)),
          ttl: record.apply((r) => ("ttl" in r ? r.ttl : undefined)),
          records: record.apply((r) => ("records" in r ? r.records : undefined)),
        },
        { parent },
      ),
    );
  }
  return { ...(ingress ? { ingress } : {}), ...(certificate ? { certificate } : {}), made };
}
