import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  type EndpointCheckSpec,
  endpointCheck,
  endpointPlan,
  grafanaCertificate,
  grafanaIngress,
  privateCaSecret,
  route53Record,
} from "../generators/grafana";
import { ingressEndpoint } from "./ingress-endpoint";

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
 * What makes the Grafana provider's URL valid, as children of `parent`: the endpoint's Ingress
 * (after the release, so that its backend exists), Certificate and Route53 record
 * (./ingress-endpoint.ts), the private CA to trust, and the endpoint check after all of them.
 * `ready` is what the provider and every Grafana resource depend on.
 */
export function grafanaEndpoint(
  name: string,
  args: { config: StackConfig; namespace: pulumi.Input<string>; release: pulumi.Resource },
  parent: pulumi.Resource,
): { caCert?: pulumi.Output<string>; ready: pulumi.Resource[] } {
  const { config, namespace, release } = args;
  const plan = endpointPlan(config);
  const { ingress, certificate, made } = ingressEndpoint(
    name,
    {
      plan: plan.public ? plan : undefined,
      ingress: grafanaIngress(config),
      certificate: grafanaCertificate(config),
      namespace,
      after: [release],
      record: (target, zone) => route53Record(config, target, zone),
      certificateArnKey: "grafana.tls.certificateArn",
      what: "grafana",
    },
    parent,
  );

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
