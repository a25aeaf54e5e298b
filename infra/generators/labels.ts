/**
 * Kubernetes labels the platform puts on the objects it creates, defined once. `part-of` names
 * the platform ("observability"); the logging stack's objects carry their own value so that its
 * pods, volumes and Secrets are found together.
 */
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const PLATFORM = "observability";
export const LOGGING_PART_OF = "observability-logging";

export const partOf = (value: string = PLATFORM): Record<string, string> => ({ [PART_OF_LABEL]: value });

/** Labels of an object Pulumi manages: part-of and managed-by. */
export const managedLabels = (value: string = PLATFORM): Record<string, string> => ({
  ...partOf(value),
  [MANAGED_BY_LABEL]: "pulumi",
});

/**
 * `managed_by` in the `_meta` of every Elasticsearch setting the platform applies, so that an
 * operator can tell them from hand-made ones.
 */
export const MANAGED_BY_META = "observability-platform";
