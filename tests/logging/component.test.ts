import { beforeAll, describe, expect, it } from "vitest";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import { archiveBucketName } from "../../infra/generators/archive";
import { eckNames, SETTINGS_JOBS, settingsPlans, snapshotBucketName } from "../../infra/generators/logging";
import { SNAPSHOT_NONCURRENT_DAYS } from "../../infra/generators/logging/snapshots";
import type { RecordedResource } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { componentResources, one, rendered, STACKS } from "../helpers/render";

const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
type NodeSet = {
  name: string;
  count: number;
  config: Record<string, unknown>;
  podTemplate: {
    spec: Record<string, unknown> & {
      containers: { env: { name: string; value?: string }[]; resources: unknown }[];
    };
  };
  volumeClaimTemplates: {
    spec: { resources: { requests: { storage: string } }; storageClassName?: string };
  }[];
};
type EsSpec = { nodeSets: NodeSet[]; podDisruptionBudget: unknown; volumeClaimDeletePolicy: string };

describe.each(STACKS)("logging stack (%s)", (stack) => {
  let result: RenderResult;
  let mine: RecordedResource[];
  const byType = (type: string) => mine.filter((r) => r.type === type);
  const l = () => result.config.logging;
  const names = () => eckNames(result.config);
  const esSpec = () => one(result, ES, "logging-elasticsearch").inputs.spec as EsSpec;

  beforeAll(() => {
    result = rendered(stack);
    mine = componentResources(result, "observability:logging:Logging");
  });

  it("installs the ECK operator from its pinned Helm chart, once", () => {
    const releases = byType("kubernetes:helm.sh/v3:Release");
    expect(releases).toHaveLength(1);
    expect(releases[0]?.inputs).toMatchObject({
      chart: "eck-operator",
      version: l().eckOperatorVersion,
      repositoryOpts: { repo: "https://helm.elastic.co" },
      namespace: "elastic-system",
    });
  });

  it("declares Elasticsearch, Kibana, Filebeat and Logstash as ECK resources of the stack version", () => {
    const eck = mine.filter((r) => r.type.includes(".k8s.elastic.co/"));
    expect(eck.map((r) => `${r.inputs.apiVersion} ${r.inputs.kind}`).sort()).toEqual([
      "beat.k8s.elastic.co/v1beta1 Beat",
      "elasticsearch.k8s.elastic.co/v1 Elasticsearch",
      "kibana.k8s.elastic.co/v1 Kibana",
      "logstash.k8s.elastic.co/v1alpha1 Logstash",
    ]);
    for (const r of eck) expect((r.inputs.spec as { version: string }).version).toBe(l().stackVersion);
  });

  it("runs dedicated masters spread across zones when configured, else one group holding every role", () => {
    const es = l().elasticsearch;
    const spec = esSpec();
    const metadata = one(result, ES, "logging-elasticsearch").inputs.metadata as { annotations: object };
    if (es.masters.count === 0) {
      expect(spec.nodeSets).toEqual([
        expect.objectContaining({ name: "default", count: es.data.count, config: {} }),
      ]);
      expect(metadata.annotations).toEqual({});
      return;
    }
    const masters = spec.nodeSets.find((n) => n.name === "master");
    const data = spec.nodeSets.find((n) => n.name === "data");
    expect(masters?.count).toBe(es.masters.count);
    expect(masters?.config["node.roles"]).toEqual(["master"]);
    expect(data?.count).toBe(es.data.count);
    expect(data?.config["node.roles"]).not.toContain("master");
    for (const ns of [masters, data]) {
      expect(ns?.podTemplate.spec.topologySpreadConstraints).toEqual([
        expect.objectContaining({
          topologyKey: es.zoneTopologyKey,
          maxSkew: 1,
          whenUnsatisfiable: "DoNotSchedule",
        }),
      ]);
      expect(ns?.config["cluster.routing.allocation.awareness.attributes"]).toBe("k8s_node_name,zone");
      expect(ns?.podTemplate.spec.containers[0]?.env).toContainEqual(
        expect.objectContaining({ name: "ZONE" }),
      );
    }
    expect(metadata.annotations).toEqual({ "eck.k8s.elastic.co/downward-node-labels": es.zoneTopologyKey });
  });

  it("sizes data nodes and their heap and volumes from config", () => {
    const group = l().elasticsearch.data;
    const data = esSpec().nodeSets.find(
      (n) => n.name === (l().elasticsearch.masters.count > 0 ? "data" : "default"),
    );
    const mb = Math.round(group.memoryGb * 1024);
    const heap = Math.round(group.heapGb * 1024);
    expect(data?.podTemplate.spec.containers[0]?.resources).toEqual({
      requests: { memory: `${mb}Mi`, cpu: String(group.cpu) },
      limits: { memory: `${mb}Mi` },
    });
    expect(data?.podTemplate.spec.containers[0]?.env).toContainEqual({
      name: "ES_JAVA_OPTS",
      value: `-Xms${heap}m -Xmx${heap}m`,
    });
    expect(data?.volumeClaimTemplates[0]?.spec).toMatchObject({
      resources: { requests: { storage: `${group.storageGb}Gi` } },
      storageClassName: result.config.kubernetes.storageClassName,
    });
  });

  it("keeps data volumes on delete, and protects Elasticsearch and the snapshot bucket in production", () => {
    const spec = esSpec();
    expect(spec.volumeClaimDeletePolicy).toBe("DeleteOnScaledownOnly");
    expect(spec.podDisruptionBudget).toMatchObject({ spec: { maxUnavailable: 1 } });
    const es = one(result, ES, "logging-elasticsearch");
    const bucket = one(result, "aws:s3/bucket:Bucket", "logging-snapshots");
    for (const r of [es, bucket]) {
      expect(r.protect, r.name).toBe(result.config.production);
      expect(r.retainOnDelete, r.name).toBe(result.config.production);
    }
    expect(bucket.inputs.bucket).toBe(snapshotBucketName(result.config));
  });

  it("runs Kibana and Logstash with the configured replicas", () => {
    const count = (type: string, name: string) =>
      (one(result, type, name).inputs.spec as { count: number }).count;
    expect(count("kubernetes:kibana.k8s.elastic.co/v1:Kibana", "logging-kibana")).toBe(l().kibana.replicas);
    expect(count("kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash")).toBe(
      l().logstash.replicas,
    );
  });

  it("writes every log type to its own archive bucket", () => {
    const spec = one(result, "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash")
      .inputs.spec as { pipelines: Record<string, string>[] };
    const archive = spec.pipelines.find((p) => p["pipeline.id"] === "archive")?.["config.string"] ?? "";
    for (const t of LOG_TYPES)
      expect(archive).toContain(`bucket => '${archiveBucketName(result.config, t)}'`);
  });

  it("keeps refused documents in the dead-letter queue no longer than the shortest retention", () => {
    const spec = one(result, "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash")
      .inputs.spec as { pipelines: Record<string, unknown>[] };
    const withDlq = spec.pipelines.filter((p) => p["dead_letter_queue.enable"] === true);
    expect(withDlq.length).toBeGreaterThan(0);
    const shortest = Math.min(...LOG_TYPES.map((t) => RETENTION[t].days));
    for (const p of withDlq) {
      // Logstash's age: a number and a unit (d, h, m, s, ms); days here.
      const age = /^(\d+)d$/.exec(String(p["dead_letter_queue.retain.age"]));
      expect(age, String(p["pipeline.id"])).not.toBeNull();
      expect(Number(age![1])).toBeLessThanOrEqual(shortest);
    }
  });

  it("applies each generated plan with a Job that reads the password from ECK's Secret", () => {
    const plans = settingsPlans(result.config);
    for (const which of SETTINGS_JOBS) {
      const cm = one(result, "kubernetes:core/v1:ConfigMap", `logging-${which}`);
      const data = cm.inputs.data as Record<string, string>;
      expect(JSON.parse(data["plan.json"] ?? "")).toEqual(plans[which]);
      expect(data["apply.mjs"]).toContain("runFromEnv(process.env)");
      const job = one(result, "kubernetes:batch/v1:Job", `logging-${which}`);
      const pod = (
        job.inputs.spec as {
          template: {
            spec: {
              containers: { image: string; env: { name: string }[] }[];
              volumes: { name: string; configMap?: { name: string } }[];
            };
          };
        }
      ).template.spec;
      const container = pod.containers[0];
      expect(container?.image).toMatch(/^node:\d+\.\d+\.\d+-alpine/);
      expect(container?.env).toContainEqual({
        name: "ES_PASSWORD",
        valueFrom: { secretKeyRef: { name: names().elasticUserSecret, key: "elastic" } },
      });
      expect(container?.env).toContainEqual({ name: "ES_URL", value: names().elasticsearchUrl });
      // Only a plan with Kibana steps is told where Kibana is (and waits for its CA Secret).
      const kibana = plans[which].some((s) => s.target === "kibana");
      expect(
        container?.env.some((e) => e.name === "KIBANA_URL"),
        which,
      ).toBe(kibana);
      expect(
        pod.volumes.some((v) => v.name === "kibana-ca"),
        which,
      ).toBe(kibana);
      expect(pod.volumes).toContainEqual({
        name: "applier",
        configMap: { name: (cm.inputs.metadata as { name: string }).name },
      });
      // The name carries a hash of what the Job runs: a changed plan is a new Job, so it runs again.
      expect((job.inputs.metadata as { name: string }).name).toMatch(
        new RegExp(`^${l().clusterName}-${which}-[0-9a-f]{10}$`),
      );
    }
  });

  it("gives S3 access through IAM roles for service accounts, never keys", () => {
    const annotated = Object.fromEntries(
      byType("kubernetes:core/v1:ServiceAccount").map((s) => {
        const m = s.inputs.metadata as { name: string; annotations?: Record<string, string> };
        return [m.name, m.annotations?.["eks.amazonaws.com/role-arn"]];
      }),
    );
    expect(annotated[names().esServiceAccount]).toMatch(/^arn:aws:iam:.*logging-es-snapshots$/);
    expect(annotated[names().logstashServiceAccount]).toMatch(/^arn:aws:iam:.*logging-logstash-archive$/);
    const trust = JSON.parse(
      String(one(result, "aws:iam/role:Role", "logging-es-snapshots").inputs.assumeRolePolicy),
    );
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      [`${result.config.kubernetes.oidcProvider.issuer}:sub`]: `system:serviceaccount:${l().namespace}:${names().esServiceAccount}`,
      [`${result.config.kubernetes.oidcProvider.issuer}:aud`]: "sts.amazonaws.com",
    });
    const text = JSON.stringify(mine.map((r) => r.inputs));
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|aws_secret_access_key|secret_key/i);
    expect(text).not.toContain("offline-placeholder");
  });

  it("lets Logstash write to the archive buckets only; the snapshot bucket expires only what SLM deleted", () => {
    // SLM deletes snapshots; versioning keeps them as noncurrent versions, which go after 7 days.
    const lifecycles = byType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(lifecycles).toHaveLength(1);
    const rules = lifecycles[0]!.inputs.rules as Record<
      string,
      { days?: number } & Record<string, unknown>
    >[];
    // No current snapshot file ever expires here: SLM alone decides what a restore can use.
    for (const r of rules) expect(r.expiration?.days, String(r.id)).toBeUndefined();
    expect(
      rules.map((r) => [r.expiration, r.noncurrentVersionExpiration, r.abortIncompleteMultipartUpload]),
    ).toEqual([
      [
        { expiredObjectDeleteMarker: true },
        { noncurrentDays: SNAPSHOT_NONCURRENT_DAYS },
        { daysAfterInitiation: 7 },
      ],
    ]);
    const policy = JSON.parse(
      String(one(result, "aws:iam/rolePolicy:RolePolicy", "logging-logstash-archive-policy").inputs.policy),
    );
    const write = policy.Statement.find((s: { Sid: string }) => s.Sid === "ArchiveWrite");
    expect(write.Resource).toEqual(
      LOG_TYPES.map((t) => `arn:aws:s3:::${archiveBucketName(result.config, t)}/*`),
    );
    expect(JSON.stringify(policy)).not.toContain('"s3:*"');
  });

  it("exports the URLs, namespace, elastic-user Secret and the HTTP CA as plain PEM, people's passwords as a secret", () => {
    expect((result.outputs as { logging: unknown }).logging).toEqual({
      elasticsearchUrl: names().elasticsearchUrl,
      kibanaUrl: names().kibanaUrl,
      kibanaPublicUrl: l().kibana.endpoint ? `https://${l().kibana.endpoint?.hostname}` : undefined,
      namespace: l().namespace,
      userPasswords: "[secret]",
      elasticUserSecret: names().elasticUserSecret,
      elasticsearchCaSecret: names().esCaSecret,
      elasticsearchCaCert: "-----BEGIN CERTIFICATE-----\nMOCK logging-es-http-ca\n-----END CERTIFICATE-----",
      snapshotBucket: snapshotBucketName(result.config),
    });
  });
});
