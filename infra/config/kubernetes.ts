import { z } from "zod";
import { k8sSubdomain } from "./common";

/**
 * The EKS cluster's IAM OIDC provider: every IAM role for a service account (IRSA) of the stack
 * trusts it (Elasticsearch's snapshots, Logstash's archive, the Thanos parts on the metrics bucket).
 */
export const oidcProviderSchema = z
  .strictObject(
    {
      arn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, "expected an IAM OIDC provider ARN")
        .meta({ description: "ARN of the EKS cluster's IAM OIDC provider." }),
      issuer: z
        .string()
        .regex(/^[a-z0-9.-]+\/[A-Za-z0-9/._-]+$/, "expected the issuer host/path without https://")
        .meta({
          description:
            "Issuer URL of the OIDC provider without `https://`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC123`.",
        }),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? "missing: set kubernetes.oidcProvider to the cluster's IAM OIDC provider, its arn and issuer (`aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`)"
          : undefined,
    },
  )
  .superRefine((p, ctx) => {
    const arnPath = /:oidc-provider\/(.+)$/.exec(p.arn)?.[1];
    if (arnPath !== undefined && arnPath !== p.issuer)
      ctx.addIssue({
        code: "custom",
        path: ["issuer"],
        message: `must be the ARN's provider path "${arnPath}": the role's trust conditions are keyed by it`,
      });
  });
export type OidcProvider = z.infer<typeof oidcProviderSchema>;

/**
 * What the stack needs of the Kubernetes cluster it deploys to, read by every concern. The class
 * is required, not left to the cluster's default: EKS clusters created on 1.30 or later have no
 * default StorageClass, so claims without one stay Pending; and a claim's class cannot change
 * after it is created (ECK refuses it for Elasticsearch and Logstash, a PersistentVolumeClaim's
 * spec is immutable for Grafana), so it is chosen once, in the open.
 */
export const kubernetesSchema = z.strictObject(
  {
    storageClassName: k8sSubdomain.meta({
      description:
        "StorageClass of every volume claim the stack makes: Prometheus, Alertmanager, Grafana, Elasticsearch and Logstash. It must exist before the first `pulumi up` (the program checks). A claim's class cannot change once created: on a stack already deployed, set the class its claims use (`kubectl get pvc -A`).",
    }),
    clusterName: z
      .string()
      .regex(
        /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/,
        "expected the EKS cluster's name: 1 to 100 letters, digits, - and _, starting with a letter or digit",
      )
      .meta({
        description:
          "Name of the EKS cluster (`aws eks list-clusters`), the one CI deploys to. Prometheus puts it in the `cluster` external label of every series it ships to Thanos and every block in the metrics bucket: choose it once, since blocks of another value are another series to Thanos.",
      }),
    oidcProvider: oidcProviderSchema.meta({
      description:
        "The EKS cluster's IAM OIDC provider, which every IAM role for a service account trusts (Elasticsearch's snapshots, Logstash's S3 archive, the Thanos sidecar, Store Gateway and Compactor on the metrics bucket). It must exist in the stack's account (`eksctl utils associate-iam-oidc-provider`).",
    }),
    ingressControllerNamespace: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "expected a namespace name: lowercase a-z, 0-9 and '-', at most 63 characters",
      )
      .optional()
      .meta({
        description:
          "Namespace of the ingress controller whose pods proxy to Grafana and Kibana (e.g. `ingress-nginx`), for an endpoint served by an ingress class other than `alb`. Set, only pods of that namespace reach Grafana's and Kibana's HTTP ports through the NetworkPolicies; unset, those ports are open to any source, as for an ALB (whose addresses are no pod's). Only read with such an endpoint. Not for a controller on the host network (`hostNetwork: true`), which sends from its node's address and which no namespace selector names: the key would lock it out, so leave it unset there (docs/design/network-policies.md).",
      }),
    networkPolicies: z.boolean().default(true).meta({
      description:
        "Whether the metrics namespace (Prometheus, Alertmanager, Thanos), the logging namespace (Elasticsearch, Kibana, Logstash), Grafana's, node-exporter's and Filebeat's get NetworkPolicies: deny all ingress, then allow only the flows the platform needs (docs/design/network-policies.md). They need a CNI that enforces them; on EKS the VPC CNI does only with its network policy agent on (`enableNetworkPolicy`). Turn off only for a cluster whose CNI ignores them: summary.md then warns that any pod can reach Prometheus, Alertmanager and Elasticsearch. Production stacks must keep them on (policy pack).",
    }),
  },
  {
    error: (issue) =>
      issue.input === undefined
        ? "missing section: set kubernetes.storageClassName to the StorageClass every volume claim uses (`kubectl get storageclass`), e.g. gp3, kubernetes.clusterName to the EKS cluster's name and kubernetes.oidcProvider to its IAM OIDC provider"
        : undefined,
  },
);
export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
