import type * as aws from "@pulumi/aws";
import type { StackConfig } from "../config";

/**
 * IAM roles for service accounts (IRSA), shared by every concern whose pods reach AWS: each role
 * can be assumed only by one Kubernetes service account, through the cluster's OIDC provider
 * (`kubernetes.oidcProvider`), so no access key exists anywhere.
 */

/** A Kubernetes service account, by namespace and name. */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** The trust policy: only `system:serviceaccount:<namespace>:<name>`, with STS as the audience. */
export function serviceAccountTrustPolicy(
  config: Pick<StackConfig, "kubernetes">,
  account: ServiceAccountRef,
): aws.iam.PolicyDocument {
  const { arn, issuer } = config.kubernetes.oidcProvider;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${account.namespace}:${account.name}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

/** The role's description as IAM shows it. */
export const serviceAccountRoleDescription = (account: ServiceAccountRef): string =>
  `IRSA role of ${account.namespace}/${account.name}`;

/** The annotation by which EKS's pod identity webhook hands a pod its service account's role. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
