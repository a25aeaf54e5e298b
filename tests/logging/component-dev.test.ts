import { beforeAll, describe, expect, it } from "vitest";
import { settingsPlan } from "../../infra/generators/logging";
import type { RecordedResource } from "../../scripts/lib/mock-runtime";
import type { RenderResult } from "../../scripts/lib/offline";
import { one, render } from "../helpers/render";

let result: RenderResult;
let mine: RecordedResource[];

beforeAll(async () => {
  result = await render("dev");
  const root = result.resources.find((r) => r.type === "observability:logging:Logging");
  const urns = new Set([root?.urn]);
  // The component and everything under it.
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of result.resources)
      if (r.parent && urns.has(r.parent) && !urns.has(r.urn)) {
        urns.add(r.urn);
        grew = true;
      }
  }
  mine = result.resources.filter((r) => urns.has(r.urn));
});

const byType = (type: string) => mine.filter((r) => r.type === type);

describe("logging stack, dev", () => {
  it("installs the ECK operator from its pinned Helm chart", () => {
    const [release] = byType("kubernetes:helm.sh/v3:Release");
    expect(release?.inputs).toMatchObject({
      chart: "eck-operator",
      version: "3.1.0",
      repositoryOpts: { repo: "https://helm.elastic.co" },
      namespace: "elastic-system",
    });
  });

  it("declares Elasticsearch, Kibana, Filebeat and Logstash as ECK resources", () => {
    const kinds = mine
      .filter((r) => r.type.includes(".k8s.elastic.co/"))
      .map((r) => `${r.inputs.apiVersion} ${r.inputs.kind}`)
      .sort();
    expect(kinds).toEqual([
      "beat.k8s.elastic.co/v1beta1 Beat",
      "elasticsearch.k8s.elastic.co/v1 Elasticsearch",
      "kibana.k8s.elastic.co/v1 Kibana",
      "logstash.k8s.elastic.co/v1alpha1 Logstash",
    ]);
    for (const r of mine.filter((x) => x.type.includes(".k8s.elastic.co/")))
      expect((r.inputs.spec as { version: string }).version).toBe("9.1.5");
  });

  it("runs one unprotected node that holds every role", () => {
    const es = one(
      result,
      "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
      "logging-elasticsearch",
    );
    const spec = es.inputs.spec as {
      nodeSets: { name: string; count: number; config: Record<string, unknown> }[];
    };
    expect(spec.nodeSets).toHaveLength(1);
    expect(spec.nodeSets[0]).toMatchObject({ name: "default", count: 1, config: {} });
    expect(es.protect).toBe(false);
  });

  it("applies the generated plan with a Job that reads the password from ECK's Secret", () => {
    const [cm] = byType("kubernetes:core/v1:ConfigMap");
    const data = cm?.inputs.data as Record<string, string>;
    expect(JSON.parse(data["plan.json"] ?? "")).toEqual(settingsPlan(result.config));
    expect(data["apply.mjs"]).toContain("runFromEnv(process.env)");
    const job = byType("kubernetes:batch/v1:Job")[0];
    if (!job) throw new Error("no settings Job");
    const container = (
      job.inputs.spec as {
        template: { spec: { containers: { image: string; env: Record<string, unknown>[] }[] } };
      }
    ).template.spec.containers[0];
    expect(container?.image).toMatch(/^node:\d+\.\d+\.\d+-alpine/);
    expect(container?.env).toContainEqual({
      name: "ES_PASSWORD",
      valueFrom: { secretKeyRef: { name: "logs-es-elastic-user", key: "elastic" } },
    });
    expect(container?.env).toContainEqual({ name: "ES_URL", value: "https://logs-es-http.logging.svc:9200" });
    // The Job's name carries the plan's hash: a changed plan is a new Job, so it runs again.
    expect((job.inputs.metadata as { name: string }).name).toMatch(/^logs-settings-[0-9a-f]{10}$/);
  });

  it("gives S3 access through IAM roles for service accounts, never keys", () => {
    const sas = byType("kubernetes:core/v1:ServiceAccount");
    const annotated = Object.fromEntries(
      sas.map((s) => {
        const m = s.inputs.metadata as { name: string; annotations?: Record<string, string> };
        return [m.name, m.annotations?.["eks.amazonaws.com/role-arn"]];
      }),
    );
    expect(annotated["logs-es"]).toMatch(/^arn:aws:iam:.*logging-(es-snapshots|logstash-archive)$/);
    expect(annotated["logs-logstash"]).toMatch(/^arn:aws:iam:.*logging-(es-snapshots|logstash-archive)$/);
    const trust = JSON.parse(
      String(one(result, "aws:iam/role:Role", "logging-es-snapshots").inputs.assumeRolePolicy),
    );
    expect(trust.Statement[0].Condition.StringEquals).toMatchObject({
      "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEDEV0000000000000000000000:sub":
        "system:serviceaccount:logging:logs-es",
    });
    const text = JSON.stringify(mine.map((r) => r.inputs));
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|aws_secret_access_key|secret_key/i);
    expect(text).not.toContain("offline-placeholder");
  });

  it("keeps the snapshot bucket free of lifecycle expiry and Glacier", () => {
    expect(byType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")).toHaveLength(0);
    const policy = JSON.parse(
      String(one(result, "aws:iam/rolePolicy:RolePolicy", "logging-logstash-archive-policy").inputs.policy),
    );
    const write = policy.Statement.find((s: { Sid: string }) => s.Sid === "ArchiveWrite");
    expect(write.Resource).toHaveLength(4);
    expect(JSON.stringify(policy)).not.toContain('"s3:*"');
  });

  it("exports the URLs, namespace, elastic-user Secret and the HTTP CA as plain PEM", () => {
    expect((result.outputs as { logging: unknown }).logging).toEqual({
      elasticsearchUrl: "https://logs-es-http.logging.svc:9200",
      kibanaUrl: "https://logs-kb-http.logging.svc:5601",
      namespace: "logging",
      elasticUserSecret: "logs-es-elastic-user",
      elasticsearchCaSecret: "logs-es-http-certs-public",
      elasticsearchCaCert: "-----BEGIN CERTIFICATE-----\nMOCK logging-es-http-ca\n-----END CERTIFICATE-----",
      snapshotBucket: "acme-obs-dev-es-snapshots",
    });
  });
});
