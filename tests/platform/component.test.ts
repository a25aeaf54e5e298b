import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { LOG_TYPES } from "../../infra/catalog/retention";
import {
  eckNames,
  MONITORING_ROLE,
  MONITORING_USER,
  roles,
  settingsPlan,
  settingsPlans,
} from "../../infra/generators/logging";
import { EXPORTER_COLLECTORS, EXPORTER_NAME } from "../../infra/generators/platform";
import { ELASTICSEARCH_EXPORTER } from "../../infra/versions";
import { isSecret, type RecordedResource, redact, reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { componentResources, one, rendered, STACKS } from "../helpers/render";

/** The Elasticsearch exporter's objects and its user in the render of each stack. */

const T = {
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
  secret: "kubernetes:core/v1:Secret",
  password: "random:index/randomPassword:RandomPassword",
  job: "kubernetes:batch/v1:Job",
  release: "kubernetes:helm.sh/v3:Release",
  elasticsearch: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
};

type Container = {
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  volumes: { name: string; secret: { secretName: string } }[];
  securityContext: Record<string, unknown>;
  automountServiceAccountToken: boolean;
};

/**
 * The ServiceMonitor CRD the deployed chart installs (prometheus-operator 0.93.1), committed
 * verbatim under tests/data/charts/: the API server validates our monitor against this schema.
 */
const CRD_FILE = join(
  __dirname,
  "..",
  "data",
  "charts",
  "kube-prometheus-stack",
  "88.5.3",
  "crds",
  "crd-servicemonitors.yaml",
);
function serviceMonitorValidator() {
  const crd = parseAllDocuments(readFileSync(CRD_FILE, "utf8"))
    .map((d) => d.toJS())
    .find((d) => d?.kind === "CustomResourceDefinition") as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  const schema = crd.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema;
  // Structural schemas reject unknown fields (the API server prunes or, with kubectl's strict
  // validation, refuses them): make that explicit for JSON Schema.
  const strict = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(strict);
    if (!s || typeof s !== "object") return s;
    const o = Object.fromEntries(
      Object.entries(s).map(([k, v]) => [k, k === "properties" ? strictProps(v) : strict(v)]),
    );
    if (o.properties && o.additionalProperties === undefined && !o["x-kubernetes-preserve-unknown-fields"])
      o.additionalProperties = false;
    return o;
  };
  const strictProps = (p: unknown) =>
    Object.fromEntries(Object.entries(p as Record<string, unknown>).map(([k, v]) => [k, strict(v)]));
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(strict(schema) as object);
}

