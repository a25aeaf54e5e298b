import type { StackConfig } from "../../config";
import { durationSeconds } from "../../config/common";
import { THANOS } from "../../versions";
import { managedLabels, partOf } from "../labels";
import { jobRelabeling } from "../platform/types";
import { type Ref, ref } from "../refs";
import { OBJSTORE_SECRET, THANOS_PARTS, THANOS_PORTS, type ThanosPart, thanosNames } from "./names";

/**
 * What the Thanos workloads (Query, Query Frontend, Store Gateway, Compactor) share: image, labels,
 * security settings, probes, ports, ServiceAccounts, ServiceMonitors and PodDisruptionBudgets. The
 * shapes follow kube-thanos (thanos-io/kube-thanos, jsonnet/kube-thanos/*.libsonnet); the flags are
 * those of the pinned release (tests/thanos/flags.test.ts checks them against its flag reference).
 */

export type ThanosInput = Pick<StackConfig, "thanos" | "metrics" | "kubernetes" | "production">;

/** The parts this concern runs as its own workloads (the sidecar runs in the Prometheus pods). */
export type WorkloadPart = Exclude<ThanosPart, "sidecar">;

export const THANOS_IMAGE = `${THANOS.repository}:${THANOS.tag}`;

/** `app.kubernetes.io/component`, as kube-thanos names each part. */
const COMPONENT: Readonly<Record<WorkloadPart, string>> = {
  query: "query-layer",
  queryFrontend: "query-cache",
  storeGateway: "object-store-gateway",
  compactor: "database-compactor",
};

/** The selector of a part's pods: its name only (the version label changes on upgrades). */
export const selectorLabels = (part: WorkloadPart) => ({ "app.kubernetes.io/name": THANOS_PARTS[part] });

export const partLabels = (part: WorkloadPart) => ({
  ...managedLabels(),
  ...selectorLabels(part),
  "app.kubernetes.io/component": COMPONENT[part],
  "app.kubernetes.io/version": THANOS.tag,
});

/**
 * Labels of a StatefulSet's volume claim template: nothing that changes on an upgrade (the
 * version), since any change to the templates replaces the StatefulSet, which production protects.
 */
export const claimLabels = (part: WorkloadPart) => ({ ...managedLabels(), ...selectorLabels(part) });

export const metadata = (config: ThanosInput, part: WorkloadPart) => ({
  name: THANOS_PARTS[part],
  namespace: thanosNames(config).namespace,
  labels: partLabels(part),
});

/**
 * `nobody`, as kube-thanos runs every part (the image itself declares user 1001): numeric, so that
 * the kubelet can check runAsNonRoot; the binary is executable by everyone.
 */
const NOBODY = 65534;

/** No root, no privilege, nothing writable but the data volume (kube-thanos's settings). */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: NOBODY,
  runAsGroup: NOBODY,
  // The data volume is written by the pod's group.
  fsGroup: NOBODY,
  seccompProfile: { type: "RuntimeDefault" },
};

export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

export const HTTP_PORT = { name: "http", containerPort: THANOS_PORTS.http, protocol: "TCP" };
export const GRPC_PORT = { name: "grpc", containerPort: THANOS_PORTS.grpc, protocol: "TCP" };

/** Listen addresses: Thanos's defaults, stated so that the ports above cannot drift from them. */
export const httpAddress = `--http-address=0.0.0.0:${THANOS_PORTS.http}`;
export const grpcAddress = `--grpc-address=0.0.0.0:${THANOS_PORTS.grpc}`;
/**
 * Logging, and the Go runtime's soft memory limit at 90% of the container's limit (Thanos reads it
 * from the cgroup): the garbage collector works harder near the limit instead of the pod being
 * killed for memory. Off by default in Thanos.
 */
export const LOG_ARGS = ["--log.level=info", "--log.format=logfmt", "--enable-auto-gomemlimit"] as const;

/**
 * Liveness on /-/healthy, readiness on /-/ready (Thanos's HTTP server; kube-thanos's thresholds):
 * a Store Gateway is ready once it has loaded the bucket's index headers, which takes a while.
 */
export const probes = (liveFailures = 4) => ({
  livenessProbe: {
    httpGet: { path: "/-/healthy", port: HTTP_PORT.name, scheme: "HTTP" },
    periodSeconds: 30,
    failureThreshold: liveFailures,
    timeoutSeconds: 1,
  },
  readinessProbe: {
    httpGet: { path: "/-/ready", port: HTTP_PORT.name, scheme: "HTTP" },
    periodSeconds: 5,
    failureThreshold: 20,
    timeoutSeconds: 1,
  },
});

