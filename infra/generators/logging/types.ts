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

/** What the applier does for each setting, in order. Everything is a create-or-replace by name. */
export type SettingKind =
  | "snapshot_repository"
  | "slm"
  | "component_template"
  | "ilm"
  | "ingest_pipeline"
  | "index_template"
  | "role"
  | "kibana";

export interface ApplyStep {
  target: "elasticsearch" | "kibana";
  kind: SettingKind;
  name: string;
  method: "PUT" | "POST";
  /** Path and query, e.g. `/_ilm/policy/logs-debug`. */
  path: string;
  body: unknown;
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
