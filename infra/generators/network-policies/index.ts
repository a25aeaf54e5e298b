import { type Concern, toYaml } from "../../artifacts";
import { type Flow, flows, policedNamespaces } from "./flows";
import { networkPolicies } from "./policies";

export * from "./flows";
export * from "./policies";

/** Render path of the NetworkPolicies, exactly as the component applies them. */
export const NETWORK_POLICIES_ARTIFACT = "network-policies/network-policies.yaml";

const source = (f: Flow): string =>
  "anywhere" in f.from ? "any source" : `${f.from.pods.what} (\`${f.from.pods.namespace}\`)`;
const ports = (f: Flow): string => f.ports.map((p) => `${p.port}/${p.protocol}`).join(", ");

export const networkPoliciesConcern: Concern = {
  name: "network-policies",
  artifacts: (config) => {
    const policies = networkPolicies(config);
    return policies.length === 0
      ? []
      : // One document, as `kubectl apply -f` reads it (a v1 List).
        [
          {
            path: NETWORK_POLICIES_ARTIFACT,
            content: toYaml({ apiVersion: "v1", kind: "List", items: policies }),
          },
        ];
  },
  summary: (config) => {
    const namespaces = policedNamespaces(config)
      .map((n) => `\`${n}\``)
      .join(", ");
    if (!config.kubernetes.networkPolicies)
      return [
        "## Network policies",
        "",
        `> **Warning:** \`kubernetes.networkPolicies\` is off: no NetworkPolicy guards ${namespaces}. Any pod in the cluster can query Prometheus, create silences in Alertmanager (which has no authentication) and reach Elasticsearch's HTTP and transport ports. Turn it on once the cluster's CNI enforces NetworkPolicies (EKS: the VPC CNI's \`enableNetworkPolicy\`).`,
        "",
      ].join("\n");
    return [
      "## Network policies",
      "",
      `Ingress to every pod in ${namespaces} is denied but for these flows ([${NETWORK_POLICIES_ARTIFACT}](${NETWORK_POLICIES_ARTIFACT})); they take effect only where the cluster's CNI enforces NetworkPolicies (EKS: the VPC CNI's \`enableNetworkPolicy\`).`,
      "",
      "| From | To | Ports | Why |",
      "|---|---|---|---|",
      ...flows(config).map(
        (f) => `| ${source(f)} | ${f.to.what} (\`${f.to.namespace}\`) | ${ports(f)} | ${f.why} |`,
      ),
      "",
    ].join("\n");
  },
};
