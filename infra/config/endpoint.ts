import { z } from "zod";
import { k8sSubdomain } from "./common";

/**
 * A public HTTPS endpoint served by an Ingress: its certificate (`tls`), its DNS record (`dns`)
 * and, on the AWS Load Balancer Controller, the ALB's scheme (`albScheme`). One schema for every
 * endpoint the stack exposes (Grafana's under `grafana`, Kibana's under `logging.kibana.endpoint`):
 * the same choices, validated the same way, with messages that name the owner's keys.
 */

/** The ingress class of the AWS Load Balancer Controller (its chart's default IngressClass). */
export const ALB_INGRESS_CLASS = "alb";

/** Partition of an AWS region: the ARN of a certificate in that region must name it. */
export const awsPartition = (region: string): string =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";

/** An ACM certificate ARN: partition, region, account and the certificate's UUID. */
export const ACM_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The region an ACM ARN names, or undefined when it is not one. */
export const acmRegion = (arn: string): string | undefined => ACM_ARN.exec(arn)?.[2];

const acmCertificateArn = z
  .string()
  .regex(
    ACM_ARN,
    "expected an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f",
  )
  .refine((arn) => {
    const m = ACM_ARN.exec(arn);
    return !m || awsPartition(m[2]!) === m[1];
  }, "expected the partition of the ARN's region (aws-cn for cn-*, aws-us-gov for us-gov-*)");

/** A Route53 hosted zone id as the API prints it, without the `/hostedzone/` prefix. */
const hostedZoneId = z
  .string()
  .regex(
    /^Z[A-Z0-9]{1,31}$/,
    "expected a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ (Z and upper-case letters and digits, no /hostedzone/)",
  );

/** Whose endpoint a schema describes: for the field descriptions and the problems' messages. */
export interface EndpointOwner {
  /** What is served, e.g. `Grafana`. */
  what: string;
  /** Where its keys are under `observability:`, e.g. `grafana` or `logging.kibana.endpoint`. */
  key: string;
  /** What `pulumi up` does with the URL, if anything: a note for `albScheme: internal`. */
  internalAlbNote: string;
  /** The kind of Route53 zone the record may go in, e.g. `public hosted zone`. */
  hostedZone: string;
}

/** The certificate's source and the key each source reads (every owner has these). */
export const endpointTlsFields = (o: EndpointOwner) => ({
  source: z.enum(["cert-manager", "acm", "secret"]).meta({
    description: `Where the certificate of \`https://<hostname>\` comes from: \`cert-manager\` (a Certificate the program creates from \`clusterIssuer\`; ingress classes that read Kubernetes TLS Secrets, such as nginx), \`acm\` (an ACM certificate on the AWS Load Balancer Controller's ALB; \`ingressClassName: alb\`), \`secret\` (a TLS Secret in ${o.what}'s namespace that something else provides).`,
  }),
  clusterIssuer: k8sSubdomain.optional().meta({
    description: `With \`source: cert-manager\`: the cert-manager ClusterIssuer that signs ${o.what}'s certificate (it must exist in the cluster).`,
  }),
  certificateArn: acmCertificateArn.optional().meta({
    description:
      "With `source: acm`: ARN of an issued ACM certificate covering `hostname`, in the stack's `aws:region` (an ALB takes certificates from its own region only).",
  }),
  secretName: k8sSubdomain.optional().meta({
    description: `With \`source: secret\`: name of the \`kubernetes.io/tls\` Secret in ${o.what}'s namespace; it must appear there during the first \`pulumi up\` (external-secrets, a reflector, or by hand).`,
  }),
});

export const endpointTlsSchema = (o: EndpointOwner) =>
  z
    .strictObject(endpointTlsFields(o))
    .optional()
    .meta({ description: `${o.what}'s TLS certificate; required with \`hostname\`.` });

export const endpointDnsSchema = (o: EndpointOwner) =>
  z
    .strictObject({
      source: z.enum(["external-dns", "route53"]).meta({
        description:
          "Who makes `hostname` resolve: `external-dns` (running in the cluster; the Ingress carries its hostname annotation) or `route53` (the program creates the record in `hostedZoneId`, an alias to the Ingress's load balancer).",
      }),
      hostedZoneId: hostedZoneId.optional().meta({
        description: `With \`source: route53\`: the ${o.hostedZone} that \`hostname\` belongs to.`,
      }),
    })
    .optional()
    .meta({ description: `${o.what}'s DNS record; required with \`hostname\`.` });

