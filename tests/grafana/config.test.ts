import { describe, expect, it } from "vitest";
import { ConfigError } from "../../infra/config";
import { grafanaIngress, grafanaUrl, grafanaValues, requiredPlugins } from "../../infra/generators/grafana";
import { GRAFANA_CHART } from "../../infra/versions";
import { stackConfig } from "../../scripts/lib/stack-config";

describe("grafana config", () => {
  it("fills every default from an empty block", () => {
    const g = stackConfig("dev", { grafana: {} }).grafana;
    expect(g).toEqual({
      namespace: "grafana",
      chartVersion: GRAFANA_CHART.version,
      ingressClassName: "nginx",
      // No database: one replica on SQLite on a volume.
      replicas: 1,
      storageSize: "10Gi",
      logs: { indexPattern: "logs-*", timeField: "@timestamp", username: "grafana-reader" },
      // No single sign-on: the login form stays.
      auth: { loginForm: true },
      sentryDataSource: true,
    });
  });

  it("names the offending key", () => {
    const bad = (grafana: Record<string, unknown>) => () => stackConfig("dev", { grafana });
    expect(bad({ chartVersion: "latest" })).toThrow(ConfigError);
    expect(bad({ chartVersion: "latest" })).toThrow(
      /observability:grafana\.chartVersion: expected a chart version/,
    );
    expect(bad({ hostname: "Grafana Example" })).toThrow(/grafana\.hostname: expected a DNS host name/);
    expect(() => stackConfig("dev", { alerting: { maintenance: { mutedPriorities: ["P4"] } } })).toThrow(
      /alerting\.maintenance\.mutedPriorities\[0\]/,
    );
    expect(bad({ dashboards: [] })).toThrow(/grafana\.dashboards: unknown key/);
  });

  it("derives the URL, the Ingress and the plugins from the block", () => {
    const dev = stackConfig("dev", { grafana: { sentryDataSource: false } });
    expect(grafanaUrl(dev)).toBe("http://grafana.grafana.svc.cluster.local");
    expect(requiredPlugins(dev)).toEqual([]);
    expect(grafanaValues(dev).ingress).toEqual({ enabled: false });
    expect(grafanaIngress(dev)).toBeUndefined();
    const prod = stackConfig("prod");
    expect(grafanaUrl(prod)).toBe(`https://${prod.grafana.hostname}`);
    expect(requiredPlugins(prod)).toEqual(["grafana-sentry-datasource"]);
    // The program makes the Ingress itself (generators/grafana/ingress.ts), not the chart.
    expect(grafanaIngress(prod)?.spec.rules[0]?.host).toBe(prod.grafana.hostname);
    expect(grafanaValues(prod)).toMatchObject({
      ingress: { enabled: false },
      "grafana.ini": {
        server: { root_url: `https://${prod.grafana.hostname}` },
        smtp: { host: prod.alerting.email.smarthost },
      },
    });
  });
});
