import { type LogType, RETENTION } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { LOGGING_PART_OF, partOf } from "../labels";
import { eckNames, kibanaPublicUrl, LOGSTASH_ES_REF } from "./names";
import { filebeatExporter } from "../platform/filebeat";
import { LOGSTASH_PIPELINES, logstashExporter } from "../platform/logstash";
import {
  type ArchiveTarget,
  filebeatConfig,
  logstashArchivePipeline,
  logstashIngestPipeline,
} from "./shippers";

/** Pure ECK custom-resource specs; the component wraps them in Kubernetes resources. */

export const ECK_API = {
  elasticsearch: { apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch" },
  kibana: { apiVersion: "kibana.k8s.elastic.co/v1", kind: "Kibana" },
  beat: { apiVersion: "beat.k8s.elastic.co/v1beta1", kind: "Beat" },
  logstash: { apiVersion: "logstash.k8s.elastic.co/v1alpha1", kind: "Logstash" },
} as const;

/** Days Logstash keeps documents Elasticsearch refused: the shortest log retention (debug). */
export const DLQ_RETAIN_DAYS = Math.min(...Object.values(RETENTION).map((r) => r.days));

const mb = (gb: number): number => Math.round(gb * 1024);
const resources = (memoryGb: number, cpu: number) => ({
  // Memory limit = request: the JVM heap is sized from it and must never be squeezed.
  requests: { memory: `${mb(memoryGb)}Mi`, cpu: String(cpu) },
  limits: { memory: `${mb(memoryGb)}Mi` },
});

const CLUSTER_LABEL = "elasticsearch.k8s.elastic.co/cluster-name";
const STATEFULSET_LABEL = "elasticsearch.k8s.elastic.co/statefulset-name";

/**
 * Security contexts of the ECK pods in the logging namespace, which enforces the restricted Pod
 * Security standard (infra/generators/pod-security). Each pod template states its pod context and
 * one context per container, ECK's own included by name: ECK fills in a context only where the
 * template has none (pkg/controller/common/defaults/pod_template.go, WithPodSecurityContext and
 * WithContainersSecurityContext) and keeps a template container's context when it merges its own
 * container of the same name into it (WithInitContainers: the user's container is the base). So
 * what is here is what runs, whatever ECK's defaults (operator setting `setDefaultSecurityContext`).
 * The values are ECK 3.5's defaults for each product (cited per constant), plus what restricted
 * requires and those lack. tests/pod-security/ checks every template against its namespace's level.
 */
const RUNTIME_DEFAULT = { type: "RuntimeDefault" } as const;
const NO_PRIVILEGE = {
  privileged: false,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
} as const;

/**
 * The containers ECK adds to each product's pods by itself, by name: elastic/cloud-on-k8s
 * pkg/controller/elasticsearch/initcontainer/initcontainer.go (PrepareFilesystemContainerName,
 * SuspendContainerName), pkg/controller/kibana/volume/volume.go (InitContainerName),
 * pkg/controller/logstash/initcontainer.go (InitConfigContainerName). The keystore init containers
 * (`elastic-internal-init-keystore`, with `secureSettings`) and the stack-monitoring sidecars (with
 * `monitoring`) are added only with those settings, which the stack does not use.
 */
export const ECK_ADDED_CONTAINERS = {
  elasticsearch: {
    main: "elasticsearch",
    init: ["elastic-internal-init-filesystem", "elastic-internal-suspend"],
  },
  kibana: { main: "kibana", init: ["elastic-internal-init"] },
  logstash: { main: "logstash", init: ["logstash-internal-init-config"] },
  beat: { main: "filebeat", init: [] },
} as const;

/**
 * Elasticsearch: ECK's pod default (podspec.go: fsGroup 1000, RuntimeDefault) with runAsNonRoot,
 * and its container default for 8.8+ with the data volume mounted (securitycontext.For: no
 * privilege, no escalation, all capabilities dropped, non-root, read-only root filesystem; the
 * init containers write only to ECK's emptyDir volumes).
 */
const ES_POD_SECURITY = { runAsNonRoot: true, fsGroup: 1000, seccompProfile: RUNTIME_DEFAULT } as const;
const ES_CONTAINER_SECURITY = { ...NO_PRIVILEGE, readOnlyRootFilesystem: true } as const;

/**
 * Kibana: ECK's defaults (pkg/controller/kibana/securitycontext.go: pod fsGroup 1000 and
 * RuntimeDefault; containers uid and gid 1000, read-only root filesystem, no privilege, no
 * escalation, all capabilities dropped), plus runAsNonRoot, which restricted requires and those lack.
 */
const KIBANA_POD_SECURITY = { runAsNonRoot: true, fsGroup: 1000, seccompProfile: RUNTIME_DEFAULT } as const;
const KIBANA_CONTAINER_SECURITY = {
  ...NO_PRIVILEGE,
  readOnlyRootFilesystem: true,
  runAsUser: 1000,
  runAsGroup: 1000,
} as const;

/**
 * Logstash: ECK sets only the pod's context (pkg/controller/logstash/pod.go: fsGroup 1000,
 * RuntimeDefault) and `privileged: false` on its init container; the image's `logstash` user is
 * uid 1000. Its root filesystem stays writable: Logstash's JVM and JRuby write temporary files
 * under /tmp, which ECK mounts no volume on.
 */
const LOGSTASH_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: RUNTIME_DEFAULT,
} as const;

