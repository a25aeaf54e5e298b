import { z } from "zod";
import {
  type EndpointKeys,
  type EndpointOwner,
  endpointAlbSchemeSchema,
  endpointDnsSchema,
  endpointProblems,
  endpointTlsFields,
  type Issue,
} from "./endpoint";

// Kept importable from here for the Grafana modules that read them (infra/generators/grafana/).
export { ACM_ARN, ALB_INGRESS_CLASS, acmRegion, acmRegionProblem, awsPartition } from "./endpoint";

/**
 * How Grafana's public host gets its certificate and its DNS record (`grafana.tls`, `grafana.dns`,
 * `grafana.albScheme`): the endpoint schema of ./endpoint.ts under `grafana`. With
 * `grafana.hostname` both choices are required: no default could work on every cluster, and a
 * wrong one fails only at `pulumi up`, at every Grafana resource.
 */
export const GRAFANA_ENDPOINT: EndpointOwner = {
  what: "Grafana",
  key: "grafana",
  internalAlbNote: ": the Pulumi Grafana provider calls it, so `pulumi up` must then run inside the VPC",
  hostedZone: "public hosted zone",
};

/** Grafana's certificate: the common choices, and a private CA the Pulumi provider trusts. */
export const grafanaTlsSchema = z
  .strictObject({
    ...endpointTlsFields(GRAFANA_ENDPOINT),
    privateCa: z.boolean().default(false).meta({
      description:
        "With `cert-manager` or `secret`: the certificate's CA is private, so the Pulumi Grafana provider trusts the `ca.crt` of the TLS Secret (instead of the system's CAs).",
    }),
  })
  .optional()
  .meta({ description: "Grafana's TLS certificate; required with `hostname`." });

export const grafanaDnsSchema = endpointDnsSchema(GRAFANA_ENDPOINT);
export const albSchemeSchema = endpointAlbSchemeSchema(GRAFANA_ENDPOINT);

/** The combinations that cannot work, each naming the key to change (paths under `grafana`). */
export const grafanaEndpointProblems = (g: EndpointKeys): Issue[] => endpointProblems(GRAFANA_ENDPOINT, g);
