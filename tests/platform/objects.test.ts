import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eckNames } from "../../infra/generators/logging/names";
import {
  BLACKBOX_PORT,
  FILEBEAT_HTTP_PORT,
  FILEBEAT_MODULE,
  KIBANA_CA_FILE,
  KIBANA_MODULE,
  LOGSTASH_EXPORTER_PORT,
  jsonExporterConfigMapName,
} from "../../infra/generators/platform";
import { BLACKBOX_EXPORTER, JSON_EXPORTER, LOGSTASH_EXPORTER } from "../../infra/versions";
import { schemaProblems } from "../helpers/crds";
import { componentResources, one, ofType, rendered, STACKS } from "../helpers/render";

/**
 * The platform's Kubernetes objects as each stack renders them: the prometheus-operator objects
 * valid against the CRDs of the operator the chart deploys (tests/data/crds/, 0.93.0: the 0.93.1
 * the chart runs changed no CRD), and the sidecars, monitors and probe wired to what ECK and the
 * charts name and label.
 */

const MONITORING = [
  "kubernetes:monitoring.coreos.com/v1:PodMonitor",
  "kubernetes:monitoring.coreos.com/v1:Probe",
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
];

type Container = {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: Record<string, unknown>;
  args?: string[];
  workingDir?: string;
};
type PodSpec = { containers: Container[]; volumes?: Record<string, unknown>[] };

