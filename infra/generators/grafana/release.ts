import { createHmac } from "node:crypto";
import type { StackConfig } from "../../config";
import { ALB_INGRESS_CLASS } from "../../config/grafana-endpoint";
import { managedLabels } from "../labels";
import { type PodSecurityInput, podSecurity, securedNamespace } from "../pod-security";
import { ref, secretRef } from "../refs";
import { GRAFANA_CHART } from "../../versions";
import { grafanaAuthEnv, grafanaAuthIni, grafanaAuthPodAnnotations } from "./access";
import { grafanaAvailabilityValues, grafanaIniAvailability } from "./availability";
import { requiredPlugins } from "./datasources";

/** Names of the Grafana release and the Kubernetes Secrets it reads credentials from. */
export const GRAFANA_RELEASE = "grafana";
export const ADMIN_SECRET = "grafana-admin";
export const SMTP_SECRET = "grafana-smtp";
export const ADMIN_USER = "admin";
/** Grafana's chart moved to grafana-community/helm-charts; the pin and its repository are in infra/versions.ts. */
export const GRAFANA_CHART_REPO = GRAFANA_CHART.repo;

/** Where the Pulumi provider reaches Grafana: the public host, or the in-cluster Service. */
export function grafanaUrl(config: Pick<StackConfig, "grafana">): string {
  const g = config.grafana;
  return g.hostname ? `https://${g.hostname}` : `http://${GRAFANA_RELEASE}.${g.namespace}.svc.cluster.local`;
}

/**
 * Helm values for the `grafana` chart. No credential appears here: the admin login, the SMTP login,
 * the database password and the OAuth client secret come from Kubernetes Secrets
 * (`admin.existingSecret`, `smtp.existingSecret`, `envValueFrom`). Data sources, dashboards and alerting are not
 * provisioned through the chart: the Pulumi provider manages them, so that a change shows in
 * `pulumi preview`.
 */
