import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
  POD_SECURITY_LABEL,
  POD_SECURITY_LEVELS,
  POD_SECURITY_REASON,
} from "../infra/generators/pod-security/labels";
import { HELM_RELEASE } from "./alerts";
import { dedupe, isProductionStack, known, prop, productionConfig, stackName } from "./lib";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
/** A namespace another tool creates (the ECK operator's release) and the stack labels. */
export const NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch";
const ECK = ".k8s.elastic.co/";

const metadataOf = (r: PolicyResource): unknown => known(() => r.props.metadata);
const labelOf = (ns: PolicyResource, mode: string): unknown =>
  prop(prop(metadataOf(ns), "labels"), `${POD_SECURITY_LABEL}/${mode}`);

interface Restricted {
  namespace: string;
  /** The resource that puts the workloads there, for the violation's URN. */
  resource: PolicyResource;
  what: string;
}

/**
 * The namespaces whose pods all meet the restricted standard, from the stack's own resources: where
 * kube-prometheus-stack runs Prometheus and Alertmanager (node-exporter runs apart), where the
 * grafana chart runs Grafana, where ECK runs Elasticsearch, Kibana and Logstash (Filebeat runs
 * apart), and where the eck-operator chart runs the operator.
 */
function mustBeRestricted(resources: PolicyResource[]): Restricted[] {
  const what: Record<string, string> = {
    "kube-prometheus-stack": "Prometheus, Alertmanager",
    grafana: "Grafana",
    "eck-operator": "the ECK operator",
  };
  const found = resources.flatMap((r): Restricted[] => {
    if (r.type === HELM_RELEASE) {
      const chart = known(() => r.props.chart);
      const ns = known(() => r.props.namespace);
      return typeof chart === "string" && chart in what && typeof ns === "string"
        ? [{ namespace: ns, resource: r, what: what[chart]! }]
        : [];
    }
    if (r.type.includes(ECK) && !r.type.endsWith(":Beat")) {
      const ns = prop(metadataOf(r), "namespace");
      return typeof ns === "string" ? [{ namespace: ns, resource: r, what: r.type.split(":").at(-1)! }] : [];
    }
    return [];
  });
  // One entry per namespace, naming everything that runs there.
  const byNamespace = new Map<string, Restricted>();
  for (const f of found) {
    const seen = byNamespace.get(f.namespace);
    byNamespace.set(f.namespace, seen ? { ...seen, what: `${seen.what}, ${f.what}` } : f);
  }
  return [...byNamespace.values()];
}

export const prodPodSecurity: StackValidationPolicy = {
  name: "prod-pod-security",
  description:
    "In production every Namespace the stack creates carries Pod Security Admission labels: an `enforce` level pinned to a Kubernetes version (`enforce-version: v1.N`, not `latest`), and a reason (`observability/pod-security`) where it is not `restricted`. The namespaces of Prometheus and Alertmanager, Grafana, Elasticsearch, Kibana and Logstash, and the ECK operator enforce `restricted` and are created by the stack: otherwise a pod that runs as root, escalates privileges or mounts the node's filesystem can start beside the platform's data and credentials.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
    const report = dedupe(reportViolation);
    const namespaces = new Map<string, PolicyResource>();
    for (const ns of args.resources.filter((r) => r.type === NAMESPACE || r.type === NAMESPACE_PATCH)) {
      const name = prop(metadataOf(ns), "name");
      if (typeof name === "string") namespaces.set(name, ns);
      const enforce = labelOf(ns, "enforce");
      const version = labelOf(ns, "enforce-version");
      const shown = typeof name === "string" ? name : ns.name;
      if (enforce === undefined && metadataOf(ns) === undefined) continue; // unknown in a first preview
      if (!POD_SECURITY_LEVELS.includes(enforce as never))
        report(
          `namespace ${shown} has no ${POD_SECURITY_LABEL}/enforce label of privileged, baseline or restricted: Pod Security admission applies the cluster's default there (on EKS, none)`,
          ns.urn,
        );
      if (typeof version !== "string" || !/^v1\.\d+$/.test(version))
        report(
          `namespace ${shown} does not pin ${POD_SECURITY_LABEL}/enforce-version to a Kubernetes minor (v1.N): a cluster upgrade would enforce rules no test has checked`,
          ns.urn,
        );
      const reason = prop(prop(metadataOf(ns), "annotations"), POD_SECURITY_REASON);
      if (enforce !== "restricted" && (typeof reason !== "string" || reason.trim() === ""))
        report(
          `namespace ${shown} enforces ${String(enforce ?? "nothing")} without the reason annotation ${POD_SECURITY_REASON}`,
          ns.urn,
        );
    }
    for (const { namespace, resource, what } of mustBeRestricted(args.resources)) {
      const ns = namespaces.get(namespace);
      if (!ns)
        report(
          `namespace ${namespace} (${what}) is neither created nor labelled by the stack, so it carries no Pod Security labels`,
          resource.urn,
        );
      else if (labelOf(ns, "enforce") !== "restricted")
        report(
          `namespace ${namespace} (${what}) must enforce the restricted Pod Security standard, not ${String(labelOf(ns, "enforce") ?? "nothing")}`,
          ns.urn,
        );
    }
  },
};

export const podSecurityPolicies = [prodPodSecurity];
