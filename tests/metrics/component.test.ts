import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { ruleFile } from "../../infra/generators/metrics";
import { redact } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { KPS_CHART } from "../../infra/generators/metrics/kubernetes";
import { one, ofType, rendered, STACKS } from "../helpers/render";
import { at, chartData } from "../versions/chart-data";

/** The Metrics component under Pulumi mocks, through the real program, for every stack. */

type Values = Record<string, Record<string, Record<string, unknown>>>;
const values = (r: RenderResult): Values =>
  one(r, "kubernetes:helm.sh/v3:Release", "metrics-kps").inputs.values as Values;

describe.each(STACKS)("Metrics (%s)", (stack) => {
  let r: RenderResult;
  beforeAll(() => {
    r = rendered(stack);
  });
  const result = () => r;
  /** What the stack's config asks for (the schema resolved the production defaults). */
  const want = () => {
    const m = r.config.metrics;
    return {
      prometheus: m.prometheus.replicas,
      alertmanager: m.alertmanager.replicas,
      prometheusPdb: m.prometheus.replicas > 1,
      alertmanagerPdb: m.alertmanager.replicas > 1,
      retention: m.prometheus.retention,
      storage: m.prometheus.storageSize,
      protect: r.config.production,
    };
  };

  it("installs kube-prometheus-stack at a pinned version with Grafana disabled", () => {
    // Each render has its own runtime: exactly one release, not one left over from the other stack.
    expect(
      ofType(result(), "kubernetes:helm.sh/v3:Release").filter((r) => r.name === "metrics-kps"),
    ).toHaveLength(1);
    const release = one(result(), "kubernetes:helm.sh/v3:Release", "metrics-kps").inputs;
    expect(release).toMatchObject({
      chart: "kube-prometheus-stack",
      version: result().config.metrics.chartVersion,
      namespace: "monitoring",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
    });
    expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
    const v = values(result());
    expect(v.fullnameOverride).toBe("kps");
    expect(v.grafana).toEqual({ enabled: false });
  });

  it("runs the configured Prometheus and Alertmanager replicas with storage and retention", () => {
    const v = values(result());
    const prom = v.prometheus!.prometheusSpec as Record<string, unknown>;
    const am = v.alertmanager!.alertmanagerSpec as Record<string, unknown>;
    expect(prom.replicas).toBe(want().prometheus);
    expect(am.replicas).toBe(want().alertmanager);
    expect(prom.retention).toBe(want().retention);
    expect(prom.storageSpec).toMatchObject({
      volumeClaimTemplate: { spec: { resources: { requests: { storage: want().storage } } } },
    });
    expect(am.storage).toMatchObject({ volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"] } } });
    expect(v.prometheus!.podDisruptionBudget).toMatchObject({ enabled: want().prometheusPdb });
    expect(v.alertmanager!.podDisruptionBudget).toMatchObject({ enabled: want().alertmanagerPdb });
  });

  it("keeps each target's namespace its Service's: enforcedNamespaceLabel empty, Prometheus scraping itself", () => {
    // What the chart does with a key we leave out is its values.yaml default.
    const chart = chartData(KPS_CHART.chart, result().config.metrics.chartVersion).values;
    const effective = (path: string) => at(values(result()), path) ?? at(chart, path);
    // The chart has the key (a value under a misspelt key would be ignored): off by default.
    expect(at(chart, "prometheus.prometheusSpec.enforcedNamespaceLabel")).toBe("");
    expect(effective("prometheus.prometheusSpec.enforcedNamespaceLabel")).toBe("");
    // RuleEvaluationFailures reads Prometheus' own counter.
    expect(effective("prometheus.serviceMonitor.selfMonitor")).toBe(true);
  });

  it("makes Prometheus select this project's rules and monitors, not only the release's", () => {
    const prom = values(result()).prometheus!.prometheusSpec as Record<string, unknown>;
    for (const k of [
      "ruleSelectorNilUsesHelmValues",
      "serviceMonitorSelectorNilUsesHelmValues",
      "podMonitorSelectorNilUsesHelmValues",
    ]) {
      expect(prom[k], k).toBe(false);
    }
    // Empty selectors select everything; our objects carry no release label.
    expect(prom.ruleSelector).toEqual({});
    expect(prom.serviceMonitorSelector).toEqual({});
    expect(prom.ruleNamespaceSelector).toEqual({});
    expect(prom.serviceMonitorNamespaceSelector).toEqual({});
    // The platform's PodMonitors and Probe live in this namespace and select other namespaces.
    for (const k of [
      "podMonitorSelector",
      "podMonitorNamespaceSelector",
      "probeSelector",
      "probeNamespaceSelector",
    ])
      expect(prom[k], k).toEqual({});
    // Monitors in the metrics namespace reach each service's namespace through namespaceSelector.
    expect(prom.ignoreNamespaceSelectors).toBe(false);
    for (const rule of ofType(result(), "kubernetes:monitoring.coreos.com/v1:PrometheusRule"))
      expect((rule.inputs.metadata as { labels: Record<string, string> }).labels).not.toHaveProperty(
        "release",
      );
  });

  it("deploys the generated Alertmanager config and mounts the channel Secret instead of inlining secrets", () => {
    const v = values(result());
    expect(v.alertmanager!.config).toEqual(alertmanagerConfig(result().config));
    expect((v.alertmanager!.alertmanagerSpec as Record<string, unknown>).secrets).toEqual([
      "kps-alertmanager-channels",
    ]);
    expect(JSON.stringify(v)).not.toContain("offline-placeholder-");
    const secret = one(result(), "kubernetes:core/v1:Secret", "metrics-channels");
    expect((redact(secret.inputs) as Record<string, unknown>).stringData).toBe("[secret]");
    expect(secret.inputs.metadata).toMatchObject({
      name: "kps-alertmanager-channels",
      namespace: "monitoring",
    });
  });

  it("creates one ServiceMonitor per service in the metrics namespace, selecting the service's namespace, relabelling job to the service name", () => {
    // The platform's own exporters have theirs (tests/platform/); these are the services'.
    const monitors = ofType(result(), "kubernetes:monitoring.coreos.com/v1:ServiceMonitor").filter((m) =>
      m.name.startsWith("metrics-monitor-"),
    );
    expect(monitors.map((m) => m.name).sort()).toEqual(
      result()
        .config.services.map((s) => `metrics-monitor-${s.name}`)
        .sort(),
    );
    for (const svc of result().config.services) {
      const m = one(
        result(),
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
        `metrics-monitor-${svc.name}`,
      ).inputs;
      // The service's namespace may not exist yet: the monitor lives where the stack created one.
      expect(m.metadata).toMatchObject({ name: svc.name, namespace: result().config.metrics.namespace });
      expect(m.spec).toMatchObject({
        selector: { matchLabels: { "app.kubernetes.io/name": svc.name } },
        namespaceSelector: { matchNames: [svc.namespace] },
        endpoints: [
          {
            port: svc.metricsPort,
            path: svc.metricsPath,
            relabelings: [{ targetLabel: "job", replacement: svc.name }],
          },
        ],
      });
    }
  });

  it("deploys the same rules the render writes to prometheus/rules.yaml", () => {
    // Split by concern (data, recording, alerts), in order: together, the whole rule file.
    const rules = ofType(result(), "kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) =>
      r.name.startsWith("metrics-"),
    );
    expect(rules.map((r) => r.name)).toEqual([
      "metrics-rules-data",
      "metrics-rules-recording",
      "metrics-rules-alerts",
    ]);
    const groups = rules.flatMap((r) => (r.inputs.spec as { groups: unknown[] }).groups);
    expect({ groups }).toEqual(ruleFile(result().config));
    const file = result().artifacts.find((a) => a.path === "prometheus/rules.yaml")!;
    expect(parse(file.content)).toEqual(ruleFile(result().config));
    expect(result().artifacts.map((a) => a.path)).toContain("alertmanager/alertmanager.yaml");
  });

  it("protects the namespace and the release (Prometheus' volumes) in production", () => {
    expect(one(result(), "kubernetes:core/v1:Namespace", "metrics-ns").protect).toBe(want().protect);
    expect(one(result(), "kubernetes:helm.sh/v3:Release", "metrics-kps").protect).toBe(want().protect);
  });

  it("exports the in-cluster URLs", () => {
    expect((result().outputs as Record<string, unknown>).metrics).toEqual({
      namespace: "monitoring",
      prometheusUrl: "http://kps-prometheus.monitoring.svc:9090",
      alertmanagerUrl: "http://kps-alertmanager.monitoring.svc:9093",
    });
  });
});

describe("metrics config", () => {
  it("derives replicas and retention from production when the stack leaves them unset", async () => {
    const { stackConfig } = await import("../../scripts/lib/stack-config.js");
    const { resolveMetrics } = await import("../../infra/generators/metrics/index.js");
    const bare = {};
    expect(resolveMetrics(stackConfig("prod", { metrics: bare }))).toMatchObject({
      prometheusReplicas: 2,
      alertmanagerReplicas: 3,
      retention: "30d",
    });
    expect(resolveMetrics(stackConfig("dev", { metrics: bare }))).toMatchObject({
      prometheusReplicas: 1,
      alertmanagerReplicas: 1,
      retention: "7d",
    });
  });

  it("rejects a missing dead man's switch URL, one in plain config, and an unknown owner team", async () => {
    const { parseStackConfig } = await import("../../infra/config/index.js");
    const { readStackFile } = await import("../../scripts/lib/stack-file.js");
    const missing = readStackFile("dev");
    delete missing.config["observability:deadMansSwitchUrl"];
    expect(() => parseStackConfig(missing.config, new Set(missing.secretKeys))).toThrow(
      /observability:deadMansSwitchUrl: missing secret/,
    );
    // It used to be plain config: a stack file from then is told where it went.
    const moved = readStackFile("dev");
    moved.config["observability:metrics"] = JSON.stringify({
      ...JSON.parse(moved.config["observability:metrics"]!),
      deadMansSwitchUrl: "https://hc-ping.com/x",
    });
    expect(() => parseStackConfig(moved.config, new Set(moved.secretKeys))).toThrow(
      /observability:metrics\.deadMansSwitchUrl: now a secret; .*pulumi config set --secret deadMansSwitchUrl/,
    );
    const file = readStackFile("dev");
    const metrics = { ...JSON.parse(file.config["observability:metrics"]!), ownerTeam: "ghosts" };
    file.config["observability:metrics"] = JSON.stringify(metrics);
    expect(() => parseStackConfig(file.config, new Set(file.secretKeys))).toThrow(
      /observability:metrics\.ownerTeam: unknown team "ghosts"/,
    );
  });
});