/** A container of the template that only states its security context, for ECK to complete by name. */
const secured = (name: string, securityContext: object) => ({ name, securityContext });

/** Elasticsearch's S3 client reads the web identity token only from its config directory. */
const IRSA_INIT = {
  name: "irsa-token-link",
  // It writes a link into ECK's config emptyDir only.
  securityContext: ES_CONTAINER_SECURITY,
  command: [
    "sh",
    "-c",
    'mkdir -p /usr/share/elasticsearch/config/repository-s3 && ln -sf "$AWS_WEB_IDENTITY_TOKEN_FILE" /usr/share/elasticsearch/config/repository-s3/aws-web-identity-token-file',
  ],
};

interface NodeSetInput {
  name: string;
  roles?: string[];
  group: StackConfig["logging"]["elasticsearch"]["data"];
}

function nodeSet(config: StackConfig, n: NodeSetInput, zoneAware: boolean) {
  const es = config.logging.elasticsearch;
  const names = eckNames(config);
  const heap = `${mb(n.group.heapGb)}m`;
  return {
    name: n.name,
    count: n.group.count,
    config: {
      ...(n.roles ? { "node.roles": n.roles } : {}),
      ...(zoneAware
        ? {
            // Elasticsearch substitutes environment variables in its settings.
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ZONE} for Elasticsearch.
            "node.attr.zone": "${ZONE}",
            // Primary and replica of a shard never share a zone.
            "cluster.routing.allocation.awareness.attributes": "k8s_node_name,zone",
          }
        : {}),
    },
    podTemplate: {
      metadata: { labels: partOf(LOGGING_PART_OF) },
      spec: {
        serviceAccountName: names.esServiceAccount,
        securityContext: ES_POD_SECURITY,
        initContainers: [
          ...ECK_ADDED_CONTAINERS.elasticsearch.init.map((c) => secured(c, ES_CONTAINER_SECURITY)),
          IRSA_INIT,
        ],
        containers: [
          {
            name: ECK_ADDED_CONTAINERS.elasticsearch.main,
            securityContext: ES_CONTAINER_SECURITY,
            resources: resources(n.group.memoryGb, n.group.cpu),
            env: [
              { name: "ES_JAVA_OPTS", value: `-Xms${heap} -Xmx${heap}` },
              ...(zoneAware
                ? [
                    {
                      name: "ZONE",
                      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${es.zoneTopologyKey}']` } },
                    },
                  ]
                : []),
            ],
          },
        ],
        ...(zoneAware
          ? {
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: es.zoneTopologyKey,
                  whenUnsatisfiable: "DoNotSchedule",
                  labelSelector: {
                    matchLabels: {
                      [CLUSTER_LABEL]: names.elasticsearch,
                      [STATEFULSET_LABEL]: `${names.elasticsearch}-es-${n.name}`,
                    },
                  },
                },
              ],
            }
          : {}),
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "elasticsearch-data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: `${n.group.storageGb}Gi` } },
          storageClassName: config.kubernetes.storageClassName,
        },
      },
    ],
  };
}

