import type { estypes } from "@elastic/elasticsearch";

/**
 * Request bodies typed by @elastic/elasticsearch's own request types: each is the request minus
 * its path and query parameters, which is exactly what goes into the HTTP body. A body that the
 * client's types reject fails `tsc`.
 */
type BodyOf<R, PathAndQuery extends keyof R> = Omit<
  R,
  PathAndQuery | "body" | "querystring" | keyof estypes.RequestBase
>;

export type IlmPolicyBody = BodyOf<estypes.IlmPutLifecycleRequest, "name" | "master_timeout" | "timeout">;
export type IndexTemplateBody = BodyOf<
  estypes.IndicesPutIndexTemplateRequest,
  "name" | "create" | "master_timeout" | "cause"
>;
export type ComponentTemplateBody = BodyOf<
  estypes.ClusterPutComponentTemplateRequest,
  "name" | "create" | "cause" | "master_timeout"
>;
export type IngestPipelineBody = BodyOf<
  estypes.IngestPutPipelineRequest,
  "id" | "master_timeout" | "timeout" | "if_version"
>;
/** The snapshot repository API takes the repository definition itself as the body. */
export type SnapshotRepositoryBody = estypes.SnapshotS3Repository;
export type SlmPolicyBody = BodyOf<
  estypes.SlmPutLifecycleRequest,
  "policy_id" | "master_timeout" | "timeout"
>;
export type RoleBody = BodyOf<estypes.SecurityPutRoleRequest, "name" | "refresh">;
/**
 * A native-realm user without its password: the settings Job adds `password` from the users
 * Secret at request time (ApplyStep.secret), so no plan, ConfigMap or render holds it.
 */
export type UserBody = BodyOf<
  estypes.SecurityPutUserRequest,
  "username" | "refresh" | "password" | "password_hash"
>;
export type Processor = estypes.IngestProcessorContainer;
export type FieldMapping = estypes.MappingProperty;

/**
 * Kibana saved objects (not Elasticsearch requests, so not in the client's types): the body of
 * `POST /api/saved_objects/<type>/<id>?overwrite=true`, which creates or replaces by id.
 */
export interface KibanaSavedObjectBody {
  attributes: Record<string, unknown>;
  references?: { name: string; type: string; id: string }[];
}

/** Body of Kibana's data views API, `POST /api/data_views/data_view`. */
export interface KibanaDataViewBody {
  data_view: { id: string; title: string; name: string; timeFieldName: string };
  override: boolean;
}

/**
 * What the applier does for each setting, in order. Every kind but `data_stream` is a
 * create-or-replace by name; `data_stream` brings a stream created before its template under it
 * (see DataStreamAdoption).
 */
export type SettingKind =
  | "snapshot_repository"
  | "slm"
  | "component_template"
  | "ilm"
  | "ingest_pipeline"
  | "index_template"
  | "data_stream"
  | "role"
  | "user"
  | "retired_users"
  | "kibana";

export interface ApplyStep {
  target: "elasticsearch" | "kibana";
  kind: SettingKind;
  name: string;
  method: "PUT" | "POST";
  /** Path and query, e.g. `/_ilm/policy/logs-debug`. */
  path: string;
  body: unknown;
  /**
   * A body field the Job fills in from its mounted Secret (`SECRETS_DIR/<key>`) when it sends the
   * step: a user's password, which the plan itself never holds.
   */
  secret?: { field: "password"; key: string };
}

/**
 * The body of a `retired_users` step, a check like `data_stream`'s: every native user whose
 * `metadata.managed_by` is `managed_by`, that is enabled and not in `keep`, is disabled (`PUT
 * /_security/user/<name>/_disable`): a user removed from the config loses access, and is back
 * with everything it had once it is listed again. Users made by hand (no such metadata) are left alone.
 */
export interface RetiredUsers {
  managed_by: string;
  keep: string[];
}

/**
 * The body of a `data_stream` step, which is a check, not a request body: if the stream `name`
 * exists and its write index is not under `ilm_policy` (it was created before our index template,
 * e.g. from Elasticsearch's built-in `logs` template), the applier rolls the stream over (the
 * step's `POST /<stream>/_rollover`; the new write index comes from our template) and puts every
 * older backing index that is not under `ilm_policy` under it. A stream that does not exist, or
 * whose indices are all ours, is left alone, so the step is idempotent.
 */
export interface DataStreamAdoption {
  ilm_policy: string;
  /** The index template whose settings name `ilm_policy`: said in errors if a rollover did not take it. */
  index_template: string;
}

/**
 * How the settings Job waits and retries, given to it as environment variables of these names
 * (the Job checks each against its own bounds at start, see `logging-applier.mjs`).
 */
export interface ApplierRetryPolicy {
  /** How long to wait for Elasticsearch, then Kibana, to answer healthy (each). */
  READY_TIMEOUT_SECONDS: number;
  /** Deadline of one request, the answer's body included. */
  REQUEST_TIMEOUT_SECONDS: number;
  /** Attempts per step, the first included, for transient failures (408, 429, 5xx, resets, timeouts). */
  STEP_MAX_ATTEMPTS: number;
  /** Time a step may spend retrying before the Job gives up. */
  STEP_RETRY_SECONDS: number;
  /** First backoff between attempts; it doubles, with jitter, up to RETRY_MAX_DELAY_MS. */
  RETRY_DELAY_MS: number;
  RETRY_MAX_DELAY_MS: number;
}
