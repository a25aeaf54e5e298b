import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A role for one Kubernetes ServiceAccount (IRSA), as its generators describe it. */
export interface IrsaRoleSpec {
  description: string;
  /** Trusts only that ServiceAccount, through the cluster's OIDC provider. */
  trustPolicy: aws.iam.PolicyDocument;
  /** Its permissions, once the ARNs they name are known. */
  policy: pulumi.Input<aws.iam.PolicyDocument>;
  tags: Record<string, string>;
}

/**
 * The IAM role and its inline policy (`<name>-policy`), both under `parent`: the one shape every
 * pod role of the platform has (the logging stack's and the Thanos parts').
 */
export function irsaRole(name: string, spec: IrsaRoleSpec, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    {
      description: spec.description,
      assumeRolePolicy: JSON.stringify(spec.trustPolicy),
      tags: spec.tags,
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: pulumi.output(spec.policy).apply((p) => JSON.stringify(p)) },
    { parent },
  );
  return role;
}
