import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE } from "./alerts";
import { asArray, dedupe, isProductionStack, known, prop, productionConfig, S3, stackName } from "./lib";
import { hasDisruptionBudget, STATEFUL_SET, thanosWorkloads } from "./thanos";

export { isProductionStack, productionConfig };

/**
 * HA minimums of a production stack (kube-prometheus runs 2 Prometheus and 3 Alertmanager; ES needs
 * a quorum of 3 masters; Grafana 2 replicas on a shared database).
 */
export const PROD_MINIMUMS = {
  prometheusReplicas: 2,
  alertmanagerReplicas: 3,
  elasticsearchMasters: 3,
  grafanaReplicas: 2,
  /** Thanos Query, Query Frontend and Store Gateway: each answers every Grafana query. */
  thanosReaderReplicas: 2,
} as const;

/** The Thanos parts on Grafana's query path, by subcommand. */
export const THANOS_READERS = ["query", "query-frontend", "store"] as const;

export const ELASTICSEARCH = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
/** RDS: a DB instance (Multi-AZ or not), and an Aurora cluster, whose storage holds the data. */
export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const RDS_CLUSTER = "aws:rds/cluster:Cluster";
/** Grafana can share its state between replicas only through MySQL or PostgreSQL. */
const SHARED_DATABASES = ["postgres", "mysql"];

/** Resources whose loss loses data: they must be `protect`ed in production. */
export const STATEFUL_TYPES = [
  ...S3.bucket,
  ...S3.objectLock,
  "aws:kms/key:Key",
  RDS_INSTANCE,
  RDS_CLUSTER,
  ELASTICSEARCH,
  "kubernetes:core/v1:PersistentVolumeClaim",
  "sentry:index/sentryProject:SentryProject",
];
/** Helm charts whose release owns persistent volumes (Prometheus TSDB, Alertmanager silences). */
export const STATEFUL_CHARTS = ["kube-prometheus-stack"];
/** Grafana's release owns a volume when it runs on SQLite (`persistence.enabled`). */
export const GRAFANA_CHART = "grafana";

/** Applies only to production stacks (by the stack name in the URNs). */
function productionResources(args: StackValidationArgs): PolicyResource[] {
  if (!isProductionStack(args)) args.notApplicable(`stack ${stackName(args)} is not a production stack`);
  return args.resources;
}

const chartOf = (r: PolicyResource): unknown => known(() => r.props.chart);
const valuesOf = (r: PolicyResource): unknown => known(() => r.props.values);

/** A StatefulSet that claims volumes (Thanos's Store Gateway and Compactor): deleting it by mistake loses them. */
const claimsVolumes = (r: PolicyResource): boolean =>
  r.type === STATEFUL_SET &&
  asArray(
    prop(
      known(() => r.props.spec),
      "volumeClaimTemplates",
    ),
  ).length > 0;

/** Whether a Helm release holds data of its own (a persistent volume of the chart). */
function releaseHoldsData(r: PolicyResource): boolean {
  const chart = String(chartOf(r));
  if (STATEFUL_CHARTS.includes(chart)) return true;
  return chart === GRAFANA_CHART && prop(prop(valuesOf(r), "persistence"), "enabled") === true;
}

