import { z } from "zod";
import { k8sSubdomain } from "./common";

/**
 * What the stack needs of the Kubernetes cluster it deploys to, read by every concern. The class
 * is required, not left to the cluster's default: EKS clusters created on 1.30 or later have no
 * default StorageClass, so claims without one stay Pending; and a claim's class cannot change
 * after it is created (ECK refuses it for Elasticsearch and Logstash, a PersistentVolumeClaim's
 * spec is immutable for Grafana), so it is chosen once, in the open.
 */
export const kubernetesSchema = z.strictObject(
  {
    storageClassName: k8sSubdomain.meta({
      description:
        "StorageClass of every volume claim the stack makes: Prometheus, Alertmanager, Grafana, Elasticsearch and Logstash. It must exist before the first `pulumi up` (the program checks). A claim's class cannot change once created: on a stack already deployed, set the class its claims use (`kubectl get pvc -A`).",
    }),
  },
  {
    error: (issue) =>
      issue.input === undefined
        ? "missing section: set kubernetes.storageClassName to the StorageClass every volume claim uses (`kubectl get storageclass`), e.g. gp3"
        : undefined,
  },
);
export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