export const endpointAlbSchemeSchema = (o: EndpointOwner) =>
  z
    .enum(["internet-facing", "internal"])
    .optional()
    .meta({
      description: `With \`ingressClassName: alb\`: the ALB's scheme (default \`internet-facing\`). An \`internal\` ALB resolves to private addresses, reachable only from inside the VPC${o.internalAlbNote}.`,
    });

export type Issue = { path: string[]; message: string };

/** The keys every endpoint has, as parsed. */
export interface EndpointKeys {
  hostname?: string;
  ingressClassName: string;
  tls?: {
    source: "cert-manager" | "acm" | "secret";
    clusterIssuer?: string;
    certificateArn?: string;
    secretName?: string;
    privateCa?: boolean;
  };
  dns?: { source: "external-dns" | "route53"; hostedZoneId?: string };
  albScheme?: "internet-facing" | "internal";
}

const TLS_KEY_OF = { "cert-manager": "clusterIssuer", acm: "certificateArn", secret: "secretName" } as const;

/**
 * The combinations that cannot work, each naming the key to change (paths relative to the
 * owner's keys, messages naming them in full): the keys a source needs, keys another source
 * reads, and ingress classes that cannot serve the certificate.
 */
export function endpointProblems(o: EndpointOwner, g: EndpointKeys): Issue[] {
  const problems: Issue[] = [];
  const add = (path: string[], message: string) => problems.push({ path, message });
  const host = `${o.key}.hostname`;
  if (g.hostname === undefined) {
    for (const key of ["tls", "dns", "albScheme"] as const)
      if (g[key] !== undefined) add([key], `only used with ${host}: set the hostname or remove this key`);
    return problems;
  }
  if (g.tls === undefined)
    add(
      ["tls"],
      `required with ${host}: set source cert-manager (with clusterIssuer), acm (with certificateArn) or secret (with secretName)`,
    );
  if (g.dns === undefined)
    add(["dns"], `required with ${host}: set source external-dns, or route53 (with hostedZoneId)`);
  const alb = g.ingressClassName === ALB_INGRESS_CLASS;
  if (g.tls !== undefined) {
    const { source } = g.tls;
    const needed = TLS_KEY_OF[source];
    if (g.tls[needed] === undefined) add(["tls", needed], `required with source ${source}`);
    for (const [other, key] of Object.entries(TLS_KEY_OF))
      if (other !== source && g.tls[key] !== undefined)
        add(["tls", key], `only used with source ${other}, not ${source}`);
    if (source === "acm" && !alb)
      add(
        ["tls", "source"],
        `acm certificates are served by the AWS Load Balancer Controller's ALB: set ${o.key}.ingressClassName to ${ALB_INGRESS_CLASS} (it is ${g.ingressClassName})`,
      );
    if (source !== "acm" && alb)
      add(
        ["tls", "source"],
        `ingressClassName ${ALB_INGRESS_CLASS} (the AWS Load Balancer Controller) terminates TLS with ACM certificates only: use source acm, or an ingress class that serves Kubernetes TLS Secrets, such as nginx`,
      );
    if (source === "acm" && g.tls.privateCa)
      add(["tls", "privateCa"], "only with source cert-manager or secret, whose Secret carries ca.crt");
  }
  if (g.dns?.source === "route53" && g.dns.hostedZoneId === undefined)
    add(["dns", "hostedZoneId"], "required with source route53");
  if (g.dns?.source === "external-dns" && g.dns.hostedZoneId !== undefined)
    add(["dns", "hostedZoneId"], "only used with source route53 (external-dns finds its zones itself)");
  if (g.albScheme !== undefined && !alb)
    add(
      ["albScheme"],
      `only the AWS Load Balancer Controller (ingressClassName ${ALB_INGRESS_CLASS}) reads it`,
    );
  return problems;
}

/**
 * An ALB takes ACM certificates of its own region: the ARN's region must be the stack's
 * `aws:region`. Undefined when they agree or either is unknown.
 */
export function acmRegionProblem(arn: string | undefined, region: string | undefined): string | undefined {
  const certRegion = arn === undefined ? undefined : acmRegion(arn);
  if (certRegion === undefined || region === undefined || certRegion === region) return undefined;
  return `the certificate is in ${certRegion} but the stack's aws:region is ${region}: an ALB uses ACM certificates of its own region only (request or import one in ${region})`;
}