/** What keeps a production Grafana release from surviving the loss of a pod, one line each. */
export function grafanaAvailabilityProblems(values: unknown): string[] {
  const problems: string[] = [];
  const autoscaling = prop(values, "autoscaling");
  const replicas =
    prop(autoscaling, "enabled") === true ? prop(autoscaling, "minReplicas") : prop(values, "replicas");
  if (typeof replicas !== "number" || replicas < PROD_MINIMUMS.grafanaReplicas)
    problems.push(
      `Grafana runs ${replicas ?? "1 (chart default)"} replica(s), production needs at least ${PROD_MINIMUMS.grafanaReplicas}`,
    );
  const ini = prop(values, "grafana.ini");
  const type = prop(prop(ini, "database"), "type");
  if (typeof type !== "string" || !SHARED_DATABASES.includes(type))
    problems.push(
      `Grafana's database is ${type ?? "sqlite3 (Grafana's default)"}: replicas share state only through ${SHARED_DATABASES.join(" or ")}`,
    );
  const peers = prop(prop(ini, "unified_alerting"), "ha_peers");
  if (typeof peers !== "string" || peers.trim() === "")
    problems.push(
      "Grafana alerting has no [unified_alerting] ha_peers: every replica would send every notification",
    );
  const pdb = prop(values, "podDisruptionBudget");
  if (prop(pdb, "minAvailable") === undefined && prop(pdb, "maxUnavailable") === undefined)
    problems.push("Grafana has no PodDisruptionBudget: a node drain may evict every replica at once");
  return problems;
}

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
  description: `Production runs at least ${PROD_MINIMUMS.prometheusReplicas} Prometheus and ${PROD_MINIMUMS.alertmanagerReplicas} Alertmanager replicas, ${PROD_MINIMUMS.elasticsearchMasters} Elasticsearch master-eligible nodes, ${PROD_MINIMUMS.grafanaReplicas} Grafana replicas on a shared PostgreSQL or MySQL database with alerting HA peers and a PodDisruptionBudget, and ${PROD_MINIMUMS.thanosReaderReplicas} replicas of Thanos Query, Query Frontend and Store Gateway each with a PodDisruptionBudget; its RDS databases are Multi-AZ.`,
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const resources = productionResources(args);
    for (const w of thanosWorkloads(resources)) {
      if (!(THANOS_READERS as readonly string[]).includes(w.component)) continue;
      if (w.replicas < PROD_MINIMUMS.thanosReaderReplicas)
        report(
          `${w.resource.name}: Thanos ${w.component} runs ${w.replicas} replica(s), production needs at least ${PROD_MINIMUMS.thanosReaderReplicas}: Grafana's every query goes through it`,
          w.resource.urn,
        );
      if (!hasDisruptionBudget(w, resources))
        report(
          `${w.resource.name}: Thanos ${w.component} has no PodDisruptionBudget keeping a replica up: a node drain may evict every replica at once`,
          w.resource.urn,
        );
    }
    for (const r of resources) {
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
      if (r.type === HELM_RELEASE && chartOf(r) === GRAFANA_CHART)
        for (const p of grafanaAvailabilityProblems(valuesOf(r))) report(`${r.name}: ${p}`, r.urn);
      if (r.type === RDS_INSTANCE && known(() => r.props.multiAz) !== true)
        report(
          `${r.name}: the RDS instance is not Multi-AZ (multiAz: true): losing its Availability Zone loses the database`,
          r.urn,
        );
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
    "In production every stateful resource (S3 buckets, Object Lock, KMS keys, RDS databases, Elasticsearch, volumes, StatefulSets that claim volumes such as Thanos's Store Gateway and Compactor, Sentry projects, the Prometheus release, a Grafana release on a volume) is protected against deletion; an RDS database also has deletion protection and takes a final snapshot.",
  enforcementLevel: "mandatory",
  ...productionConfig,
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    for (const r of productionResources(args)) {
      const stateful =
        STATEFUL_TYPES.includes(r.type) ||
        claimsVolumes(r) ||
        (r.type === HELM_RELEASE && releaseHoldsData(r));
      if (stateful && !r.opts.protect)
        report(`${r.type} ${r.name} holds data but is not protected (protect: true) in production`, r.urn);
      // Pulumi's protect guards against `pulumi destroy`; these guard against everything else.
      if (r.type === RDS_INSTANCE || r.type === RDS_CLUSTER) {
        if (known(() => r.props.deletionProtection) !== true)
          report(
            `${r.type} ${r.name} has no deletion protection (deletionProtection: true) in production`,
            r.urn,
          );
        if (known(() => r.props.skipFinalSnapshot) === true)
          report(
            `${r.type} ${r.name} skips its final snapshot (skipFinalSnapshot: true): deleting it loses its data`,
            r.urn,
          );
      }
    }
  },
};

export const prodPolicies = [prodHighAvailability, prodStatefulProtected];