/** Requests from config; the memory limit at twice the request, so a leak ends in a restart. */
export const resources = (requests: { cpu: string; memory: string }) => ({
  requests: { cpu: requests.cpu, memory: requests.memory },
  limits: { memory: doubled(requests.memory) },
});
const doubled = (q: string): string => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi)$/.exec(q);
  if (!m) throw new Error(`not a byte quantity: ${q}`);
  return `${Number(m[1]) * 2}${m[2]}`;
};

/**
 * The objstore config (type S3, no credential: each bucket user has its IAM role) from the Secret
 * in the metrics namespace, passed as `--objstore.config=$(OBJSTORE_CONFIG)`, which Kubernetes
 * expands from the environment, so the config is never in the pod spec.
 */
export const OBJSTORE_ENV = {
  name: "OBJSTORE_CONFIG",
  valueFrom: { secretKeyRef: { name: OBJSTORE_SECRET.name, key: OBJSTORE_SECRET.key } },
};
export const objstoreArg = "--objstore.config=$(OBJSTORE_CONFIG)";

/** Where the data volume is mounted (the Store Gateway's index-header cache, the Compactor's scratch). */
export const DATA_DIR = "/var/thanos/data";
/** The name of that volume (and of its claims, `data-<pod>`). */
export const DATA_VOLUME = "data";

/** Never two replicas on one node: losing a node must leave one serving. */
export const antiAffinity = (part: WorkloadPart) => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: selectorLabels(part) }, topologyKey: "kubernetes.io/hostname" },
    ],
  },
});

/** The pod spec every part shares, with anti-affinity when there are several replicas. */
export const podSpec = <C extends object>(part: WorkloadPart, container: C, opts: { replicas: number }) => ({
  serviceAccountName: THANOS_PARTS[part],
  securityContext: POD_SECURITY_CONTEXT,
  // A graceful shutdown finishes queries in flight (Thanos's --http/grpc-grace-period is 2m).
  terminationGracePeriodSeconds: 120,
  nodeSelector: { "kubernetes.io/os": "linux" },
  ...(opts.replicas > 1 ? { affinity: antiAffinity(part) } : {}),
  containers: [
    {
      name: "thanos",
      image: THANOS_IMAGE,
      terminationMessagePolicy: "FallbackToLogsOnError",
      securityContext: CONTAINER_SECURITY_CONTEXT,
      ...container,
    },
  ],
});

/**
 * A part's ServiceAccount. The bucket users' (Store Gateway, Compactor) carry their IAM role
 * (`ref("roleArn:<part>")`, filled by the component) when one is given, and need their token for
 * IRSA; the others call no API and mount none.
 */
export function serviceAccount(config: ThanosInput, part: WorkloadPart, opts: { roleArn: boolean }) {
  const bucketUser = part === "storeGateway" || part === "compactor";
  const annotations: Record<string, Ref> =
    bucketUser && opts.roleArn ? { "eks.amazonaws.com/role-arn": ref(`roleArn:${part}`) } : {};
  return {
    metadata: { ...metadata(config, part), annotations },
    automountServiceAccountToken: bucketUser,
  };
}

/** A Service on the part's ports; headless for the StatefulSets, so DNS SRV names each pod. */
export function service(config: ThanosInput, part: WorkloadPart, opts: { grpc: boolean; headless: boolean }) {
  const ports = [...(opts.grpc ? [GRPC_PORT] : []), HTTP_PORT].map((p) => ({
    name: p.name,
    port: p.containerPort,
    targetPort: p.name,
    protocol: p.protocol,
  }));
  return {
    metadata: metadata(config, part),
    spec: {
      type: "ClusterIP",
      ...(opts.headless ? { clusterIP: "None" } : {}),
      selector: selectorLabels(part),
      ports,
    },
  };
}

/**
 * The part's ServiceMonitor beside it in the metrics namespace (Prometheus selects monitors in
 * every namespace): `job` is the part's name (THANOS_PARTS), which rules and dashboards select.
 */
