import type { StackConfig } from "../../config";
import { databasePrerequisites } from "../grafana/database";
import { endpointPrerequisites } from "../grafana/ingress";
import { podSecurity } from "../pod-security";
import { kibanaEndpointPrerequisites } from "../logging/kibana-endpoint";

/**
 * What the stack needs before its first `pulumi up` and does not create itself: cluster add-ons
 * and AWS objects, per stack, derived from the config. Pure data: the summary and the README list
 * them, and the program looks up each one that has a `lookup` before it creates anything
 * (infra/components/prerequisites.ts), failing with one line per missing prerequisite.
 */
export interface Prerequisite {
  /** Stable id, e.g. `storage-class`. */
  id: string;
  /** What must exist, with this stack's names. */
  what: string;
  /** Why the stack needs it, and what fails without it. */
  why: string;
  /** The config keys that decide it (paths under `observability:`). */
  configKeys: readonly string[];
  /** How a person checks it: a command, with this stack's names. */
  howToCheck: string;
  /** How the program checks it before creating anything; absent where it cannot. */
  lookup?: PrerequisiteLookup;
}

/**
 * A lookup the program can make. Another kind of lookup is one more member here and one more case
 * in infra/components/prerequisites.ts; a Kubernetes object of any kind needs neither.
 */
export type PrerequisiteLookup =
  /**
   * A Kubernetes object, read with the cluster's API (`.get`): it must exist. An IngressClass with
   * `controller` must also name that controller (an Ingress annotated for it means nothing to another).
   */
  | {
      kind: "kubernetes";
      apiVersion: string;
      resource: string;
      name: string;
      namespace?: string;
      controller?: string;
    }
  /** An IAM OIDC identity provider (aws.iam.getOpenIdConnectProvider) that lists `audience`. */
  | { kind: "aws-iam-oidc-provider"; arn: string; audience: string };

/** The prerequisites one part of the stack brings, for one stack's config. */
export type PrerequisiteSource = (config: StackConfig) => Prerequisite[];

/** The class every volume claim names (kubernetes.storageClassName). */
const storageClass: PrerequisiteSource = (config) => {
  const sc = config.kubernetes.storageClassName;
  return [
    {
      id: "storage-class",
      what: `StorageClass \`${sc}\` and the provisioner it names (on EKS, the Amazon EBS CSI driver add-on)`,
      why: "Every volume claim names it (Prometheus, Alertmanager, Grafana, Elasticsearch, Logstash): without it they stay Pending, and the atomic Grafana release rolls back. It should bind volumes on first use (`volumeBindingMode: WaitForFirstConsumer`, so a zonal volume follows its pod) and allow expansion (a larger size must grow an existing volume).",
      configKeys: ["kubernetes.storageClassName"],
      howToCheck: `\`kubectl get storageclass ${sc} -o jsonpath='{.provisioner} {.volumeBindingMode} {.allowVolumeExpansion}'\``,
      lookup: { kind: "kubernetes", apiVersion: "storage.k8s.io/v1", resource: "StorageClass", name: sc },
    },
  ];
};

/** IAM roles for service accounts (IRSA) trust the cluster's OIDC provider. */
const oidcProvider: PrerequisiteSource = (config) => {
  const { arn } = config.kubernetes.oidcProvider;
  return [
    {
      id: "oidc-provider",
      what: `The EKS cluster's IAM OIDC provider \`${arn}\`, with the audience \`sts.amazonaws.com\``,
      why: "Elasticsearch (snapshots), Logstash (the S3 archive) and the Thanos sidecar, Store Gateway and Compactor (the metrics bucket) assume their IAM roles through it: without it every snapshot, archive write and block upload is refused.",
      configKeys: ["kubernetes.oidcProvider.arn", "kubernetes.oidcProvider.issuer"],
      howToCheck: `\`aws iam get-open-id-connect-provider --open-id-connect-provider-arn ${arn} --query ClientIDList\``,
      lookup: { kind: "aws-iam-oidc-provider", arn, audience: "sts.amazonaws.com" },
    },
  ];
};

/** Elasticsearch memory-maps its indices. */
const maxMapCount: PrerequisiteSource = () => [
  {
    id: "vm-max-map-count",
    what: "`vm.max_map_count` of at least 262144 (Elastic recommends 1048576) on the nodes that run Elasticsearch",
    why: "Elasticsearch memory-maps its indices: below 262144 its bootstrap check stops the node from starting.",
    configKeys: [],
    howToCheck:
      "`kubectl debug node/<node> -it --image=busybox -- sysctl vm.max_map_count` on a node of each group",
  },
];