describe.each(STACKS)("the platform's Kubernetes objects (%s)", (stack) => {
  const r = rendered(stack);
  const config = r.config;
  const names = eckNames(config);
  const monitoring = () => MONITORING.flatMap((t) => ofType(r, t));

  it("pass the CRD schemas of the prometheus-operator the chart deploys", () => {
    const objects = monitoring();
    expect(objects.map((o) => o.type)).toEqual(expect.arrayContaining(MONITORING));
    for (const o of objects) expect(schemaProblems(o.inputs), `${o.type} ${o.name}`).toEqual([]);
    // The check can fail: an endpoint port of the wrong type, an unknown probe field.
    const monitor = one(r, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "platform-podmonitor-logstash");
    const broken = structuredClone(monitor.inputs) as { spec: { podMetricsEndpoints: { port: unknown }[] } };
    broken.spec.podMetricsEndpoints[0]!.port = 9198;
    expect(schemaProblems(broken).join("\n")).toMatch(/port must be string/);
    const probe = one(r, "kubernetes:monitoring.coreos.com/v1:Probe", "platform-probe-kibana");
    const badProbe = structuredClone(probe.inputs) as { spec: Record<string, unknown> };
    badProbe.spec.interval = "every minute";
    expect(schemaProblems(badProbe).join("\n")).toMatch(/interval must match pattern/);
  });

  it("are created by the PlatformMonitoring component after kube-prometheus-stack", () => {
    const platform = componentResources(r, "observability:platform:PlatformMonitoring");
    const release = one(r, "kubernetes:helm.sh/v3:Release", "metrics-kps");
    for (const o of platform.filter((x) => MONITORING.includes(x.type)))
      expect(o.dependencies, o.name).toContain(release.urn);
    expect(
      platform
        .filter((x) => x.custom)
        .map((x) => x.type)
        .sort(),
    ).toEqual(
      [
        ...MONITORING.slice(0, 3),
        "kubernetes:monitoring.coreos.com/v1:PodMonitor",
        "kubernetes:monitoring.coreos.com/v1:PodMonitor",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:Service",
      ].sort(),
    );
  });

  it("run Logstash's exporter beside Logstash, reading its API over TLS that ECK issues for localhost", () => {
    const spec = one(r, "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash").inputs
      .spec as {
      services: { name: string; tls?: unknown }[];
      pipelines: Record<string, unknown>[];
      podTemplate: { spec: PodSpec };
    };
    const api = spec.services.find((s) => s.name === "api")!;
    expect(api.tls).toEqual({ selfSignedCertificate: { subjectAlternativeNames: [{ dns: "localhost" }] } });
    const exporter = spec.podTemplate.spec.containers.find((c) => c.name === "exporter")!;
    expect(exporter.image).toBe(`${LOGSTASH_EXPORTER.repository}:${LOGSTASH_EXPORTER.tag}`);
    const env = Object.fromEntries((exporter.env ?? []).map((e) => [e.name, e.value]));
    expect(env.LOGSTASH_URL).toBe("https://localhost:9600");
    expect(env).not.toHaveProperty("HTTP_INSECURE");
    // The CA ECK publishes for the API certificate, mounted where SSL_CERT_FILE points.
    const mount = exporter.volumeMounts![0]!;
    expect(env.SSL_CERT_FILE).toBe(`${mount.mountPath}/ca.crt`);
    expect(spec.podTemplate.spec.volumes).toContainEqual({
      name: mount.name,
      secret: { secretName: `${names.logstash}-ls-http-certs-public` },
    });
    expect(exporter.ports).toEqual([
      { name: "metrics", containerPort: LOGSTASH_EXPORTER_PORT, protocol: "TCP" },
    ]);
    expect(exporter.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    // The PodMonitor selects the pods ECK labels with the Logstash resource's name, on that port.
    const monitor = one(r, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "platform-podmonitor-logstash")
      .inputs as { spec: { selector: unknown; podMetricsEndpoints: { port: string }[] } };
    expect(monitor.spec.selector).toEqual({
      matchLabels: { "logstash.k8s.elastic.co/name": names.logstash },
    });
    expect(monitor.spec.podMetricsEndpoints[0]!.port).toBe("metrics");
    // Refused documents go to the dead-letter queue; the S3 outputs carry stable ids.
    expect(spec.pipelines.find((p) => p["pipeline.id"] === "ingest")).toMatchObject({
      "dead_letter_queue.enable": true,
    });
    const archive = spec.pipelines.find((p) => p["pipeline.id"] === "archive")!["config.string"] as string;
    expect(archive).toContain("id => 'archive-s3-audit'");
  });

  it("run json_exporter beside Filebeat on its localhost stats endpoint", () => {
    const beat = one(r, "kubernetes:beat.k8s.elastic.co/v1beta1:Beat", "logging-filebeat").inputs.spec as {
      config: Record<string, unknown>;
      daemonSet: { podTemplate: { spec: PodSpec } };
    };
    expect(beat.config).toMatchObject({
      "http.enabled": true,
      "http.host": "localhost",
      "http.port": FILEBEAT_HTTP_PORT,
    });
    const pod = beat.daemonSet.podTemplate.spec;
    const sidecar = pod.containers.find((c) => c.name === "json-exporter")!;
    expect(sidecar.image).toBe(`${JSON_EXPORTER.repository}:${JSON_EXPORTER.tag}`);
    // The Filebeat pod runs as root to read the node's logs; the sidecar does not.
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    const volume = pod.volumes!.find((v) => v.name === sidecar.volumeMounts![0]!.name)!;
    expect(volume).toEqual({
      name: "json-exporter-config",
      configMap: { name: jsonExporterConfigMapName(config) },
    });
    const configMap = one(r, "kubernetes:core/v1:ConfigMap", "logging-filebeat-json-exporter").inputs as {
      metadata: { name: string };
    };
    expect(configMap.metadata.name).toBe(jsonExporterConfigMapName(config));
    // The Beat waits for its module.
    const filebeat = one(r, "kubernetes:beat.k8s.elastic.co/v1beta1:Beat", "logging-filebeat");
    expect(filebeat.dependencies).toContain(
      one(r, "kubernetes:core/v1:ConfigMap", "logging-filebeat-json-exporter").urn,
    );
    const monitor = one(r, "kubernetes:monitoring.coreos.com/v1:PodMonitor", "platform-podmonitor-filebeat")
      .inputs as {
      spec: { selector: unknown; podMetricsEndpoints: { port: string; path: string; params: unknown }[] };
    };
    expect(monitor.spec.selector).toEqual({ matchLabels: { "beat.k8s.elastic.co/name": names.filebeat } });
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({
      port: sidecar.ports![0]!.name,
      path: "/probe",
      params: { module: [FILEBEAT_MODULE], target: [`http://localhost:${FILEBEAT_HTTP_PORT}/stats`] },
    });
  });

  it("probe Kibana's status with the blackbox exporter, trusting ECK's Kibana CA", () => {
    const deployment = one(r, "kubernetes:apps/v1:Deployment", "platform-blackbox").inputs as {
      metadata: { namespace: string };
      spec: { template: { spec: PodSpec } };
    };
    expect(deployment.metadata.namespace).toBe(config.logging.namespace);
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toBe(`${BLACKBOX_EXPORTER.repository}:${BLACKBOX_EXPORTER.tag}`);
    // The module's relative ca_file resolves in the working directory, where the volume holds it.
    expect(c.volumeMounts![0]!.mountPath).toBe(c.workingDir);
    expect(pod.volumes![0]).toMatchObject({
      projected: {
        sources: [
          { configMap: { name: "blackbox-exporter" } },
          { secret: { name: names.kibanaCaSecret, items: [{ key: "ca.crt", path: KIBANA_CA_FILE }] } },
        ],
      },
    });
    const module = (
      parse(r.artifacts.find((a) => a.path === "exporters/blackbox.yml")!.content) as {
        modules: Record<string, { http: { tls_config: { ca_file: string } } }>;
      }
    ).modules[KIBANA_MODULE]!;
    expect(module.http.tls_config.ca_file).toBe(KIBANA_CA_FILE);
    const probe = one(r, "kubernetes:monitoring.coreos.com/v1:Probe", "platform-probe-kibana").inputs as {
      spec: { prober: { url: string }; module: string; targets: { staticConfig: { static: string[] } } };
    };
    expect(probe.spec.prober.url).toBe(`blackbox-exporter.${config.logging.namespace}.svc:${BLACKBOX_PORT}`);
    expect(probe.spec.module).toBe(KIBANA_MODULE);
    expect(probe.spec.targets.staticConfig.static).toEqual([`${names.kibanaUrl}/api/status`]);
  });

  it("turn on the ECK operator's metrics port and scrape the pods the chart labels", () => {
    const release = one(r, "kubernetes:helm.sh/v3:Release", "logging-eck-operator").inputs as {
      values: { config: { metrics: { port: string } } };
    };
    expect(Number(release.values.config.metrics.port)).toBeGreaterThan(0);
    const monitor = one(
      r,
      "kubernetes:monitoring.coreos.com/v1:PodMonitor",
      "platform-podmonitor-eck-operator",
    ).inputs as { spec: { namespaceSelector: unknown; podMetricsEndpoints: { port: string }[] } };
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ["elastic-system"] });
    // The chart names its container port `metrics` when config.metrics.port is set.
    expect(monitor.spec.podMetricsEndpoints[0]!.port).toBe("metrics");
  });
});