export function grafanaValues(
  config: Pick<StackConfig, "grafana" | "alerting" | "environment" | "production" | "kubernetes">,
): Record<string, unknown> {
  const availability = grafanaAvailabilityValues(config, GRAFANA_RELEASE);
  // One envValueFrom map: the database's password and secret_key, and single sign-on's secret.
  const env = mergeDisjoint(
    (availability.envValueFrom ?? {}) as Record<string, unknown>,
    grafanaAuthEnv(config),
  );
  const annotations = grafanaAuthPodAnnotations(config);
  return {
    admin: { existingSecret: ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
    // Replicas, update strategy, storage, and with a database the HA objects (availability.ts).
    ...availability,
    ...(Object.keys(env).length > 0 ? { envValueFrom: env } : {}),
    plugins: requiredPlugins(config),
    smtp: { existingSecret: SMTP_SECRET, userKey: "user", passwordKey: "password" },
    "grafana.ini": {
      server: { root_url: grafanaUrl(config) },
      analytics: { reporting_enabled: false, check_for_updates: false },
      users: { allow_sign_up: false },
      // [auth], [auth.basic], [auth.anonymous], [sso_settings] and single sign-on (access.ts).
      ...grafanaAuthIni(config),
      smtp: {
        enabled: true,
        host: config.alerting.email.smarthost,
        from_address: config.alerting.email.from,
        from_name: `Grafana ${config.environment}`,
      },
      // [database] and [unified_alerting], HA peers included (availability.ts).
      ...grafanaIniAvailability(config, GRAFANA_RELEASE),
    },
    // The program creates the Ingress itself (ingress.ts): Pulumi then waits for its load-balancer
    // address, which the DNS record and everything that calls Grafana depend on.
    ingress: { enabled: false },
    resources: config.production
      ? { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } }
      : { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    podLabels: { environment: config.environment },
    ...(Object.keys(annotations).length > 0 ? { podAnnotations: annotations } : {}),
    // The restricted Pod Security standard of Grafana's namespace (pod-security), stated rather than
    // left to the chart's defaults: non-root (the image's grafana user), RuntimeDefault seccomp, no
    // privilege escalation, no capabilities. The kubelet gives the volume to group 472 (fsGroup), so
    // the chart's root init container that chowns it is off: it would need root and CHOWN.
    securityContext: GRAFANA_POD_SECURITY,
    containerSecurityContext: GRAFANA_CONTAINER_SECURITY,
    initChownData: { enabled: false },
  };
}

/** Two maps of env entries that must not name one variable twice (the second would silently win). */
function mergeDisjoint(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const both = Object.keys(a).filter((k) => k in b);
  if (both.length > 0) throw new Error(`grafana: ${both.join(", ")} set twice in envValueFrom`);
  return { ...a, ...b };
}

/** The Grafana pod's security context: the image's `grafana` user (472), its group owning the volume. */
export const GRAFANA_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 472,
  runAsGroup: 472,
  fsGroup: 472,
  // Only when the volume's root is not already the group's: no recursive walk on every start.
  fsGroupChangePolicy: "OnRootMismatch",
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** The Grafana container's: the chart's own default, stated. */
export const GRAFANA_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** Labels of the Grafana namespace and its Secrets. */
const labels = (config: Pick<StackConfig, "environment">) => ({
  ...managedLabels(),
  environment: config.environment,
});

export const grafanaNamespace = (config: PodSecurityInput & Pick<StackConfig, "environment">) =>
  securedNamespace(podSecurity(config).grafana, {
    ...labels(config),
    // Behind an ALB with `target-type: ip`, a rolling update could stop the old pod before the ALB
    // registers the new one: the controller's readiness gate holds each pod until its target is
    // healthy. (No TargetGroupBinding exists at the first deploy, so no gate is injected then.)
    ...(config.grafana.hostname && config.grafana.ingressClassName === ALB_INGRESS_CLASS
      ? { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" }
      : {}),
  });

/** The admin login the chart reads (`admin.existingSecret`) and the provider logs in with. */
export const adminSecret = (config: Pick<StackConfig, "environment">) => ({
  metadata: { name: ADMIN_SECRET, namespace: ref("namespace"), labels: labels(config) },
  type: "Opaque",
  stringData: { "admin-user": ADMIN_USER, "admin-password": secretRef("grafanaAdminPassword") },
});

/** The SMTP login Grafana sends P2 email with (`smtp.existingSecret`). */
export const smtpSecret = (config: Pick<StackConfig, "environment" | "alerting">) => ({
  metadata: { name: SMTP_SECRET, namespace: ref("namespace"), labels: labels(config) },
  type: "Opaque",
  stringData: { user: config.alerting.email.username, password: secretRef("smtpPassword") },
});

/** The release; `atomic` rolls a failed upgrade back instead of leaving Grafana half upgraded. */
export const grafanaRelease = (config: Parameters<typeof grafanaValues>[0]) => ({
  name: GRAFANA_RELEASE,
  chart: GRAFANA_CHART.chart,
  version: config.grafana.chartVersion,
  repositoryOpts: { repo: GRAFANA_CHART_REPO },
  namespace: ref("namespace"),
  values: grafanaValues(config),
  atomic: true,
  timeout: 600,
});

/** The provider's basic-auth credential: `admin:<password>`. */
export const providerAuth = (adminPassword: string): string => `${ADMIN_USER}:${adminPassword}`;

/**
 * The password of Grafana's Elasticsearch user (the logging stack's read-only `grafana-reader`),
 * derived from the Grafana admin password (HMAC-SHA256): it needs no secret config key of its
 * own and rotates with the admin password.
 */
export const elasticsearchReaderPassword = (adminPassword: string): string =>
  createHmac("sha256", adminPassword)
    .update("observability/grafana/elasticsearch-reader")
    .digest("base64url");
