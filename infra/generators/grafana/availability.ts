import type { StackConfig } from "../../config";
import { ref } from "../refs";
import {
  DATABASE_NAME,
  DATABASE_SECRET,
  DATABASE_SECRET_KEYS,
  DATABASE_SSL_MODE,
  DATABASE_USER,
  grafanaDatabase,
  grafanaDatabaseConfig,
  databasePrerequisites,
} from "./database";

/**
 * How Grafana runs, as the chart's values: with a database (production) several replicas that share
 * it, spread over nodes, one kept up by a PodDisruptionBudget, rolled one at a time, their alert
 * notifications deduplicated through Alertmanager gossip (`ha_peers`) over the chart's headless
 * Service; without one (dev), one replica on SQLite on a volume.
 */

/** Grafana's alerting gossip (memberlist, TCP and UDP): the chart's headless Service serves this port. */
export const GOSSIP_PORT = 9094;

/** The chart's headless Service: `<fullname>-headless`, and the fullname is the release name. */
export const headlessService = (release: string): string => `${release}-headless`;

/**
 * Grafana's `ha_peers`: the headless Service's fully qualified name, which resolves to the IP of
 * every ready Grafana pod, and the gossip port the chart exposes on it (`<gossipPortName>-tcp`).
 */
export const haPeers = (release: string, namespace: string): string =>
  `${headlessService(release)}.${namespace}.svc.cluster.local:${GOSSIP_PORT}`;

/** The chart's selector labels of Grafana's pods (`grafana.selectorLabels`). */
const podSelector = (release: string) => ({
  matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": release },
});

type AvailabilityInput = Pick<StackConfig, "grafana" | "kubernetes">;

/** Whether Grafana runs highly available: several replicas on the shared database. */
export const grafanaHighlyAvailable = (config: Pick<StackConfig, "grafana">): boolean =>
  grafanaDatabaseConfig(config) !== undefined && config.grafana.replicas > 1;

/** Replicas, update strategy, storage and the HA objects of the chart. */
export function grafanaAvailabilityValues(
  config: AvailabilityInput,
  release: string,
): Record<string, unknown> {
  const g = config.grafana;
  if (!grafanaDatabaseConfig(config))
    return {
      // SQLite on a volume: one replica is the supported layout without an external database.
      replicas: 1,
      // The volume is ReadWriteOnce: a rolling update's new pod waits for the old one's volume (on
      // another node it never attaches), and two Grafana versions must not share one SQLite file
      // while the new one migrates it. Stop the old pod first. `rollingUpdate: null` removes the
      // parameters the API server defaulted on an existing Deployment, which Recreate forbids.
      deploymentStrategy: { type: "Recreate", rollingUpdate: null },
      persistence: {
        enabled: true,
        size: g.storageSize,
        type: "pvc",
        // Named, not the cluster's default (EKS 1.30+ has none, and the atomic release would roll back).
        storageClassName: config.kubernetes.storageClassName,
      },
    };
  const ha = g.replicas > 1;
  return {
    replicas: g.replicas,
    // One pod at a time, no surge: the others serve, and required anti-affinity needs no spare node.
    deploymentStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    // Everything lives in the database; /var/lib/grafana is scratch (plugins install at start).
    persistence: { enabled: false, disableWarning: true },
    // The password and secret_key reach the pod only from the Secret (GF_<SECTION>_<KEY> overrides).
    envValueFrom: {
      GF_DATABASE_PASSWORD: {
        secretKeyRef: { name: DATABASE_SECRET, key: DATABASE_SECRET_KEYS.password },
      },
      GF_SECURITY_SECRET_KEY: {
        secretKeyRef: { name: DATABASE_SECRET, key: DATABASE_SECRET_KEYS.secretKey },
      },
    },
    ...(ha
      ? {
          headlessService: true,
          podDisruptionBudget: { maxUnavailable: 1 },
          affinity: {
            // Never two on one node: a node drain or failure takes one replica at most.
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: podSelector(release), topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
          // Across zones where the cluster has them; never blocks scheduling.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: podSelector(release),
            },
          ],
        }
      : {}),
  };
}

/**
 * The `grafana.ini` sections of the database and of alerting HA. The password is not here: the
 * chart writes grafana.ini into a ConfigMap, and refuses `[database] password` in it.
 */
export function grafanaIniAvailability(
  config: Pick<StackConfig, "grafana">,
  release: string,
): Record<string, Record<string, unknown>> {
  if (!grafanaDatabaseConfig(config)) return { unified_alerting: { enabled: true } };
  return {
    database: {
      type: "postgres",
      // The instance's endpoint, `address:port`, known once RDS has created it.
      host: ref("databaseEndpoint"),
      name: DATABASE_NAME,
      user: DATABASE_USER,
      ssl_mode: DATABASE_SSL_MODE,
    },
    unified_alerting: {
      enabled: true,
      ...(grafanaHighlyAvailable(config)
        ? {
            // The headless Service resolves to every ready Grafana pod; each gossips from its pod IP
            // (the chart sets POD_IP), so a notification goes out once, not once per replica.
            ha_peers: haPeers(release, config.grafana.namespace),
            ha_listen_address: `\${POD_IP}:${GOSSIP_PORT}`,
            ha_advertise_address: `\${POD_IP}:${GOSSIP_PORT}`,
          }
        : {}),
    },
  };
}

/** summary.md's lines on how Grafana survives losing a pod, or that it does not (dev). */
export function grafanaAvailabilitySummary(
  config: Pick<StackConfig, "grafana" | "environment" | "production">,
  release: string,
): string {
  const g = config.grafana;
  const db = grafanaDatabaseConfig(config);
  if (!db)
    return `Not highly available: one replica on SQLite on a ${g.storageSize} volume (no \`grafana.database\`; production runs two replicas or more on PostgreSQL): losing the pod or draining its node stops dashboards and Grafana-managed alerts until it is back, and an update recreates the pod.`;
  const spec = grafanaDatabase(config)!;
  const zones = [...new Set(db.subnets.map((s) => s.zone))].sort();
  const guard = config.production
    ? "deletion-protected, protected and kept on delete in Pulumi, "
    : "not deletion-protected (not production), ";
  const ha = grafanaHighlyAvailable(config)
    ? `${g.replicas} replicas, never two on one node and spread over zones, a PodDisruptionBudget letting one go at a time, updated one pod at a time; alerting deduplicates notifications through \`ha_peers\` \`${haPeers(release, g.namespace)}\` (the chart's headless Service)`
    : `${g.replicas} replica on the database`;
  return [
    `Highly available: ${ha}.`,
    `Its database is PostgreSQL ${spec.instance.engineVersion} on Amazon RDS (\`${spec.instance.instanceClass}\`, Multi-AZ over ${zones.join(", ")}, gp3 ${spec.instance.allocatedStorage}–${spec.instance.maxAllocatedStorage} GiB, encrypted with its own KMS key \`${spec.alias.name}\`, TLS \`${DATABASE_SSL_MODE}\`, backups kept ${spec.instance.backupRetentionPeriod} days, final snapshot \`${spec.instance.finalSnapshotIdentifier}\`, ${guard}security groups ${db.securityGroupIds.map((s) => `\`${s}\``).join(", ")}). Its password and Grafana's \`secret_key\` are generated, kept as Pulumi secrets and reach Grafana only through the Secret \`${DATABASE_SECRET}\`.`,
    `Needed beforehand: ${databasePrerequisites(config)
      .map((p) => `${p.what} (${p.configKeys.map((k) => `\`${k}\``).join(", ")})`)
      .join("; ")}.`,
  ].join(" ");
}
