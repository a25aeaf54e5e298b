import type { StackConfig } from "../../config";
import { requiredPlugins } from "./datasources";

/** Names of the Grafana release and the Kubernetes Secrets it reads credentials from. */
export const GRAFANA_RELEASE = "grafana";
export const ADMIN_SECRET = "grafana-admin";
export const SMTP_SECRET = "grafana-smtp";
export const ADMIN_USER = "admin";
export const GRAFANA_CHART_REPO = "https://grafana.github.io/helm-charts";

/** Where the Pulumi provider reaches Grafana: the public host, or the in-cluster Service. */
export function grafanaUrl(config: Pick<StackConfig, "grafana">): string {
  const g = config.grafana;
  return g.hostname ? `https://${g.hostname}` : `http://${GRAFANA_RELEASE}.${g.namespace}.svc.cluster.local`;
}

/**
 * Helm values for the `grafana` chart. No credential appears here: the admin login and the SMTP
 * login come from Kubernetes Secrets (`admin.existingSecret`, `smtp.existingSecret`). Data sources,
 * dashboards and alerting are not provisioned through the chart: the Pulumi provider manages them,
 * so that a change shows in `pulumi preview`.
 */
export function grafanaValues(
  config: Pick<StackConfig, "grafana" | "alerting" | "environment" | "production">,
): Record<string, unknown> {
  const g = config.grafana;
  return {
    admin: { existingSecret: ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
    // SQLite on a volume: one replica is the supported layout without an external database.
    replicas: 1,
    persistence: { enabled: true, size: g.storageSize, type: "pvc" },
    plugins: requiredPlugins(config),
    smtp: { existingSecret: SMTP_SECRET, userKey: "user", passwordKey: "password" },
    "grafana.ini": {
      server: { root_url: grafanaUrl(config) },
      analytics: { reporting_enabled: false, check_for_updates: false },
      users: { allow_sign_up: false },
      auth: { disable_login_form: false },
      "auth.anonymous": { enabled: false },
      smtp: {
        enabled: true,
        host: config.alerting.email.smarthost,
        from_address: config.alerting.email.from,
        from_name: `Grafana ${config.environment}`,
      },
      unified_alerting: { enabled: true },
    },
    ingress: g.hostname
      ? {
          enabled: true,
          ingressClassName: g.ingressClassName,
          hosts: [g.hostname],
          tls: [{ secretName: "grafana-tls", hosts: [g.hostname] }],
        }
      : { enabled: false },
    resources: config.production
      ? { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } }
      : { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    podLabels: { environment: config.environment },
  };
}
