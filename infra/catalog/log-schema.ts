/**
 * The structured log contract: the spec's "Structured Logging Example" plus the log type and the
 * audit event name, as typed data. Index templates, the ingest pipeline, Kibana data views and the
 * docs/logs.md (generated) all derive from this list.
 */
import { LOG_LEVELS } from "./log-levels";
import { LOG_TYPES, type LogType } from "./retention";

/** Elasticsearch field types the contract uses. */
export type EsFieldType = "date" | "keyword" | "long" | "match_only_text" | "alias";

export interface LogField {
  /** Name in the JSON line the application writes. */
  name: string;
  esType: EsFieldType;
  /** Set for `alias` fields: the field holding the value. */
  aliasOf?: string;
  required: boolean;
  /** Closed set of values, where the contract has one. */
  values?: readonly string[];
  example: string | number;
  meaning: string;
}

/**
 * The spec's audit key events, as the `audit_event` values applications write. A line carrying one of
 * them goes to the audit stream even without `log_type: audit`.
 */
export const AUDIT_EVENTS = [
  "user.authentication",
  "data.access",
  "configuration.change",
  "admin.action",
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export const AUDIT_EVENT_MEANING: Readonly<Record<AuditEvent, string>> = {
  "user.authentication": "User authentication (login, logout, failed login, MFA)",
  "data.access": "Data access (reads and exports of customer data)",
  "configuration.change": "Configuration changes",
  "admin.action": "Administrative actions (user and permission management)",
};

/**
 * A line's `scope`. Most lines are written while serving a request and must carry its `request_id`
 * (the spec's example does); a line about the process itself (it started, it shuts down, a timer
 * fired) has no request to name and says `process`. A line that names no scope is a request's.
 */
export const LINE_SCOPES = ["request", "process"] as const;
export type LineScope = (typeof LINE_SCOPES)[number];

/**
 * The tag the ingest pipeline adds to a request-scoped line without a `request_id` (absent or
 * empty): such a line cannot be followed across services. Lines that are not JSON are not tagged
 * (they are `invalid_json` already and have no fields at all).
 */
export const MISSING_REQUEST_ID_TAG = "missing_request_id";

export const LOG_FIELDS: readonly LogField[] = [
  {
    name: "timestamp",
    esType: "alias",
    aliasOf: "@timestamp",
    required: true,
    example: "2023-06-08T12:00:00Z",
    meaning:
      "When it happened, ISO 8601 in UTC; the pipeline moves it to `@timestamp` (data streams need it) and maps `timestamp` as an alias",
  },
  {
    name: "level",
    esType: "keyword",
    required: true,
    values: LOG_LEVELS,
    example: "INFO",
    meaning: "Log level",
  },
  {
    name: "service",
    esType: "keyword",
    required: true,
    example: "api",
    meaning: "Emitting service, as in the stack config's `services`",
  },
  {
    name: "request_id",
    esType: "keyword",
    required: true,
    example: "req-123",
    meaning:
      "Request ID, propagated across services; required on request-scoped lines (`scope` absent or `request`), the ingest pipeline tags one without it `missing_request_id`",
  },
  {
    name: "scope",
    esType: "keyword",
    required: false,
    values: LINE_SCOPES,
    example: "request",
    meaning:
      "What the line is about: `request` (the default) lines must carry `request_id`; `process` lines (startup, shutdown, schedulers, work outside any request) need not",
  },
  {
    name: "user_id",
    esType: "keyword",
    required: false,
    example: "user-456",
    meaning: "Acting user, when there is one",
  },
  {
    name: "message",
    esType: "match_only_text",
    required: true,
    example: "User authenticated",
    meaning: "Human-readable message",
  },
  {
    name: "duration_ms",
    esType: "long",
    required: false,
    example: 120,
    meaning: "Duration of the operation in milliseconds",
  },
  {
    name: "log_type",
    esType: "keyword",
    required: false,
    values: LOG_TYPES,
    example: "application",
    meaning: "Which stream and retention applies; derived from `level` and `audit_event` when absent",
  },
  {
    // Not `event`: shippers add an ECS `event` object, and one name cannot be both.
    name: "audit_event",
    esType: "keyword",
    required: false,
    values: AUDIT_EVENTS,
    example: "user.authentication",
    meaning: "Audit event name (audit lines only)",
  },
];

/**
 * How a line that names no `log_type` is classified, in order: the first rule that matches wins,
 * the last matches everything. The ingest pipeline (Painless) and the archive pipeline (Logstash)
 * are both rendered from this table, so Elasticsearch and the archive agree on every line.
 */
export interface ClassificationRule {
  logType: LogType;
  /** Matches when `field` holds one of `oneOf`; absent: matches every line. */
  when?: { field: "audit_event" | "level"; oneOf: readonly string[] };
}
export const LOG_CLASSIFICATION: readonly ClassificationRule[] = [
  { logType: "audit", when: { field: "audit_event", oneOf: AUDIT_EVENTS } },
  { logType: "debug", when: { field: "level", oneOf: ["DEBUG"] } },
  { logType: "application" },
];

/** Fields the ingest pipeline adds to every document. */
export const PIPELINE_FIELDS: readonly LogField[] = [
  {
    name: "@timestamp",
    esType: "date",
    required: true,
    example: "2023-06-08T12:00:00.000Z",
    meaning: "Event time (from `timestamp`, else ingest time)",
  },
  {
    name: "tags",
    esType: "keyword",
    required: false,
    example: "invalid_json",
    meaning:
      "Processing problems: `invalid_json`, `invalid_timestamp`, `invalid_level`, `invalid_log_type`, `pipeline_failure`; and `missing_request_id`, a request-scoped line without `request_id`",
  },
  {
    name: "ingest_error",
    esType: "keyword",
    required: false,
    example: "Unexpected character ('n')",
    meaning: "Why a processor failed on this line (the line is kept)",
  },
];

/** The spec's example line, which docs/logs.md shows. */
export const LOG_EXAMPLE = {
  timestamp: "2023-06-08T12:00:00Z",
  level: "INFO",
  service: "api",
  request_id: "req-123",
  user_id: "user-456",
  message: "User authenticated",
  duration_ms: 120,
} as const;

/**
 * Fields removed wherever they occur in a document, whatever their case. The spec's "avoid sensitive
 * data": credentials, session material and card numbers. Config `logging.redactFields` adds more.
 */
export const SENSITIVE_FIELDS = [
  "password",
  "passwd",
  "token",
  "access_token",
  "refresh_token",
  "secret",
  "client_secret",
  "api_key",
  "authorization",
  "cookie",
  "set-cookie",
  "card_number",
  "cvv",
] as const;

/** Patterns masked inside free text (the message, and raw lines that were not JSON). */
export const SENSITIVE_PATTERNS: readonly { name: string; pattern: string; replacement: string }[] = [
  // key=value or "key": "value" forms of the sensitive names.
  {
    name: "credential-pairs",
    pattern: `(?i)((?:password|passwd|token|secret|api_key|client_secret|cookie)"?\\s*[:=]\\s*"?)[^\\s",;&]+`,
    replacement: "$1[REDACTED]",
  },
  {
    name: "authorization-header",
    pattern: '(?i)(authorization"?\\s*[:=]\\s*"?)(?:bearer|basic)?\\s*[^\\s",;]+',
    replacement: "$1[REDACTED]",
  },
  { name: "bearer-token", pattern: "(?i)bearer\\s+[A-Za-z0-9._~+/=-]+", replacement: "Bearer [REDACTED]" },
  // 13 to 19 digits, optionally grouped by spaces or dashes: the length range of payment card numbers.
  { name: "card-number", pattern: "\\b(?:\\d[ -]?){12,18}\\d\\b", replacement: "[REDACTED-CARD]" },
];

/**
 * Every name in Elasticsearch and Kibana starts with `logs-`: the data streams
 * (`logs-<logType>-<environment>`, the data stream naming scheme), and the ILM policies, index
 * templates, pipelines and data views that belong to them.
 */
export const logsName = (...parts: string[]): string => ["logs", ...parts].join("-");
/** Where each log type's lines go. */
export const dataStreamName = (logType: LogType, environment: string): string =>
  logsName(logType, environment);
/** Every data stream of a log type, whatever the environment. */
export const dataStreamPattern = (logType: LogType): string => logsName(logType, "*");
/** Every log data stream of the platform. */
export const ALL_LOGS_PATTERN = logsName("*", "*");