/** Spread across zones only with dedicated masters (production). */
const zoneLabels: PrerequisiteSource = (config) => {
  const es = config.logging.elasticsearch;
  if (es.masters.count === 0) return [];
  return [
    {
      id: "zone-label",
      what: `The label \`${es.zoneTopologyKey}\` on every node that may run Elasticsearch, with nodes in several zones`,
      why: "Elasticsearch's node sets spread across its values with `DoNotSchedule`, which leaves out nodes without the label (their pods stay Pending), and shard copies are kept apart by it.",
      configKeys: ["logging.elasticsearch.zoneTopologyKey", "logging.elasticsearch.masters.count"],
      howToCheck: `\`kubectl get nodes -L ${es.zoneTopologyKey}\``,
    },
  ];
};

/** Filebeat and the node exporter use the host: their namespaces are the only privileged ones. */
const privilegedPods: PrerequisiteSource = (config) => {
  const ns = podSecurity(config);
  const privileged = [ns.nodeExporter, ns.filebeat].map((n) => `\`${n.namespace}\``).join(" and ");
  return [
    {
      id: "privileged-pods",
      what: `Admission that allows privileged pods in ${privileged}`,
      why: `node-exporter uses the host's network, process namespace and filesystem, and Filebeat reads the nodes' container logs through hostPath as root. Pod Security admission follows the namespaces' labels (EKS sets no cluster-wide default): these two enforce \`privileged\` on purpose and hold nothing else, every other namespace the stack creates enforces \`restricted\` (summary.md, Pod security). A policy engine such as Kyverno or Gatekeeper must exempt these two namespaces, or their DaemonSets get no pods.`,
      configKeys: ["metrics.namespace", "logging.namespace"],
      howToCheck: `\`kubectl get namespace ${ns.nodeExporter.namespace} ${ns.filebeat.namespace} --show-labels\` after the first deploy, and the policies installed: \`kubectl get validatingadmissionpolicies,clusterpolicies,constraints\``,
    },
  ];
};

/** One operator of each kind: the charts install and upgrade their own CRDs. */
const soleOperators: PrerequisiteSource = (config) => [
  {
    id: "sole-operators",
    what: "No other ECK operator and no other Prometheus Operator in the cluster",
    why: `The eck-operator chart (${config.logging.eckOperatorVersion}) installs ECK's CRDs as its own templates, so CRDs installed another way make its install fail; a second ECK or Prometheus Operator would also reconcile this stack's Elasticsearch or Prometheus.`,
    configKeys: ["logging.eckOperatorVersion", "metrics.chartVersion"],
    howToCheck:
      "`kubectl get deploy,statefulset -A | grep -E 'elastic-operator|prometheus-operator'` shows nothing before the first deploy",
  },
];

/**
 * Every part of the stack's prerequisites, in the order they are listed. A concern's own (Grafana's
 * endpoint and database) come from its generator; to add one, write its source reading the config
 * keys that decide it, and add it here.
 */
export const PREREQUISITE_SOURCES: readonly PrerequisiteSource[] = [
  storageClass,
  endpointPrerequisites,
  kibanaEndpointPrerequisites,
  oidcProvider,
  maxMapCount,
  zoneLabels,
  privilegedPods,
  soleOperators,
  databasePrerequisites,
];

/**
 * This stack's prerequisites, each once: an add-on two parts need (the AWS Load Balancer
 * Controller for Grafana's and Kibana's ALBs, external-dns) has one id, and is listed and looked
 * up once with both parts' reasons and keys.
 */
export const prerequisites = (config: StackConfig): Prerequisite[] => {
  const byId = new Map<string, Prerequisite>();
  for (const p of PREREQUISITE_SOURCES.flatMap((source) => source(config))) {
    const seen = byId.get(p.id);
    if (!seen) byId.set(p.id, p);
    else if (JSON.stringify(seen.lookup) !== JSON.stringify(p.lookup) || seen.what !== p.what)
      throw new Error(`prerequisite ${p.id}: two different things under one id`);
    else
      byId.set(p.id, {
        ...seen,
        why: `${seen.why}; ${p.why}`,
        configKeys: [...new Set([...seen.configKeys, ...p.configKeys])],
      });
  }
  return [...byId.values()];
};

/** A prerequisite the program looked up and did not find, and why. */
export interface MissingPrerequisite {
  prerequisite: Prerequisite;
  reason: string;
}

/**
 * The error of a run that found prerequisites missing: one line per prerequisite, naming what,
 * the config keys that decide it and how to check it.
 */
export function missingPrerequisitesMessage(missing: readonly MissingPrerequisite[]): string {
  return [
    `${missing.length} prerequisite(s) of this stack are missing; nothing was created (see the Prerequisites section of summary.md):`,
    ...missing.map(
      ({ prerequisite: p, reason }) =>
        `  - ${p.what.replace(/`/g, "")} (${p.configKeys.join(", ")}): ${reason}. Check: ${p.howToCheck.replace(/`/g, "")}`,
    ),
  ].join("\n");
}
