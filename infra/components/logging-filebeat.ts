import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  filebeatNamespace,
  filebeatRbac,
  filebeatResource,
  filebeatServiceAccount,
} from "../generators/logging";
import { jsonExporterConfigMap } from "../generators/platform";
import { wire } from "./refs";

/**
 * Filebeat on every node, in its own namespace: it reads the nodes' container logs through hostPath
 * volumes as root, which only a namespace that enforces no Pod Security standard admits
 * (infra/generators/pod-security), so the logging namespace, which holds Elasticsearch, enforces
 * `restricted`. Children of `parent` (the Logging component), under the names they had there.
 */
export function filebeat(
  name: string,
  args: {
    config: StackConfig;
    /** Filebeat starts once Logstash, its output, and the settings it ships into are in place. */
    after: pulumi.Resource[];
  },
  parent: pulumi.Resource,
): { beat: k8s.apiextensions.CustomResource; namespace: k8s.core.v1.Namespace } {
  const { config } = args;
  const child = { parent };
  const ns = new k8s.core.v1.Namespace(`${name}-filebeat-ns`, filebeatNamespace(config), child);
  const namespace = ns.metadata.name;
  const sa = filebeatServiceAccount(config);
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${name}-sa-${sa.metadata.name}`,
    wire(sa, { namespace }),
    child,
  );
  const rbac = filebeatRbac();
  const role = new k8s.rbac.v1.ClusterRole(`${name}-filebeat`, rbac.clusterRole, child);
  // Autonamed: a new subject makes a new binding and the old one is deleted at the end of the
  // update, so pods still running under the old ServiceAccount keep their metadata lookups.
  new k8s.rbac.v1.ClusterRoleBinding(
    `${name}-filebeat`,
    wire(rbac.binding, {
      namespace,
      filebeatClusterRole: role.metadata.name,
      filebeatServiceAccount: serviceAccount.metadata.name,
    }),
    { ...child, replaceOnChanges: ["subjects"] },
  );
  // The json_exporter module the metrics sidecar of every Filebeat pod reads.
  const statsModule = new k8s.core.v1.ConfigMap(
    `${name}-filebeat-json-exporter`,
    wire(jsonExporterConfigMap(config), { namespace }),
    child,
  );
  const beat = new k8s.apiextensions.CustomResource(
    `${name}-filebeat`,
    wire(filebeatResource(config), { namespace }),
    {
      parent,
      dependsOn: [...args.after, ns, serviceAccount, statsModule],
      // Old and new pods share each node's registry (beat-data) and its lock: the old Beat goes
      // first (foreground, its pods gone), so the new pods start at once instead of crash-looping
      // on "data path already locked" until the end of the update and then backing off.
      deleteBeforeReplace: true,
    },
  );
  return { beat, namespace: ns };
}