/** HA when there are dedicated masters: masters and data nodes spread across zones. */
export function elasticsearchSpec(config: StackConfig, fileRealmSecrets: string[] = []) {
  const l = config.logging;
  const es = l.elasticsearch;
  const ha = es.masters.count > 0;
  const nodeSets = ha
    ? [
        nodeSet(config, { name: "master", roles: ["master"], group: es.masters }, true),
        nodeSet(config, { name: "data", roles: ["data", "ingest"], group: es.data }, true),
      ]
    : [nodeSet(config, { name: "default", group: es.data }, false)];
  return {
    version: l.stackVersion,
    // Deleting the Elasticsearch resource keeps the data volumes; only scaling down removes them.
    volumeClaimDeletePolicy: "DeleteOnScaledownOnly",
    // The HTTP certificate comes from the program's own CA (see http-tls.ts), so clients know it up front.
    http: { tls: { certificate: { secretName: eckNames(config).esHttpCertSecret } } },
    // Users whose credentials live in basic-auth Secrets (ECK hashes them into the file realm).
    ...(fileRealmSecrets.length > 0
      ? { auth: { fileRealm: fileRealmSecrets.map((secretName) => ({ secretName })) } }
      : {}),
    podDisruptionBudget: {
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: { [CLUSTER_LABEL]: eckNames(config).elasticsearch } },
      },
    },
    nodeSets,
  };
}

/** ECK copies these node labels onto the pods as annotations, which feed `node.attr.zone`. */
export function elasticsearchAnnotations(config: StackConfig): Record<string, string> {
  return config.logging.elasticsearch.masters.count > 0
    ? { "eck.k8s.elastic.co/downward-node-labels": config.logging.elasticsearch.zoneTopologyKey }
    : {};
}

export function kibanaSpec(config: StackConfig) {
  const k = config.logging.kibana;
  const publicUrl = kibanaPublicUrl(config);
  return {
    version: config.logging.stackVersion,
    count: k.replicas,
    elasticsearchRef: { name: eckNames(config).elasticsearch },
    // Behind an Ingress, Kibana's links and redirects name the public URL, not the pod's.
    ...(publicUrl ? { config: { "server.publicBaseUrl": publicUrl } } : {}),
    podTemplate: {
      spec: {
        securityContext: KIBANA_POD_SECURITY,
        initContainers: ECK_ADDED_CONTAINERS.kibana.init.map((c) => secured(c, KIBANA_CONTAINER_SECURITY)),
        containers: [
          {
            name: ECK_ADDED_CONTAINERS.kibana.main,
            securityContext: KIBANA_CONTAINER_SECURITY,
            resources: resources(k.memoryGb, k.cpu),
          },
        ],
      },
    },
  };
}

