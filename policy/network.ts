import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import { asArray, dedupe, isProductionStack, known, prop, productionConfig, stackName } from "./lib";

export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ELASTICSEARCH = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";

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

interface Policed {
  namespace: string;
  /** The resource that puts the namespace's workloads there, for the violation's URN. */
  resource: PolicyResource;
  what: string;
  risk: string;
}

/** What runs in each policed namespace, by the chart (or ECK kind) that puts it there, and what an open door risks. */
const POLICED: Record<string, Pick<Policed, "what" | "risk">> = {
  "kube-prometheus-stack": {
    what: "Prometheus, Alertmanager",
    risk: "any pod in the cluster can query Prometheus and create silences in Alertmanager",
  },
  grafana: {
    what: "Grafana",
    risk: "any pod in the cluster can reach Grafana's alerting gossip and every port Grafana opens",
  },
  "eck-operator": {
    what: "the ECK operator",
    risk: "any pod in the cluster can reach every port the ECK operator opens, not only its webhook",
  },
  [ELASTICSEARCH]: {
    what: "Elasticsearch, Kibana, Logstash",
    risk: "any pod in the cluster can reach Elasticsearch's HTTP and transport ports, Kibana and Logstash's inputs",
  },
};

/**
 * The namespaces production must police, from the stack's own resources: where
 * kube-prometheus-stack runs Prometheus and Alertmanager (which has no authentication: any pod that
 * reaches it can create silences), where ECK runs Elasticsearch (its HTTP and transport ports hold
 * every log, the audit stream included), where the grafana chart runs Grafana (its alerting
 * gossip shares notification state between replicas), and where the eck-operator chart runs the
 * ECK operator (whose webhook alone needs to be open).
 */
function policedNamespaces(resources: PolicyResource[]): Policed[] {
  return resources.flatMap((r): Policed[] => {
    const chart = r.type === HELM_RELEASE ? known(() => r.props.chart) : undefined;
    const ns =
      chart !== undefined
        ? known(() => r.props.namespace)
        : r.type === ELASTICSEARCH
          ? prop(
              known(() => r.props.metadata),
              "namespace",
            )
          : undefined;
    const entry = POLICED[typeof chart === "string" ? chart : r.type];
    return typeof ns === "string" && entry ? [{ namespace: ns, resource: r, ...entry }] : [];
  });
}

export const prodNetworkPolicies: StackValidationPolicy = {
  name: "prod-network-policies",
  description:
    "In production the metrics namespace (Prometheus, Alertmanager, Thanos), the logging namespace (Elasticsearch, Kibana, Logstash), Grafana's and the ECK operator's each have a NetworkPolicy that denies all ingress but the platform's flows (`kubernetes.networkPolicies` on): otherwise any pod in the cluster can query Prometheus, silence every alert through Alertmanager and reach Elasticsearch.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
    const report = dedupe(reportViolation);
    const denied = new Set(args.resources.filter(deniesAllIngress).map(namespaceOf));
    for (const { namespace, resource, what, risk } of policedNamespaces(args.resources))
      if (!denied.has(namespace))
        report(
          `namespace ${namespace} (${what}) has no default-deny ingress NetworkPolicy: ${risk}; set kubernetes.networkPolicies to true`,
          resource.urn,
        );
  },
};

export const networkPolicies = [prodNetworkPolicies];