describe.each(STACKS)("Elasticsearch exporter (%s)", (stack) => {
  let result: RenderResult;
  let mine: RecordedResource[];
  const of = (type: string) => mine.filter((r) => r.type === type);
  const pod = () => (of(T.deployment)[0]!.inputs.spec as { template: { spec: PodSpec } }).template.spec;
  const names = () => eckNames(result.config);

  beforeAll(() => {
    result = rendered(stack);
    mine = componentResources(result, "observability:platform:ElasticsearchExporter");
  });

  it("is a Deployment, a Service and a ServiceMonitor in the logging namespace", () => {
    expect(
      mine
        .filter((r) => r.custom)
        .map((r) => r.type)
        .sort(),
    ).toEqual([T.deployment, T.monitor, T.service].sort());
    for (const r of mine.filter((x) => x.custom))
      expect(r.inputs.metadata, r.type).toMatchObject({
        name: EXPORTER_NAME,
        namespace: result.config.logging.namespace,
      });
  });

  it("runs the pinned official image with the collectors on, against the cluster's HTTPS Service", () => {
    const c = pod().containers[0]!;
    expect(c.image).toBe(`quay.io/prometheuscommunity/elasticsearch-exporter:${ELASTICSEARCH_EXPORTER.tag}`);
    expect(c.args).toContain(`--es.uri=${names().elasticsearchUrl}`);
    expect(names().elasticsearchUrl).toMatch(/^https:\/\//);
    expect(c.args).toContain("--es.all");
    for (const k of EXPORTER_COLLECTORS) expect(c.args).toContain(`--collector.${k}`);
    // TLS verified: no switch that turns verification off.
    expect(c.args.join(" ")).not.toContain("ssl-skip-verify");
  });

  it("verifies TLS against ECK's public copy of the cluster's CA, not the Secret holding the server's key", () => {
    const c = pod().containers[0]!;
    const ca = c.args.find((a) => a.startsWith("--es.ca="))!.slice("--es.ca=".length);
    const mount = c.volumeMounts.find((m) => ca.startsWith(`${m.mountPath}/`))!;
    const volume = pod().volumes.find((v) => v.name === mount.name)!;
    expect(volume.secret.secretName).toBe(names().esCaSecret);
    expect(volume.secret.secretName).not.toBe(names().esHttpCertSecret);
    expect(ca.endsWith("/ca.crt")).toBe(true);
  });

  it("logs in as its own user from the user's basic-auth Secret, never with a credential in the spec", () => {
    const c = pod().containers[0]!;
    expect(c.env).toEqual([
      {
        name: "ES_USERNAME",
        valueFrom: { secretKeyRef: { name: names().exporterUserSecret, key: "username" } },
      },
      {
        name: "ES_PASSWORD",
        valueFrom: { secretKeyRef: { name: names().exporterUserSecret, key: "password" } },
      },
    ]);
    expect(c.env.every((e) => e.value === undefined)).toBe(true);
  });

  it("runs as a non-root user with nothing writable and no service account token", () => {
    const spec = pod();
    expect(spec.automountServiceAccountToken).toBe(false);
    // The image's user is `nobody` by name: only a numeric one can be checked against runAsNonRoot.
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(spec.containers[0]!.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("is scraped through its Service by a monitor the deployed CRD's schema accepts", () => {
    const service = of(T.service)[0]!.inputs as { spec: { selector: unknown; ports: { name: string }[] } };
    const monitor = of(T.monitor)[0]!.inputs as {
      spec: { selector: { matchLabels: unknown }; endpoints: { port: string; interval: string }[] };
    };
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(service.spec.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]!.port);
    expect(pod().containers[0]!.ports.map((p) => p.name)).toContain(monitor.spec.endpoints[0]!.port);
    expect(monitor.spec.endpoints[0]!.interval).toBe(result.config.metrics.prometheus.scrapeInterval);
    const validate = serviceMonitorValidator();
    expect(validate(monitor), JSON.stringify(validate.errors)).toBe(true);
    // The check is not vacuous: a misspelled field or a bad interval is refused.
    const broken = structuredClone(monitor) as { spec: Record<string, unknown> };
    broken.spec.endpoint = broken.spec.endpoints;
    expect(validate(broken)).toBe(false);
    const badInterval = structuredClone(monitor);
    badInterval.spec.endpoints[0]!.interval = "30 seconds";
    expect(validate(badInterval)).toBe(false);
  });

  it("starts after the settings Job (its role) and creates its monitor after the chart's CRDs", () => {
    const job = one(result, T.job, `logging-settings`).urn;
    const release = one(result, T.release, "metrics-kps").urn;
    expect(of(T.deployment)[0]!.dependencies).toContain(job);
    expect(of(T.monitor)[0]!.dependencies).toContain(release);
  });
});

describe.each(STACKS)("the exporter's Elasticsearch user (%s)", (stack) => {
  let result: RenderResult;
  beforeAll(() => {
    result = rendered(stack);
  });

  it("is a file-realm user with the monitoring role and a generated password kept secret", () => {
    const secret = one(result, T.secret, "logging-exporter-user");
    expect(secret.inputs).toMatchObject({
      type: "kubernetes.io/basic-auth",
      metadata: {
        name: eckNames(result.config).exporterUserSecret,
        namespace: result.config.logging.namespace,
      },
    });
    expect(isSecret(secret.inputs.stringData)).toBe(true);
    expect(redact(secret.inputs.stringData)).toBe("[secret]");
    // The mocks' generated password (scripts/lib/mock-runtime.ts) comes from the random provider.
    expect(reveal(secret.inputs.stringData)).toEqual({
      username: MONITORING_USER,
      password: "mock-random-logging-exporter-password",
      roles: MONITORING_ROLE,
    });
    expect(one(result, T.password, "logging-exporter-password").inputs).toMatchObject({
      length: 32,
      special: false,
    });
    const es = one(result, T.elasticsearch, "logging-elasticsearch").inputs.spec as {
      auth: { fileRealm: { secretName: string }[] };
    };
    expect(es.auth.fileRealm).toContainEqual({ secretName: eckNames(result.config).exporterUserSecret });
    expect(JSON.stringify(result.resources.map((r) => redact(r.inputs)))).not.toContain(
      "mock-random-logging-exporter-password",
    );
  });

  it("leaves Elasticsearch's disk watermarks at their defaults, which the disk alerts assume", () => {
    // The flood-stage headroom the rules use is Elasticsearch's default only while no watermark is set.
    const es = one(result, T.elasticsearch, "logging-elasticsearch").inputs.spec;
    expect(JSON.stringify([es, settingsPlan(result.config)])).not.toMatch(/watermark/);
  });

  it("gets its role from the settings Job: statistics only, on every log data stream, no document read", () => {
    const step = settingsPlans(result.config).settings.find(
      (s) => s.kind === "role" && s.name === MONITORING_ROLE,
    );
    expect(step?.body).toEqual(roles()[MONITORING_ROLE]);
    const role = roles()[MONITORING_ROLE]!;
    expect(role.cluster).toEqual(["monitor", "read_slm", "cluster:admin/slm/stats"]);
    expect(role.indices).toEqual([
      { names: LOG_TYPES.map((t) => `logs-${t}-*`), privileges: ["view_index_metadata", "monitor"] },
    ]);
    for (const p of [...(role.cluster ?? []), ...(role.indices ?? []).flatMap((i) => i.privileges)])
      expect(p).not.toMatch(/^(all|manage.*|read|write|index|delete.*|create.*)$/);
  });
});
