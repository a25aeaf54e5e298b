/**
 * The names Pod Security Admission reads on a Namespace, and ours beside them; no imports, so that
 * the policy pack (policy/pod-security.ts) reads them from here too.
 * https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
 */

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

/** The label prefix: `<prefix>/<mode>` and `<prefix>/<mode>-version`, mode enforce, warn or audit. */
export const POD_SECURITY_LABEL = "pod-security.kubernetes.io";
/** Our annotation on each platform Namespace: why it enforces the level it does. */
export const POD_SECURITY_REASON = "observability/pod-security";
