import { describe, expect, it } from "vitest";
import { prerequisites } from "../../infra/generators/prerequisites";
import { SETTINGS_JOBS } from "../../infra/generators/logging";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { ofType, one, rendered, STACKS } from "../helpers/render";

/**
 * Order, lifecycle and nothing lost, over the whole render of each stack (the real program on
 * Pulumi's mocks): what a fresh cluster, a failed run and a `pulumi destroy` would do to it.
 */
const REPLACE_UNREADY = "pulumi.com/replaceUnready";

interface Metadata {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
}
const metadata = (r: RecordedResource): Metadata => (r.inputs.metadata ?? {}) as Metadata;

/** The namespace an object (or a Helm release, and so everything in it) is created in, if any. */
const namespaceOf = (r: RecordedResource): string | undefined =>
  r.type === "kubernetes:helm.sh/v3:Release"
    ? (r.inputs.namespace as string | undefined)
    : r.type.startsWith("kubernetes:")
      ? metadata(r).namespace
      : undefined;

/** Every object under `value` that has `key`, with its path. */
function findAll(
  value: unknown,
  test: (o: Record<string, unknown>) => boolean,
  path = "",
): [string, Record<string, unknown>][] {
  if (!value || typeof value !== "object") return [];
  const here: [string, Record<string, unknown>][] =
    !Array.isArray(value) && test(value as Record<string, unknown>)
      ? [[path, value as Record<string, unknown>]]
      : [];
  return [...here, ...Object.entries(value).flatMap(([k, v]) => findAll(v, test, `${path}.${k}`))];
}

