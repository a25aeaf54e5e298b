import { beforeAll, describe, expect, it } from "vitest";
import { LOG_TYPES } from "../../infra/catalog/retention";
import { ConfigError } from "../../infra/config";
import type { RenderResult } from "../../scripts/lib/offline";
import { one, ofType, render } from "../helpers/render";
import { stackConfig } from "../../scripts/lib/stack-config";
import { loggingWith } from "./config";

const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
let result: RenderResult;
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

beforeAll(async () => {
  result = await render("prod");
});

describe("logging stack, prod", () => {
  it("runs 3 dedicated masters and at least 2 data nodes spread across zones", () => {
    const es = one(result, ES, "logging-elasticsearch");
    const spec = es.inputs.spec as {
      nodeSets: NodeSet[];
      podDisruptionBudget: unknown;
      volumeClaimDeletePolicy: string;
    };
    const masters = spec.nodeSets.find((n) => n.name === "master");
    const data = spec.nodeSets.find((n) => n.name === "data");
    expect(masters?.count).toBe(3);
    expect(masters?.config["node.roles"]).toEqual(["master"]);
    expect(data?.count).toBeGreaterThanOrEqual(2);
    expect(data?.config["node.roles"]).not.toContain("master");
    for (const ns of [masters, data]) {
      expect(ns?.podTemplate.spec.topologySpreadConstraints).toEqual([
        expect.objectContaining({
          topologyKey: "topology.kubernetes.io/zone",
          maxSkew: 1,
          whenUnsatisfiable: "DoNotSchedule",
        }),
      ]);
      expect(ns?.config["cluster.routing.allocation.awareness.attributes"]).toBe("k8s_node_name,zone");
      expect(ns?.podTemplate.spec.containers[0]?.env).toContainEqual(
        expect.objectContaining({ name: "ZONE" }),
      );
    }
    expect((es.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual({
      "eck.k8s.elastic.co/downward-node-labels": "topology.kubernetes.io/zone",
    });
    expect(spec.podDisruptionBudget).toMatchObject({ spec: { maxUnavailable: 1 } });
    expect(spec.volumeClaimDeletePolicy).toBe("DeleteOnScaledownOnly");
  });

  it("sizes nodes and heap from config", () => {
    const spec = one(result, ES, "logging-elasticsearch").inputs.spec as { nodeSets: NodeSet[] };
    const data = spec.nodeSets.find((n) => n.name === "data");
    expect(data?.podTemplate.spec.containers[0]?.resources).toEqual({
      requests: { memory: "16384Mi", cpu: "4" },
      limits: { memory: "16384Mi" },
    });
    expect(data?.podTemplate.spec.containers[0]?.env).toContainEqual({
      name: "ES_JAVA_OPTS",
      value: "-Xms8192m -Xmx8192m",
    });
    expect(data?.volumeClaimTemplates[0]?.spec).toMatchObject({
      resources: { requests: { storage: "1000Gi" } },
      storageClassName: "gp3",
    });
  });

  it("protects Elasticsearch and the snapshot bucket", () => {
    const es = one(result, ES, "logging-elasticsearch");
    expect(es.protect).toBe(true);
    expect(es.retainOnDelete).toBe(true);
    const bucket = one(result, "aws:s3/bucket:Bucket", "logging-snapshots");
    expect(bucket.protect).toBe(true);
    expect(bucket.inputs.bucket).toBe("acme-obs-prod-es-snapshots");
  });

  it("runs Kibana and Logstash with two replicas each", () => {
    expect(
      (
        one(result, "kubernetes:kibana.k8s.elastic.co/v1:Kibana", "logging-kibana").inputs.spec as {
          count: number;
        }
      ).count,
    ).toBe(2);
    expect(
      (
        one(result, "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash").inputs
          .spec as { count: number }
      ).count,
    ).toBe(2);
  });

  it("writes every log type to its own archive bucket", () => {
    const spec = one(result, "kubernetes:logstash.k8s.elastic.co/v1alpha1:Logstash", "logging-logstash")
      .inputs.spec as {
      pipelines: Record<string, string>[];
    };
    const archive = spec.pipelines.find((p) => p["pipeline.id"] === "archive")?.["config.string"] ?? "";
    for (const t of LOG_TYPES) expect(archive).toContain(`bucket => 'acme-obs-prod-${t}-logs'`);
  });

  it("refuses a production stack that is not highly available", () => {
    const single = loggingWith("prod", (l) => {
      (l.elasticsearch as { masters: { count: number } }).masters.count = 0;
      (l.elasticsearch as { data: { count: number } }).data.count = 1;
    });
    let error: unknown;
    try {
      stackConfig("prod", { logging: single });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("observability:logging.elasticsearch.masters.count: production needs 3"),
        expect.stringContaining(
          "observability:logging.elasticsearch.data.count: production needs at least 2",
        ),
      ]),
    );
  });

  it("refuses a heap larger than half the memory", () => {
    const bad = loggingWith("prod", (l) => {
      (l.elasticsearch as { data: { heapGb: number } }).data.heapGb = 12;
    });
    expect(() => stackConfig("prod", { logging: bad })).toThrow(/data\.heapGb: heap 12 GB is more than half/);
  });

  it("registers no more than one operator release", () => {
    expect(
      ofType(result, "kubernetes:helm.sh/v3:Release").filter((r) => r.name.startsWith("logging")),
    ).toHaveLength(1);
  });
});
