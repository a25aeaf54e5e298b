import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord, dedupe, known, prop } from "./lib";

/**
 * Thanos workloads as the pack recognises them: a Deployment or StatefulSet whose container runs
 * a Thanos image with a subcommand (`compact`, `query`, `query-frontend`, `store`), whatever the
 * objects are called, so a hand-made second Compactor is caught as well as the program's.
 */

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

export interface ThanosWorkload {
  resource: PolicyResource;
  /** The subcommand: compact, query, query-frontend, store, ... */
  component: string;
  /** Kubernetes's default when unset: 1. */
  replicas: number;
  namespace: string | undefined;
  podLabels: Record<string, unknown>;
}

/** The Thanos subcommand a container runs: the first of its command and args after `thanos`, if any. */
function thanosSubcommand(container: unknown): string | undefined {
  const image = prop(container, "image");
  if (typeof image !== "string" || !/(^|\/)thanos(:|@|$)/.test(image)) return undefined;
  const words = [...asArray(prop(container, "command")), ...asArray(prop(container, "args"))].filter(
    (w): w is string => typeof w === "string",
  );
  return words.filter((w) => w !== "thanos" && !w.endsWith("/thanos")).find((w) => !w.startsWith("-"));
}

export function thanosWorkloads(resources: PolicyResource[]): ThanosWorkload[] {
  return resources.flatMap((r) => {
    if (r.type !== DEPLOYMENT && r.type !== STATEFUL_SET) return [];
    const spec = known(() => r.props.spec);
    const template = prop(spec, "template");
    const components = asArray(prop(prop(template, "spec"), "containers"))
      .map(thanosSubcommand)
      .filter((c): c is string => c !== undefined);
    const replicas = prop(spec, "replicas");
    const namespace = prop(
      known(() => r.props.metadata),
      "namespace",
    );
    return components.map((component) => ({
      resource: r,
      component,
      replicas: typeof replicas === "number" ? replicas : 1,
      namespace: typeof namespace === "string" ? namespace : undefined,
      podLabels: asRecord(prop(prop(template, "metadata"), "labels")),
    }));
  });
}

/** Whether a PodDisruptionBudget in the workload's namespace selects its pods and keeps one up. */
export function hasDisruptionBudget(w: ThanosWorkload, resources: PolicyResource[]): boolean {
  return resources.some((r) => {
    if (r.type !== PDB) return false;
    const ns = prop(
      known(() => r.props.metadata),
      "namespace",
    );
    if (w.namespace !== undefined && ns !== w.namespace) return false;
    const spec = known(() => r.props.spec);
    const match = asRecord(prop(prop(spec, "selector"), "matchLabels"));
    const keys = Object.keys(match);
    const selects = keys.length > 0 && keys.every((k) => w.podLabels[k] === match[k]);
    const keepsOne =
      (typeof prop(spec, "minAvailable") === "number" && (prop(spec, "minAvailable") as number) >= 1) ||
      prop(spec, "maxUnavailable") !== undefined;
    return selects && keepsOne;
  });
}

export const thanosSingleCompactor: StackValidationPolicy = {
  name: "thanos-single-compactor",
  description:
    "At most one Thanos Compactor runs against the stack's bucket: one workload running `thanos compact`, with one replica, as a StatefulSet or a Deployment that never surges (strategy Recreate). Two Compactors on one bucket compact the same blocks into overlapping ones and both halt.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const compactors = thanosWorkloads(args.resources).filter((w) => w.component === "compact");
    if (compactors.length > 1)
      for (const c of compactors)
        report(
          `${c.resource.name}: one of ${compactors.length} workloads running \`thanos compact\` (${compactors.map((x) => x.resource.name).join(", ")}): only one Compactor may run against a bucket`,
          c.resource.urn,
        );
    for (const c of compactors) {
      if (c.replicas > 1)
        report(
          `${c.resource.name}: runs ${c.replicas} Compactor replicas: two Compactors on one bucket halt each other on overlapping blocks`,
          c.resource.urn,
        );
      const strategy = prop(
        prop(
          known(() => c.resource.props.spec),
          "strategy",
        ),
        "type",
      );
      if (c.resource.type === DEPLOYMENT && strategy !== "Recreate")
        report(
          `${c.resource.name}: a Deployment's rolling update runs the new Compactor beside the old one: use a StatefulSet or strategy Recreate`,
          c.resource.urn,
        );
    }
  },
};

export const thanosPolicies = [thanosSingleCompactor];
