/**
 * A small NetworkPolicy evaluator for the selectors and ports the platform's policies use:
 * podSelector and namespaceSelector (matchLabels, matchExpressions), ipBlock (never a pod), ports
 * by number or by name resolved against the destination pod's container ports, `endPort`.
 * Ingress only, as the policies are. Semantics per the Kubernetes API reference (networking.k8s.io/v1).
 */

export interface Port {
  name?: string;
  port: number;
  protocol: "TCP" | "UDP";
}

export interface Pod {
  /** For messages: `<namespace>/<what>`. */
  id: string;
  namespace: string;
  labels: Record<string, string>;
  ports: Port[];
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
export interface Policy {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: { from?: Peer[]; ports?: PolicyPort[] }[];
  };
}

export function matches(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === "In"
        ? has && (e.values ?? []).includes(labels[e.key]!)
        : e.operator === "NotIn"
          ? !has || !(e.values ?? []).includes(labels[e.key]!)
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : (() => {
                  throw new Error(`unknown selector operator ${e.operator}`);
                })();
    if (!ok) return false;
  }
  return true;
}

/** Every namespace carries `kubernetes.io/metadata.name` (set by the API server). */
const namespaceLabels = (ns: string) => ({ "kubernetes.io/metadata.name": ns });

function peerMatches(peer: Peer, policyNs: string, src: Pod): boolean {
  if (peer.ipBlock) return false; // pod traffic is matched by selectors, not by address, here
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, namespaceLabels(src.namespace))
    : src.namespace === policyNs;
  const podOk = peer.podSelector ? matches(peer.podSelector, src.labels) : true;
  return nsOk && podOk;
}

function portMatches(p: PolicyPort, port: Port): boolean {
  if ((p.protocol ?? "TCP") !== port.protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === "string") return port.name === p.port;
  return p.endPort === undefined ? port.port === p.port : port.port >= p.port && port.port <= p.endPort;
}

/** Whether `src` may open `port` on `dst` under `policies` (ingress only). */
export function allowed(policies: Policy[], src: Pod, dst: Pod, port: Port): boolean {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === dst.namespace &&
      (p.spec.policyTypes ?? ["Ingress"]).includes("Ingress") &&
      matches(p.spec.podSelector, dst.labels),
  );
  if (selecting.length === 0) return true; // not isolated
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.from === undefined ||
          rule.from.length === 0 ||
          rule.from.some((f) => peerMatches(f, p.metadata.namespace, src))) &&
        (rule.ports === undefined ||
          rule.ports.length === 0 ||
          rule.ports.some((pp) => portMatches(pp, port))),
    ),
  );
}
