import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import { asArray, dedupe, known, prop, S3, stackOfUrn } from "./lib";

/** HA minimums of a production stack (kube-prometheus runs 2 Prometheus and 3 Alertmanager; ES needs a quorum of 3 masters). */
export const PROD_MINIMUMS = {
  prometheusReplicas: 2,
  alertmanagerReplicas: 3,
  elasticsearchMasters: 3,
} as const;

export const ELASTICSEARCH = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";

/** Resources whose loss loses data: they must be `protect`ed in production. */
export const STATEFUL_TYPES = [
  ...S3.bucket,
  ...S3.objectLock,
  "aws:kms/key:Key",
  ELASTICSEARCH,
  "kubernetes:core/v1:PersistentVolumeClaim",
  "sentry:index/sentryProject:SentryProject",
];
/** Helm charts whose release owns persistent volumes (Prometheus TSDB, Alertmanager silences). */
export const STATEFUL_CHARTS = ["kube-prometheus-stack"];

const productionConfig = {
  configSchema: {
    properties: {
      productionStacks: {
        type: "array" as const,
        items: { type: "string" as const },
        default: ["prod", "production"],
        description: "Stack names held to the production rules.",
      },
    },
  },
};

/** Applies only to production stacks (by the stack name in the URNs). */
function productionResources(args: StackValidationArgs): PolicyResource[] {
  const stacks = args.getConfig<{ productionStacks?: string[] }>().productionStacks ?? ["prod", "production"];
  const stack = args.resources[0] ? stackOfUrn(args.resources[0].urn) : "";
  if (!stacks.includes(stack)) args.notApplicable(`stack ${stack} is not a production stack`);
  return args.resources;
}

const chartOf = (r: PolicyResource): unknown => known(() => r.props.chart);

/** Master-eligible nodes: node sets whose node.roles include master, or that leave roles unset (all roles). */
export function masterNodes(spec: unknown): number {
  return asArray(prop(spec, "nodeSets")).reduce<number>((sum, ns) => {
    const roles = prop(prop(ns, "config"), "node.roles") ?? prop(prop(prop(ns, "config"), "node"), "roles");
    const count = prop(ns, "count");
    const master = roles === undefined || asArray(roles).includes("master");
    return sum + (master && typeof count === "number" ? count : 0);
  }, 0);
}

export const prodHighAvailability: StackValidationPolicy = {
  name: "prod-high-availability",
  description: `Production runs at least ${PROD_MINIMUMS.prometheusReplicas} Prometheus and ${PROD_MINIMUMS.alertmanagerReplicas} Alertmanager replicas and ${PROD_MINIMUMS.elasticsearchMasters} Elasticsearch master-eligible nodes.`,
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    for (const r of productionResources(args)) {
      if (r.type === HELM_RELEASE && chartOf(r) === "kube-prometheus-stack") {
        const values = known(() => r.props.values);
        const prom = prop(prop(prop(values, "prometheus"), "prometheusSpec"), "replicas");
        const am = prop(prop(prop(values, "alertmanager"), "alertmanagerSpec"), "replicas");
        if (typeof prom !== "number" || prom < PROD_MINIMUMS.prometheusReplicas)
          report(
            `${r.name}: Prometheus runs ${prom ?? "1 (chart default)"} replica(s), production needs at least ${PROD_MINIMUMS.prometheusReplicas}`,
            r.urn,
          );
        if (typeof am !== "number" || am < PROD_MINIMUMS.alertmanagerReplicas)
          report(
            `${r.name}: Alertmanager runs ${am ?? "1 (chart default)"} replica(s), production needs at least ${PROD_MINIMUMS.alertmanagerReplicas} (a quorum for its gossip)`,
            r.urn,
          );
      }
      if (r.type === ELASTICSEARCH) {
        const masters = masterNodes(known(() => r.props.spec));
        if (masters < PROD_MINIMUMS.elasticsearchMasters)
          report(
            `${r.name}: Elasticsearch has ${masters} master-eligible node(s), production needs at least ${PROD_MINIMUMS.elasticsearchMasters} to survive losing one without split brain`,
            r.urn,
          );
      }
    }
  },
};

export const prodStatefulProtected: StackValidationPolicy = {
  name: "prod-stateful-protected",
  description:
    "In production every stateful resource (S3 buckets, Object Lock, KMS keys, Elasticsearch, volumes, Sentry projects, the Prometheus release) is protected against deletion.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    for (const r of productionResources(args)) {
      const stateful =
        STATEFUL_TYPES.includes(r.type) ||
        (r.type === HELM_RELEASE && STATEFUL_CHARTS.includes(String(chartOf(r))));
      if (stateful && !r.opts.protect)
        report(`${r.type} ${r.name} holds data but is not protected (protect: true) in production`, r.urn);
    }
  },
};

export const prodPolicies = [prodHighAvailability, prodStatefulProtected];
