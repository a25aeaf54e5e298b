import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_TYPES, type LogType } from "../../infra/catalog/retention";
import { PROJECT } from "../../infra/config";
import {
  installMockRuntime,
  type RecordedResource,
  redact,
  SECRET_PLACEHOLDER,
} from "../../scripts/lib/mock-runtime";
import { readStackFile } from "../../scripts/lib/stack-file";
import { stackConfig } from "../../scripts/lib/stack-config";

let resources: RecordedResource[];

/** The component alone, with a Grafana reader requested, on Pulumi's mock runtime. */
beforeAll(async () => {
  const file = readStackFile("dev");
  const rt = await installMockRuntime(PROJECT, "dev", file.config, file.secretKeys);
  const { Logging } = await import("../../infra/components/logging.js");
  const bucket = (t: LogType) => ({ name: `b-${t}`, arn: `arn:aws:s3:::b-${t}` });
  const stack = new Logging("logging", {
    config: stackConfig("dev"),
    archive: {
      buckets: Object.fromEntries(LOG_TYPES.map((t) => [t, bucket(t)])) as Record<
        LogType,
        ReturnType<typeof bucket>
      >,
      kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
      accessLogBucket: "access-logs",
    },
    grafanaReader: { username: "grafana", password: pulumi.secret("reader-password-value") },
  });
  await new Promise((resolve) => stack.outputs.elasticsearchUrl.apply(resolve));
  await rt.settle();
  resources = rt.resources;
});

describe("logging stack with a Grafana reader", () => {
  it("keeps the reader's password in a basic-auth Secret, as a Pulumi secret", () => {
    const secret = resources.find(
      (r) => r.type === "kubernetes:core/v1:Secret" && r.name === "logging-grafana-reader",
    );
    expect(secret?.inputs.type).toBe("kubernetes.io/basic-auth");
    // The Kubernetes SDK wraps all of a Secret's data as a Pulumi secret: state keeps it encrypted.
    expect(redact(secret?.inputs.stringData)).toBe(SECRET_PLACEHOLDER);
    const wrapped = secret?.inputs.stringData as { value?: Record<string, string> };
    expect(wrapped.value).toEqual({
      username: "grafana",
      password: "reader-password-value",
      roles: "grafana-reader",
    });
  });

  it("adds the Secret to Elasticsearch's file realm and nowhere else in plain text", () => {
    const es = resources.find((r) => r.type === "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch");
    expect((es?.inputs.spec as { auth?: unknown } | undefined)?.auth).toEqual({
      // The Elasticsearch exporter's user is always there (infra/generators/platform).
      fileRealm: [{ secretName: "logs-exporter-user" }, { secretName: "logs-grafana-reader" }],
    });
    expect(JSON.stringify(resources.map((r) => redact(r.inputs)))).not.toContain("reader-password-value");
  });
});
