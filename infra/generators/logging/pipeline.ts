import { LOG_LEVELS } from "../../catalog/log-levels";
import {
  type ClassificationRule,
  LOG_CLASSIFICATION,
  logsName,
  MISSING_REQUEST_ID_TAG,
  SENSITIVE_FIELDS,
  SENSITIVE_PATTERNS,
} from "../../catalog/log-schema";
import { LOG_TYPES, type LogType } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { MANAGED_BY_META } from "../labels";
import type { IngestPipelineBody, Processor } from "./types";

export const ROUTER_PIPELINE = logsName("router");
export const REDACT_PIPELINE = logsName("redact");

const painlessList = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(", ")}]`;

/** Built-in sensitive fields plus the stack's `logging.redactFields`, without duplicates. */
export const sensitiveFields = (config: StackConfig): string[] => [
  ...new Set([...SENSITIVE_FIELDS, ...config.logging.redactFields]),
];

/**
 * Walks the whole document and removes every key whose lower-cased name is listed, at any depth
 * (headers.Authorization, request.cookies, ...). Painless allows functions before the script body.
 */
const SCRUB_SCRIPT = [
  "void scrub(def node, Set names) {",
  "  if (node instanceof Map) {",
  "    node.keySet().removeIf(k -> k instanceof String && names.contains(((String) k).toLowerCase()));",
  "    for (def v : node.values()) { scrub(v, names); }",
  "  } else if (node instanceof List) {",
  "    for (def v : node) { scrub(v, names); }",
  "  }",
  "}",
  "scrub(ctx, new HashSet(params.names));",
].join("\n");

/**
 * Removes and masks sensitive data with Basic-licence processors only (remove, gsub, script; the
 * `redact` processor needs a paid licence). Safe to run twice: masking a masked value is a no-op.
 */
export function redactPipeline(config: StackConfig): IngestPipelineBody {
  const fields = sensitiveFields(config);
  const removals: Processor[] = fields.map((field) => ({
    remove: { field, ignore_missing: true, tag: `redact-${field}`, description: `drop ${field}` },
  }));
  const nested: Processor = {
    script: {
      tag: "redact-nested",
      description: "drop sensitive keys at any depth, any case",
      lang: "painless",
      source: SCRUB_SCRIPT,
      // Dotted config names are paths, handled by their remove processor above.
      params: { names: fields.filter((f) => !f.includes(".")).map((f) => f.toLowerCase()) },
    },
  };
  const masks: Processor[] = SENSITIVE_PATTERNS.map((p) => ({
    gsub: {
      field: "message",
      pattern: p.pattern,
      replacement: p.replacement,
      ignore_missing: true,
      if: "ctx.message instanceof String",
      tag: `mask-${p.name}`,
    },
  }));
  return {
    description:
      "Removes and masks sensitive data in log documents (credentials, session material, card numbers)",
    processors: [...removals, nested, ...masks],
    on_failure: [
      // Never drop a line; but do not keep unmasked text either.
      { set: { field: "message", value: "[REDACTED: masking failed]" } },
      { append: { field: "tags", value: ["redaction_failed"] } },
      { set: { field: "ingest_error", value: "{{{_ingest.on_failure_message}}}" } },
    ],
    _meta: { managed_by: MANAGED_BY_META },
  };
}

/** Processor tags of the classification rules, as the pipeline's stats name them. */
const CLASSIFY_TAG: Readonly<Record<LogType, string>> = {
  audit: "classify-audit-event",
  debug: "classify-debug",
  application: "classify-default",
  security: "classify-security",
};

/** One rule of the classification table as a Painless-guarded `set` processor. */
function classify(rule: ClassificationRule): Processor {
  const match = rule.when
    ? rule.when.oneOf.length === 1
      ? ` && ctx.${rule.when.field} == '${rule.when.oneOf[0]}'`
      : ` && ${painlessList(rule.when.oneOf)}.contains(ctx.${rule.when.field})`
    : "";
  return {
    set: {
      field: "log_type",
      value: rule.logType,
      if: `ctx.log_type == null${match}`,
      tag: CLASSIFY_TAG[rule.logType],
    },
  };
}

/**
 * A request-scoped line (`scope` absent or anything but `process`) whose `request_id` is absent or
 * empty. A line that was not JSON has no fields to judge and is counted as `invalid_json` instead.
 */
export const MISSING_REQUEST_ID_IF = [
  "(ctx.request_id == null || ctx.request_id == '')",
  "ctx.scope != 'process'",
  "!(ctx.tags instanceof List && ctx.tags.contains('invalid_json'))",
].join(" && ");

/**
 * The entry pipeline: parse the JSON line, take `timestamp` as `@timestamp`, decide the log type,
 * mask, and send the line to its data stream. A line that is not JSON is kept as it is, tagged
 * `invalid_json`, and stays in the application stream. A request's line without its `request_id`
 * is tagged `missing_request_id` (the logs dashboard shows each service's share).
 */
export function routerPipeline(config: StackConfig): IngestPipelineBody {
  const rerouted = LOG_TYPES.filter((t) => t !== "application");
  const invalidLogType = `ctx.log_type != null && !${painlessList(LOG_TYPES)}.contains(ctx.log_type)`;
  const processors: Processor[] = [
    {
      json: {
        tag: "parse-json",
        field: "message",
        add_to_root: true,
        add_to_root_conflict_strategy: "replace",
        // Documents that arrive already structured (a `level` field) are not parsed again.
        if: "ctx.level == null && ctx.message instanceof String",
        on_failure: [
          { append: { field: "tags", value: ["invalid_json"] } },
          { set: { field: "ingest_error", value: "{{{_ingest.on_failure_message}}}" } },
        ],
      },
    },
    {
      date: {
        tag: "timestamp",
        field: "timestamp",
        target_field: "@timestamp",
        formats: ["ISO8601"],
        timezone: "UTC",
        if: "ctx.timestamp != null",
        on_failure: [{ append: { field: "tags", value: ["invalid_timestamp"] } }],
      },
    },
    // `timestamp` is mapped as an alias of `@timestamp`; an alias cannot hold a value itself.
    { remove: { field: "timestamp", ignore_missing: true } },
    // Data streams need @timestamp: lines without a usable one get the ingest time.
    { set: { field: "@timestamp", value: "{{{_ingest.timestamp}}}", override: false } },
    { uppercase: { field: "level", ignore_missing: true, if: "ctx.level instanceof String" } },
    {
      append: {
        field: "tags",
        value: ["invalid_level"],
        if: `ctx.level != null && !${painlessList(LOG_LEVELS)}.contains(ctx.level)`,
      },
    },
    {
      append: {
        field: "tags",
        value: [MISSING_REQUEST_ID_TAG],
        tag: "missing-request-id",
        if: MISSING_REQUEST_ID_IF,
      },
    },
    { append: { field: "tags", value: ["invalid_log_type"], if: invalidLogType } },
    { remove: { field: "log_type", tag: "invalid-log-type", if: invalidLogType } },
    // Explicit log_type wins; then the audit events, then DEBUG; everything else is application.
    ...LOG_CLASSIFICATION.map(classify),
    // Mask before rerouting: a reroute skips the rest of this pipeline.
    { pipeline: { name: REDACT_PIPELINE, tag: "redact" } },
    ...rerouted.map(
      (t): Processor => ({
        reroute: {
          tag: `route-${t}`,
          if: `ctx.log_type == '${t}'`,
          dataset: t,
          namespace: config.environment,
        },
      }),
    ),
  ];
  return {
    description:
      "Parses structured log lines, sets @timestamp, classifies and routes them to their log-type data stream",
    processors,
    on_failure: [
      // Keep the document in the entry stream rather than rejecting it.
      { append: { field: "tags", value: ["pipeline_failure"] } },
      { set: { field: "ingest_error", value: "{{{_ingest.on_failure_message}}}" } },
    ],
    _meta: { managed_by: MANAGED_BY_META },
  };
}
