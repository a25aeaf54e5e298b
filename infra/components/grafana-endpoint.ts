import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { acmRegionProblem } from "../config/grafana-endpoint";
import {
  type EndpointCheckSpec,
  endpointCheck,
  endpointPlan,
  grafanaCertificate,
  grafanaIngress,
  loadBalancerTarget,
  privateCaSecret,
  route53Record,
} from "../generators/grafana";
import { wire } from "./refs";

/** The check's code: grafana-endpoint-provider.cjs, registered as it is (Node built-ins only). */
export const endpointCheckProviderCode = (): string =>
  readFileSync(join(__dirname, "grafana-endpoint-provider.cjs"), "utf8");

/**
 * Waits, in `pulumi up`, until Grafana's URL resolves, presents a trusted certificate and answers
 * its health endpoint from where `pulumi up` runs; fails with what to check otherwise.
 */
export class GrafanaEndpointCheck extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { [K in keyof EndpointCheckSpec]: pulumi.Input<EndpointCheckSpec[K]> } & {
      caCert?: pulumi.Input<string>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      "pulumi-nodejs:dynamic/grafana:EndpointCheck",
      name,
      { __provider: endpointCheckProviderCode(), ...args },
      opts,
    );
  }
}

/**
 * What makes the Grafana provider's URL valid, as children of `parent`: the Ingress (after the
 * release, so that its backend exists), the cert-manager Certificate awaited until Ready, the
 * Route53 record from the Ingress's load balancer, the private CA to trust, and the endpoint check
 * after all of them. `ready` is what the provider and every Grafana resource depend on.
 */
export function grafanaEndpoint(
  name: string,
  args: { config: StackConfig; namespace: pulumi.Input<string>; release: pulumi.Resource },
  parent: pulumi.Resource,
): { caCert?: pulumi.Output<string>; ready: pulumi.Resource[] } {
  const { config, namespace, release } = args;
  const plan = endpointPlan(config);
  const made: pulumi.Resource[] = [];

  const ingressArgs = grafanaIngress(config);
  let ingress: k8s.networking.v1.Ingress | undefined;
  if (plan.public && ingressArgs) {
    const wired = wire(ingressArgs, { namespace });
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
              if (problem) throw new Error(`observability:grafana.tls.certificateArn: ${problem}`);
              return wired.metadata.annotations?.[arnKey] ?? "";
            }),
          }
        : wired.metadata.annotations;
    // Pulumi waits until the Ingress has a load-balancer address and its Service has endpoints.
    ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      { ...wired, metadata: { ...wired.metadata, annotations } },
      { parent, dependsOn: [release] },
    );
    made.push(ingress);
  }

  const certificateArgs = grafanaCertificate(config);
  const certificate = certificateArgs
    ? new k8s.apiextensions.CustomResource(`${name}-certificate`, wire(certificateArgs, { namespace }), {
        parent,
        // An ACME order waits for the DNS record and the challenge: longer than the default 10 minutes.
        customTimeouts: { create: "20m", update: "20m" },
      })
    : undefined;
  if (certificate) made.push(certificate);

  if (plan.public && plan.dns.source === "route53" && ingress) {
    // An alias record needs the load balancer's canonical hosted zone. It is fixed per region and
    // type (ALB/Classic or NLB), both readable from the address the controller publishes, and
    // aws.lb.getHostedZoneId has that table: no lookup of the load balancer itself, which the
    // controller (or the Service of ingress-nginx) names and tags, not this program, so that
    // aws.lb.getLoadBalancer would have to guess it. An alias rather than a CNAME: no TTL to wait
    // out when the ALB is recreated, and health evaluated by Route53. Other addresses: CNAME or A.
    const target = ingress.status.loadBalancer.ingress.apply((entries) => loadBalancerTarget(entries));
    const aliasZone = target.apply((t) =>
      t.kind === "alias"
        ? aws.lb.getHostedZoneIdOutput({ loadBalancerType: t.loadBalancerType, region: t.region }, { parent })
            .id
        : undefined,
    );
    const record = pulumi.all([target, aliasZone]).apply(([t, zone]) => route53Record(config, t, zone));
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

  // The CA of a private issuer, from the TLS Secret once it exists: after the Certificate is Ready,
  // or (a Secret others provide) after the Ingress. Its id is unknown until then, so no preview reads it.
  let caCert: pulumi.Output<string> | undefined;
  const caSecret = privateCaSecret(config);
  const after = certificate ?? ingress;
  if (caSecret && after) {
    const id = pulumi.all([namespace, after.id]).apply(([ns]) => `${ns}/${caSecret}`);
    const secret = k8s.core.v1.Secret.get(`${name}-tls-ca`, id, { parent, dependsOn: [after] });
    caCert = pulumi.unsecret(
      pulumi.all([namespace, secret.data]).apply(([ns, data]) => {
        const pem = data?.["ca.crt"];
        if (!pem)
          throw new Error(
            `grafana: Secret ${ns}/${caSecret} has no ca.crt, which grafana.tls.privateCa needs: its issuer must put its CA there, or set privateCa: false for a publicly trusted certificate`,
          );
        return Buffer.from(pem, "base64").toString("utf8");
      }),
    );
    made.push(secret);
  }

  const check = new GrafanaEndpointCheck(
    `${name}-endpoint-check`,
    { ...endpointCheck(config), ...(caCert ? { caCert } : {}) },
    { parent, dependsOn: [release, ...made] },
  );
  return { ...(caCert ? { caCert } : {}), ready: [...made, check] };
}
