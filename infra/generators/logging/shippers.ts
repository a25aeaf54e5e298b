import { dataStreamName, LOG_CLASSIFICATION, SENSITIVE_PATTERNS } from "../../catalog/log-schema";
import { LOG_TYPES, type LogType } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { sensitiveFields } from "./pipeline";
import { eckNames, LOGSTASH_ES_REF } from "./names";
import { ENTRY_LOG_TYPE } from "./templates";
import { FILEBEAT_HTTP_SETTINGS } from "../platform/filebeat";
import { archiveOutputId } from "../platform/logstash";

/** An environment variable ECK sets on Logstash for the referenced cluster, as Logstash expands it. */
const ref = (suffix: string): string => `\${${LOGSTASH_ES_REF.toUpperCase()}_ES_${suffix}}`;

/** Where the archive copy of one log type goes. */
export interface ArchiveTarget {
  bucket: string;
  kmsKeyArn: string;
  region: string;
}

// Logstash string literals: single quotes keep backslashes as they are (escapes are off by default).
const q = (s: string): string => {
  if (s.includes("'")) throw new Error(`cannot quote ${s} for Logstash`);
  return `'${s}'`;
};
const list = (values: readonly string[]): string => `[${values.map(q).join(", ")}]`;

/**
 * Logstash `ingest` pipeline: lines from Filebeat go unchanged to the entry data stream (the
 * Elasticsearch router pipeline parses, masks and routes them), and a copy goes to `archive`.
 */
export function logstashIngestPipeline(config: StackConfig): string {
  return [
    "input { beats { port => 5044 } }",
    "output {",
    "  elasticsearch {",
    `    hosts => [${q(ref("HOSTS"))}]`,
    `    user => ${q(ref("USER"))}`,
    `    password => ${q(ref("PASSWORD"))}`,
    `    ssl_certificate_authorities => ${q(ref("SSL_CERTIFICATE_AUTHORITY"))}`,
    `    index => ${q(dataStreamName(ENTRY_LOG_TYPE, config.environment))}`,
    "    action => 'create'",
    "    data_stream => 'false'",
    "    manage_template => false",
    "    ilm_enabled => 'false'",
    "  }",
    "  pipeline { send_to => ['archive'] }",
    "}",
    "",
  ].join("\n");
}

/**
 * Logstash `archive` pipeline: the same classification and masking as the ingest pipeline
 * (generated from the same tables), then one S3 output per log type into that type's archive
 * bucket, whose lifecycle enforces the retention row. Credentials come from the pod's IAM role.
 */
export function logstashArchivePipeline(
  config: StackConfig,
  targets: Record<LogType, ArchiveTarget>,
): string {
  const fields = sensitiveFields(config);
  const removals = fields.flatMap((f) => {
    const path = f
      .split(".")
      .map((p) => `[${p}]`)
      .join("");
    return [path, `[headers]${path}`, `[request][headers]${path}`];
  });
  const gsubs = SENSITIVE_PATTERNS.flatMap((p) => [
    "message",
    // Ruby regexes take the Java inline flag as (?i) too; backreferences are \1, not $1.
    p.pattern,
    p.replacement.replace(/\$(\d)/g, "\\$1"),
  ]);
  const s3 = (t: LogType): string[] => {
    const target = targets[t];
    return [
      "    s3 {",
      // A stable id: the exporter's `plugin_id` label names the log type's output.
      `      id => ${q(archiveOutputId(t))}`,
      `      region => ${q(target.region)}`,
      `      bucket => ${q(target.bucket)}`,
      `      prefix => ${q(`${config.environment}/%{+YYYY}/%{+MM}/%{+dd}/`)}`,
      "      codec => 'json_lines'",
      "      encoding => 'gzip'",
      "      server_side_encryption => true",
      "      server_side_encryption_algorithm => 'aws:kms'",
      `      ssekms_key_id => ${q(target.kmsKeyArn)}`,
      "      rotation_strategy => 'size_and_time'",
      "      size_file => 67108864",
      "      time_file => 5",
      // On the data volume, so buffered lines survive a restart.
      `      temporary_directory => ${q(`/usr/share/logstash/data/s3/${t}`)}`,
      "      validate_credentials_on_root_bucket => false",
      "    }",
    ];
  };
  const [first, ...rest] = LOG_TYPES;
  return [
    "input { pipeline { address => 'archive' } }",
    "filter {",
    "  json { source => 'message' skip_on_invalid_json => true tag_on_failure => ['invalid_json'] }",
    `  if [log_type] and [log_type] not in ${list(LOG_TYPES)} { mutate { remove_field => ['log_type'] add_tag => ['invalid_log_type'] } }`,
    "  if ![log_type] {",
    ...LOG_CLASSIFICATION.map((rule, i) => {
      const keyword = i === 0 ? "if" : rule.when ? "else if" : "else";
      const match = !rule.when
        ? ""
        : rule.when.oneOf.length === 1
          ? ` [${rule.when.field}] == ${q(rule.when.oneOf[0] as string)}`
          : ` [${rule.when.field}] in ${list(rule.when.oneOf)}`;
      return `    ${keyword}${match} { mutate { add_field => { 'log_type' => ${q(rule.logType)} } } }`;
    }),
    "  }",
    `  mutate { remove_field => ${list(removals)} }`,
    `  mutate { gsub => ${list(gsubs)} }`,
    "}",
    "output {",
    `  if [log_type] == ${q(first as LogType)} {`,
    ...s3(first as LogType),
    ...rest.flatMap((t) => [`  } else if [log_type] == ${q(t)} {`, ...s3(t)]),
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Filebeat on every node: container logs, Kubernetes metadata, to Logstash. */
export function filebeatConfig(config: StackConfig): Record<string, unknown> {
  return {
    "filebeat.inputs": [
      {
        type: "filestream",
        id: "kubernetes-containers",
        paths: ["/var/log/containers/*.log"],
        "prospector.scanner.symlinks": true,
        parsers: [{ container: { stream: "all", format: "auto" } }],
        // The logging stack's own output would loop through itself (Filebeat's included).
        exclude_files: [`_${config.logging.namespace}_`, `_${eckNames(config).filebeatNamespace}_`],
        processors: [
          {
            add_kubernetes_metadata: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Filebeat expands ${NODE_NAME} itself.
              host: "${NODE_NAME}",
              matchers: [{ logs_path: { logs_path: "/var/log/containers/" } }],
            },
          },
        ],
      },
    ],
    "output.logstash": { hosts: [eckNames(config).logstashBeatsHost] },
    // The stats endpoint the json_exporter sidecar reads (infra/generators/platform/filebeat.ts).
    ...FILEBEAT_HTTP_SETTINGS,
  };
}
