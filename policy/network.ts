import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import { asArray, dedupe, isProductionStack, known, prop, productionConfig, stackName } from "./lib";

export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A policy that selects every pod of its namespace for ingress and lets nothing in. */
export function deniesAllIngress(r: PolicyResource): boolean {
  if (r.type !== NETWORK_POLICY) return false;
  const spec = known(() => r.props.spec);
  const selector = prop(spec, "podSelector");
  const selectsAll =
    selector !== undefined &&
    Object.keys(prop(selector, "matchLabels") ?? {}).length === 0 &&
    asArray(prop(selector, "matchExpressions")).length === 0;
  const types = asArray(prop(spec, "policyTypes"));
  const ingress = types.length === 0 || types.includes("Ingress");
  return selectsAll && ingress && asArray(prop(spec, "ingress")).length === 0;
}

const namespaceOf = (r: PolicyResource): unknown =>
  prop(
    known(() => r.props.metadata),
    "namespace",
  );

/**
 * The namespaces production must police, from the stack's own resources: where
 * kube-prometheus-stack runs Prometheus and Alertmanager (which has no authentication: any pod that
 * reaches it can create silences).
 */
function policedNamespaces(resources: PolicyResource[]): { namespace: string; release: PolicyResource }[] {
  return resources.flatMap((r) => {
    const ns =
      r.type === HELM_RELEASE && known(() => r.props.chart) === "kube-prometheus-stack"
        ? known(() => r.props.namespace)
        : undefined;
    return typeof ns === "string" ? [{ namespace: ns, release: r }] : [];
  });
}

export const prodNetworkPolicies: StackValidationPolicy = {
  name: "prod-network-policies",
  description:
    "In production the metrics namespace (Prometheus, Alertmanager, Thanos) has a NetworkPolicy that denies all ingress but the platform's flows (`kubernetes.networkPolicies` on): otherwise any pod in the cluster can query Prometheus and silence every alert through Alertmanager.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
    const report = dedupe(reportViolation);
    const denied = new Set(args.resources.filter(deniesAllIngress).map(namespaceOf));
    for (const { namespace, release } of policedNamespaces(args.resources))
      if (!denied.has(namespace))
        report(
          `namespace ${namespace} (Prometheus, Alertmanager) has no default-deny ingress NetworkPolicy: any pod in the cluster can query Prometheus and create silences in Alertmanager; set kubernetes.networkPolicies to true`,
          release.urn,
        );
  },
};

export const networkPolicies = [prodNetworkPolicies];