export function logstashSpec(config: StackConfig, targets: Record<LogType, ArchiveTarget>) {
  const ls = config.logging.logstash;
  const names = eckNames(config);
  const heap = `${mb(ls.memoryGb / 2)}m`;
  // The metrics sidecar (infra/generators/platform/logstash.ts) and the API Service it needs.
  const exporter = logstashExporter(config);
  return {
    version: config.logging.stackVersion,
    count: ls.replicas,
    elasticsearchRefs: [{ name: names.elasticsearch, clusterName: LOGSTASH_ES_REF }],
    services: [
      exporter.apiService,
      {
        name: "beats",
        service: {
          spec: {
            type: "ClusterIP",
            ports: [{ name: "beats", port: 5044, targetPort: 5044, protocol: "TCP" }],
          },
        },
      },
    ],
    pipelines: [
      {
        "pipeline.id": LOGSTASH_PIPELINES.ingest,
        "config.string": logstashIngestPipeline(config),
        // Documents Elasticsearch refuses (400, 404) are kept on the data volume instead of logged
        // and dropped; their archive copy has left through the pipeline output already.
        "dead_letter_queue.enable": true,
        // Kept as long as the shortest retention (debug, 7 days): enough to look into and replay,
        // and no refused line outlives its type's retention (a per-pipeline setting of Logstash's
        // PIPELINE_SETTINGS_WHITE_LIST).
        "dead_letter_queue.retain.age": `${DLQ_RETAIN_DAYS}d`,
      },
      {
        "pipeline.id": LOGSTASH_PIPELINES.archive,
        "config.string": logstashArchivePipeline(config, targets),
        "queue.type": "persisted",
      },
    ],
    // The persisted queue. ECK lets only the storage request of a claim change, so the class is
    // named from the first deploy on.
    volumeClaimTemplates: [
      {
        metadata: { name: "logstash-data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "10Gi" } },
          storageClassName: config.kubernetes.storageClassName,
        },
      },
    ],
    podTemplate: {
      spec: {
        serviceAccountName: names.logstashServiceAccount,
        securityContext: LOGSTASH_POD_SECURITY,
        initContainers: ECK_ADDED_CONTAINERS.logstash.init.map((c) => secured(c, NO_PRIVILEGE)),
        containers: [
          {
            name: ECK_ADDED_CONTAINERS.logstash.main,
            securityContext: NO_PRIVILEGE,
            resources: resources(ls.memoryGb, ls.cpu),
            env: [{ name: "LS_JAVA_OPTS", value: `-Xms${heap} -Xmx${heap}` }],
          },
          exporter.container,
        ],
        volumes: [exporter.volume],
      },
    },
  };
}

/**
 * Filebeat, in its own namespace, which allows privileged pods (infra/generators/pod-security): it
 * reads the node's container logs through hostPath volumes, as root, the only way to read them.
 */
export function filebeatSpec(config: StackConfig) {
  const names = eckNames(config);
  // json_exporter beside Filebeat turns its /stats into metrics (infra/generators/platform/filebeat.ts).
  const exporter = filebeatExporter(config);
  const hostPath = (name: string, path: string) => ({ name, hostPath: { path } });
  return {
    type: "filebeat",
    version: config.logging.stackVersion,
    config: filebeatConfig(config),
    daemonSet: {
      podTemplate: {
        spec: {
          serviceAccountName: names.filebeatServiceAccount,
          automountServiceAccountToken: true,
          tolerations: [{ operator: "Exists" }],
          containers: [
            {
              name: ECK_ADDED_CONTAINERS.beat.main,
              // Container log files on the node are readable by root only. Root is this container's
              // alone: the exporter beside it runs as nobody.
              securityContext: { runAsUser: 0 },
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              volumeMounts: [
                { name: "varlogcontainers", mountPath: "/var/log/containers", readOnly: true },
                { name: "varlogpods", mountPath: "/var/log/pods", readOnly: true },
                { name: "varlibdockercontainers", mountPath: "/var/lib/docker/containers", readOnly: true },
              ],
            },
            exporter.container,
          ],
          volumes: [
            hostPath("varlogcontainers", "/var/log/containers"),
            hostPath("varlogpods", "/var/log/pods"),
            hostPath("varlibdockercontainers", "/var/lib/docker/containers"),
            // Filebeat's registry (how far it read each file). ECK's default is a hostPath named after
            // the Beat's namespace (pkg/controller/beat/common/pod.go, DataMountPathTemplate); stated
            // at the path it had in the logging namespace, so that Filebeat's move to its own namespace
            // neither ships every file again nor skips any. ECK keeps a volume the template names.
            {
              name: FILEBEAT_DATA_VOLUME,
              hostPath: { path: names.filebeatDataPath, type: "DirectoryOrCreate" },
            },
            exporter.volume,
          ],
        },
      },
    },
  };
}

/** ECK's name for the Beat's data volume (pkg/controller/beat/common/pod.go, DataVolumeName). */
export const FILEBEAT_DATA_VOLUME = "beat-data";
