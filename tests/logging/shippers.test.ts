import { describe, expect, it } from "vitest";
import { AUDIT_EVENTS, SENSITIVE_FIELDS, SENSITIVE_PATTERNS } from "../../infra/catalog/log-schema";
import { LOG_TYPES, type LogType } from "../../infra/catalog/retention";
import {
  eckNames,
  elasticsearchSpec,
  filebeatConfig,
  logstashArchivePipeline,
  logstashIngestPipeline,
} from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";

const dev = stackConfig("dev");
const targets = Object.fromEntries(
  LOG_TYPES.map((t) => [
    t,
    { bucket: `b-${t}`, kmsKeyArn: "arn:aws:kms:us-east-1:1:key/k", region: "us-east-1" },
  ]),
) as Record<LogType, { bucket: string; kmsKeyArn: string; region: string }>;

describe("Logstash pipelines", () => {
  const archive = logstashArchivePipeline(dev, targets);

  it("sends every line unchanged to the entry stream, with ECK's credentials and CA", () => {
    const ingest = logstashIngestPipeline(dev);
    expect(ingest).toContain("index => 'logs-application-dev'");
    expect(ingest).toContain("action => 'create'");
    // Logstash expands ${VAR} from the environment ECK sets up for the referenced cluster.
    const env = (name: string) => `'$\{LOGS_ES_${name}}'`;
    expect(ingest).toContain(`password => ${env("PASSWORD")}`);
    expect(ingest).toContain(`ssl_certificate_authorities => ${env("SSL_CERTIFICATE_AUTHORITY")}`);
    expect(ingest).toContain("send_to => ['archive']");
  });

  it("writes each log type to its own bucket, KMS-encrypted, and nothing else", () => {
    for (const t of LOG_TYPES) {
      expect(archive).toContain(`[log_type] == '${t}'`);
      expect(archive).toContain(`bucket => 'b-${t}'`);
    }
    expect(archive.match(/ s3 \{/g)).toHaveLength(LOG_TYPES.length);
    expect(archive.match(/server_side_encryption_algorithm => 'aws:kms'/g)).toHaveLength(LOG_TYPES.length);
    expect(archive).not.toMatch(/access_key_id|secret_access_key/);
  });

  it("classifies with the same rule as the ingest pipeline and removes the same fields", () => {
    expect(archive).toContain(`[audit_event] in [${AUDIT_EVENTS.map((e) => `'${e}'`).join(", ")}]`);
    expect(archive).toContain("[level] == 'DEBUG'");
    for (const f of [...SENSITIVE_FIELDS, ...dev.logging.redactFields]) expect(archive).toContain(`'[${f}]'`);
    for (const p of SENSITIVE_PATTERNS) expect(archive).toContain(`'${p.pattern}'`);
    // Ruby's gsub takes \1 for a group, not $1.
    expect(archive).not.toContain("$1");
  });

  it("has balanced braces", () => {
    for (const conf of [archive, logstashIngestPipeline(dev)]) {
      const stripped = conf.replace(/'[^']*'/g, "''");
      expect(stripped.split("{").length).toBe(stripped.split("}").length);
    }
  });
});

describe("Filebeat and names", () => {
  it("ships container logs to the Logstash beats service, skipping the logging namespace", () => {
    const cfg = filebeatConfig(dev) as Record<string, unknown>;
    expect(cfg["output.logstash"]).toEqual({ hosts: ["logs-ls-beats.logging.svc:5044"] });
    expect(JSON.stringify(cfg)).toContain("/var/log/containers/*.log");
    expect(JSON.stringify(cfg)).toContain("_logging_");
  });

  it("derives URLs from ECK's service naming", () => {
    expect(eckNames(dev).elasticsearchUrl).toBe("https://logs-es-http.logging.svc:9200");
    expect(eckNames(dev).kibanaUrl).toBe("https://logs-kb-http.logging.svc:5601");
  });

  it("keeps dev on one node without zone constraints", () => {
    const spec = elasticsearchSpec(dev);
    expect(spec.nodeSets).toHaveLength(1);
    expect(JSON.stringify(spec)).not.toContain("topologySpreadConstraints");
  });
});