export function serviceMonitor(config: ThanosInput, part: WorkloadPart) {
  const ns = thanosNames(config).namespace;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: THANOS_PARTS[part], namespace: ns, labels: { ...partOf(), ...selectorLabels(part) } },
    spec: {
      selector: { matchLabels: selectorLabels(part) },
      namespaceSelector: { matchNames: [ns] },
      endpoints: [
        {
          port: HTTP_PORT.name,
          path: "/metrics",
          interval: config.metrics.prometheus.scrapeInterval,
          relabelings: [jobRelabeling(THANOS_PARTS[part])],
        },
      ],
    },
  };
}

/** With more than one replica: a node drain evicts one at a time, one always serves. */
export function podDisruptionBudget(config: ThanosInput, part: WorkloadPart, replicas: number) {
  if (replicas < 2) return undefined;
  return {
    metadata: metadata(config, part),
    spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(part) } },
  };
}

/** A Thanos (Prometheus model) duration of the largest unit that divides `seconds` evenly. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  for (const [unit, size] of units)
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  return `${Math.round(seconds * 1000)}ms`;
}

/**
 * The Store Gateway stops reading a block marked for deletion after this: half the Compactor's
 * `--delete-delay`, as Thanos's help for `--ignore-deletion-marks-delay` says, so queries in flight
 * have switched to the compacted block well before the Compactor deletes the old one.
 */
export const ignoreDeletionMarksDelay = (config: Pick<StackConfig, "thanos">): string =>
  formatDuration(durationSeconds(config.thanos.deleteDelay) / 2);

/**
 * The data volume of a StatefulSet's pods, of the stack's class. Its labels change on no upgrade:
 * any change to a claim template replaces the StatefulSet (claimLabels).
 */
export const dataClaim = (config: ThanosInput, part: WorkloadPart, size: string) => ({
  metadata: { name: DATA_VOLUME, labels: claimLabels(part) },
  spec: {
    accessModes: ["ReadWriteOnce"],
    storageClassName: config.kubernetes.storageClassName,
    resources: { requests: { storage: size } },
  },
});

/**
 * Query and Query Frontend: stateless, no Kubernetes API calls. One pod at a time and no surge, so
 * that required anti-affinity needs no spare node.
 */
export function statelessDeployment(
  config: ThanosInput,
  part: "query" | "queryFrontend",
  c: {
    replicas: number;
    args: string[];
    ports: { name: string; containerPort: number; protocol: string }[];
    requests: { cpu: string; memory: string };
  },
) {
  return {
    metadata: metadata(config, part),
    spec: {
      replicas: c.replicas,
      selector: { matchLabels: selectorLabels(part) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels: metadata(config, part).labels },
        spec: {
          automountServiceAccountToken: false,
          ...podSpec(
            part,
            { args: c.args, ports: c.ports, ...probes(), resources: resources(c.requests) },
            { replicas: c.replicas },
          ),
        },
      },
    },
  };
}

/**
 * The Store Gateway and the Compactor: a StatefulSet of pods that read the bucket through their
 * IAM role (the objstore config from the Secret) and keep a data volume. Parallel pod management:
 * replicas start together, and a rollout to a pod that never gets ready can be rolled back without
 * deleting the pod by hand (as OrderedReady needs); a StatefulSet never runs two pods of one
 * ordinal either way. Volumes stay when the set is deleted or scaled down (the default, stated).
 */
export function bucketStatefulSet(
  config: ThanosInput,
  part: "storeGateway" | "compactor",
  c: {
    replicas: number;
    args: string[];
    ports: { name: string; containerPort: number; protocol: string }[];
    probes: ReturnType<typeof probes>;
    requests: { cpu: string; memory: string };
    storageSize: string;
  },
) {
  return {
    metadata: metadata(config, part),
    spec: {
      replicas: c.replicas,
      serviceName: THANOS_PARTS[part],
      selector: { matchLabels: selectorLabels(part) },
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels: metadata(config, part).labels },
        spec: {
          // IRSA: the token is what its IAM role trusts.
          automountServiceAccountToken: true,
          ...podSpec(
            part,
            {
              args: c.args,
              env: [OBJSTORE_ENV],
              ports: c.ports,
              ...c.probes,
              resources: resources(c.requests),
              volumeMounts: [{ name: DATA_VOLUME, mountPath: DATA_DIR }],
            },
            { replicas: c.replicas },
          ),
        },
      },
      volumeClaimTemplates: [dataClaim(config, part, c.storageSize)],
    },
  };
}
