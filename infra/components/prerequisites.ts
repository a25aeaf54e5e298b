import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  type MissingPrerequisite,
  missingPrerequisitesMessage,
  type Prerequisite,
  type PrerequisiteLookup,
  prerequisites,
} from "../generators/prerequisites";

/** An Output's value, or its failure (`promise` is the SDK's own accessor, left out of its typings). */
const settled = <T>(o: pulumi.Output<T>): Promise<T> => (o as unknown as { promise(): Promise<T> }).promise();

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Looks one prerequisite up; resolves when it is there, rejects saying what was found instead.
 * A Kubernetes object is read with `.get` (a read, not a resource the stack manages); its
 * resource name says what it stands for, since the engine reports a missing object under it.
 */
async function lookUp(p: Prerequisite, l: PrerequisiteLookup): Promise<void> {
  switch (l.kind) {
    case "kubernetes": {
      const name = `prerequisite: ${l.resource} ${l.name} (${p.configKeys.join(", ")})`;
      if (l.controller !== undefined) {
        // Typed, so that its spec is read too.
        const ingressClass = k8s.networking.v1.IngressClass.get(name, l.name);
        const controller = await settled(ingressClass.spec.apply((s) => s?.controller));
        if (controller !== l.controller)
          throw new Error(
            `its controller is ${controller ?? "unset"}, not ${l.controller}, which the Ingress's annotations are written for`,
          );
        return;
      }
      const read = k8s.apiextensions.CustomResource.get(name, {
        // The core group's token is `core/v1`, as in kubernetes:core/v1:Secret.
        apiVersion: l.apiVersion === "v1" ? "core/v1" : l.apiVersion,
        kind: l.resource,
        id: l.namespace ? `${l.namespace}/${l.name}` : l.name,
      });
      await settled(read.id);
      return;
    }
    case "aws-iam-oidc-provider": {
      const provider = await aws.iam.getOpenIdConnectProvider({ arn: l.arn });
      if (!provider.clientIdLists.includes(l.audience))
        throw new Error(
          `its audiences are ${JSON.stringify(provider.clientIdLists)}, without ${l.audience}, which IAM roles for service accounts need`,
        );
      return;
    }
  }
}

/**
 * Looks up every prerequisite the program can check, all at once, and rejects with one line per
 * missing one (a RunError, printed without a stack trace). The program creates nothing before
 * this resolves, so a missing prerequisite never leaves a half-created stack.
 */
export async function checkPrerequisites(config: StackConfig): Promise<void> {
  const results = await Promise.all(
    prerequisites(config).map(async (p): Promise<MissingPrerequisite | undefined> => {
      if (!p.lookup) return undefined;
      try {
        await lookUp(p, p.lookup);
        return undefined;
      } catch (err) {
        return { prerequisite: p, reason: `not found (${errorText(err)})` };
      }
    }),
  );
  const missing = results.filter((m): m is MissingPrerequisite => m !== undefined);
  if (missing.length > 0) throw new pulumi.RunError(missingPrerequisitesMessage(missing));
}
