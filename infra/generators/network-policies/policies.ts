import type * as k8s from "@pulumi/kubernetes";
import { managedLabels } from "../labels";
import { type Flow, type FlowInput, flows, type Pods, policedNamespaces } from "./flows";

/** Typed against the Kubernetes API (networking.k8s.io/v1) through the provider's input types. */
export type NetworkPolicy = k8s.types.input.networking.v1.NetworkPolicy & {
  metadata: { name: string; namespace: string };
};

/** The label every namespace carries (Kubernetes sets it), by which a policy names a namespace. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const DEFAULT_DENY = "default-deny-ingress";

const peer = (from: Flow["from"], to: Pods) => {
  if ("anywhere" in from) return undefined;
  return {
    podSelector: { matchLabels: { ...from.pods.labels } },
    // Same namespace too: a namespaceSelector keeps the rule exact when namespaces share a name.
    ...(from.pods.namespace === to.namespace
      ? {}
      : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: from.pods.namespace } } }),
  };
};

function allow(flow: Flow): NetworkPolicy {
  const source = peer(flow.from, flow.to);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: `allow-${flow.name}`,
      namespace: flow.to.namespace,
      labels: managedLabels(),
      annotations: { "observability/why": flow.why },
    },
    spec: {
      podSelector: { matchLabels: { ...flow.to.labels } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          // No `from`: every source (the API server is not a pod).
          ...(source ? { from: [source] } : {}),
          ports: flow.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
        },
      ],
    },
  };
}

/** Every pod of the namespace selected, no ingress rule: nothing gets in but what a flow allows. */
const defaultDeny = (namespace: string): NetworkPolicy => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: {
    name: DEFAULT_DENY,
    namespace,
    labels: managedLabels(),
    annotations: { "observability/why": "deny all ingress but the platform's flows (allow-*)" },
  },
  spec: { podSelector: {}, policyTypes: ["Ingress"] },
});

/** The NetworkPolicies of the stack: none when `kubernetes.networkPolicies` is off. */
export function networkPolicies(config: FlowInput): NetworkPolicy[] {
  if (!config.kubernetes.networkPolicies) return [];
  return [...policedNamespaces(config).map(defaultDeny), ...flows(config).map(allow)];
}