describe.each(STACKS)("order and lifecycle of %s", (stack) => {
  const result = () => rendered(stack);
  const k8sObjects = () => result().resources.filter((r) => r.type.startsWith("kubernetes:"));
  const namespaces = () => ofType(result(), "kubernetes:core/v1:Namespace");

  it("creates every namespace an object is put in, or states it as a prerequisite", () => {
    const created = new Set([
      ...namespaces().map((n) => metadata(n).name),
      // A release that creates its own namespace (Helm's createNamespace).
      ...ofType(result(), "kubernetes:helm.sh/v3:Release")
        .filter((r) => r.inputs.createNamespace === true)
        .map((r) => r.inputs.namespace as string),
    ]);
    const stated = prerequisites(result().config)
      .map((p) => (p.lookup?.kind === "kubernetes" ? p.lookup.namespace : undefined))
      .filter((n) => n !== undefined);
    const placed = k8sObjects().filter((r) => namespaceOf(r) !== undefined);
    expect(placed.length).toBeGreaterThan(20);
    for (const r of placed)
      expect([...created, ...stated], `${r.type} ${r.name} is in ${namespaceOf(r)}`).toContain(
        namespaceOf(r),
      );
    // The services' own namespaces are not the stack's: nothing is created there.
    for (const svc of result().config.services)
      if (!created.has(svc.namespace))
        expect(placed.filter((r) => namespaceOf(r) === svc.namespace).map((r) => r.name)).toEqual([]);
  });

  it("names the configured StorageClass in every volume claim", () => {
    const sc = result().config.kubernetes.storageClassName;
    // A claim's spec (Kubernetes, ECK and the Prometheus Operator alike) asks for storage and access modes.
    const claims = k8sObjects().flatMap((r) =>
      findAll(r.inputs, (o) => Array.isArray(o.accessModes) && o.resources !== undefined).map(
        ([path, spec]) => [`${r.name}${path}`, spec] as const,
      ),
    );
    const where = claims.map(([path]) => path).join("\n");
    // Prometheus, Alertmanager, Logstash and each Elasticsearch node set.
    for (const expected of [
      /^metrics-kps\.values\.prometheus\.prometheusSpec\.storageSpec\.volumeClaimTemplate\.spec$/m,
      /^metrics-kps\.values\.alertmanager\.alertmanagerSpec\.storage\.volumeClaimTemplate\.spec$/m,
      /^logging-logstash\.spec\.volumeClaimTemplates\.0\.spec$/m,
      /^logging-elasticsearch\.spec\.nodeSets\.0\.volumeClaimTemplates\.0\.spec$/m,
    ])
      expect(where).toMatch(expected);
    for (const [path, spec] of claims) expect(spec.storageClassName, path).toBe(sc);
    // The Grafana chart's claim is made from `persistence`; with a database (prod) it has none.
    const persistence = (
      one(result(), "kubernetes:helm.sh/v3:Release", "grafana-release").inputs.values as {
        persistence: { enabled: boolean; type?: string; storageClassName?: string };
      }
    ).persistence;
    if (persistence.enabled) expect(persistence).toMatchObject({ type: "pvc", storageClassName: sc });
    else
      expect(result().config.grafana.database, "Grafana without a volume needs its database").toBeDefined();
  });

  it("starts Logstash and Filebeat only after the settings Job, which applies no optional step", () => {
    const job = one(result(), "kubernetes:batch/v1:Job", "logging-settings");
    for (const [type, name] of [
      ["kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash"],
      ["kubernetes:beat.k8s.elastic.co/v1beta1:Beat", "logging-filebeat"],
    ] as const)
      expect(one(result(), type, name).dependencies, name).toContain(job.urn);
    // The Job needs Elasticsearch only: neither Kibana nor the extras Job holds it (or the shippers) back.
    const byUrn = new Map(result().resources.map((r) => [r.urn, r]));
    const waitsFor = (job.dependencies ?? []).map((u) => byUrn.get(u)?.name);
    expect(waitsFor).toContain("logging-elasticsearch");
    expect(waitsFor).not.toContain("logging-kibana");
    expect(waitsFor).not.toContain("logging-extras");
    // Its plan: templates, pipelines, ILM policies, roles and the streams' rollover; the snapshot
    // repository (whose IAM may still be propagating) and Kibana's objects are the extras Job's.
    const plan = (cm: string) =>
      JSON.parse(
        (one(result(), "kubernetes:core/v1:ConfigMap", cm).inputs.data as Record<string, string>)[
          "plan.json"
        ] ?? "[]",
      ) as { kind: string; target: string }[];
    const kinds = plan("logging-settings").map((s) => s.kind);
    expect(new Set(kinds)).toEqual(
      new Set(["component_template", "ilm", "ingest_pipeline", "index_template", "data_stream", "role"]),
    );
    // A stream is rolled over only once every index template is in place.
    expect(kinds.indexOf("data_stream")).toBeGreaterThan(kinds.lastIndexOf("index_template"));
    expect(new Set(plan("logging-extras").map((s) => s.kind))).toEqual(
      new Set(["snapshot_repository", "slm", "kibana"]),
    );
  });

  it("holds the network policies and the platform's monitoring back only for the logging parts they need", () => {
    const r = result();
    const urn = (type: string, name: string) => one(r, type, name).urn;
    const job = (name: string) => urn("kubernetes:batch/v1:Job", `logging-${name}`);
    const users = job("users");
    const extras = job("extras");
    // What a users or extras Job waits on (up to an hour) must hold neither back.
    const slow = [users, extras, urn("kubernetes:core/v1:Secret", "logging-users")];
    const logging = one(r, "observability:logging:Logging", "logging").urn;
    const policies = ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      // The namespaces they go in (the logging one, Filebeat's; the operator's is its release's) and
      // the settings Job, whose first run must not meet a policy before its allow rule.
      expect(p.dependencies, p.name).toEqual(
        expect.arrayContaining([
          urn("kubernetes:core/v1:Namespace", "logging-ns"),
          urn("kubernetes:core/v1:Namespace", "logging-filebeat-ns"),
          urn("kubernetes:helm.sh/v3:Release", "logging-eck-operator"),
          job("settings"),
        ]),
      );
      for (const u of [...slow, logging]) expect(p.dependencies, p.name).not.toContain(u);
    }
    // The platform's rules, monitors and Kibana probe wait for the parts they watch, not the users.
    const watched = [
      urn("kubernetes:helm.sh/v3:Release", "logging-eck-operator"),
      urn("kubernetes:kibana.k8s.elastic.co/v1:Kibana", "logging-kibana"),
      urn("kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash"),
      urn("kubernetes:beat.k8s.elastic.co/v1beta1:Beat", "logging-filebeat"),
    ];
    const platform = one(r, "observability:platform:PlatformMonitoring", "platform").urn;
    const waiting = r.resources.filter(
      (x) =>
        x.parent === platform &&
        (x.type.startsWith("kubernetes:monitoring.coreos.com/") || x.name === "platform-blackbox-config"),
    );
    expect(waiting.map((x) => x.name)).toContain("platform-rules");
    expect(waiting.map((x) => x.name)).toContain("platform-blackbox-config");
    for (const x of waiting) {
      expect(x.dependencies, x.name).toEqual(expect.arrayContaining(watched));
      for (const u of [...slow, logging]) expect(x.dependencies, x.name).not.toContain(u);
    }
  });

  it("replaces every Job that is not complete on the next update, instead of waiting on it again", () => {
    const jobs = ofType(result(), "kubernetes:batch/v1:Job");
    expect(jobs.map((j) => j.name).sort()).toEqual(SETTINGS_JOBS.map((j) => `logging-${j}`).sort());
    for (const j of jobs) expect(metadata(j).annotations?.[REPLACE_UNREADY], j.name).toBe("true");
  });

  it("keeps every namespace that holds a retained resource protected and retained", () => {
    const byName = new Map(namespaces().map((n) => [metadata(n).name, n]));
    const retained = k8sObjects().filter(
      (r) => r.retainOnDelete && r.type !== "kubernetes:core/v1:Namespace",
    );
    if (result().config.production) expect(retained.length).toBeGreaterThanOrEqual(3);
    for (const r of retained) {
      const ns = namespaceOf(r);
      if (ns === undefined) continue;
      const holder = byName.get(ns);
      expect(holder, `${r.name} is retained in ${ns}, which the stack does not create`).toBeDefined();
      expect(
        { protect: holder?.protect, retainOnDelete: holder?.retainOnDelete },
        `${r.name} in ${ns}`,
      ).toEqual({
        protect: true,
        retainOnDelete: true,
      });
    }
  });
  it("keeps what a retained resource reads or sits in: its Secrets and its subnet group", () => {
    // A destroy keeps the retained resource: a Secret its pods read, or the subnet group a kept
    // database is in (RDS refuses to delete it), must stay with it.
    const byUrn = new Map(result().resources.map((r) => [r.urn, r]));
    const kept = result().resources.filter((r) => r.retainOnDelete);
    if (result().config.production)
      expect(kept.some((r) => r.type === "aws:rds/instance:Instance")).toBe(true);
    for (const r of kept)
      for (const urn of r.dependencies ?? []) {
        const d = byUrn.get(urn);
        if (d && ["kubernetes:core/v1:Secret", "aws:rds/subnetGroup:SubnetGroup"].includes(d.type))
          expect(d.retainOnDelete, `${r.name} is kept but ${d.name}, which it needs, is not`).toBe(true);
      }
  });
});
