import { dataStreamName } from "../../catalog/log-schema";
import { LOG_TYPES } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { ilmPlan, ilmPolicyBody, ilmPolicyName } from "./ilm";
import { allLogsDataView, dataView, dataViewId, REQUEST_SEARCH_ID, requestIdSearch } from "./kibana";
import { REDACT_PIPELINE, ROUTER_PIPELINE, redactPipeline, routerPipeline } from "./pipeline";
import { roles } from "./roles";
import { SNAPSHOT_REPOSITORY, slmPolicies, snapshotRepository } from "./snapshots";
import {
  indexTemplate,
  indexTemplateName,
  MAPPINGS_TEMPLATE,
  mappingsComponentTemplate,
  SETTINGS_TEMPLATE,
  settingsComponentTemplate,
} from "./templates";
import type { ApplyStep, DataStreamAdoption } from "./types";
import { userSteps } from "./users";

const es = (kind: ApplyStep["kind"], name: string, path: string, body: unknown): ApplyStep => ({
  target: "elasticsearch",
  kind,
  name,
  method: "PUT",
  path,
  body,
});

const savedObject = (type: string, id: string, body: unknown): ApplyStep => ({
  target: "kibana",
  kind: "kibana",
  name: id,
  // Create-or-replace by id: re-running leaves one object, not a copy.
  method: "POST",
  path: `/api/saved_objects/${type}/${encodeURIComponent(id)}?overwrite=true`,
  body,
});

const dataViewStep = (id: string, body: unknown): ApplyStep => ({
  target: "kibana",
  kind: "kibana",
  name: id,
  method: "POST",
  path: "/api/data_views/data_view",
  body,
});

/**
 * The settings Jobs: `settings` applies what log shipping needs (the shippers start only after it
 * completes), `extras` what it does not (backups and Kibana objects), so that neither a snapshot
 * repository whose IAM role is still propagating nor a Kibana that is slow to start can keep the
 * templates, pipelines and roles from being applied, or the logs from flowing. `users` creates
 * people's users (logging.users) and disables the ones no longer listed: the only Job that mounts
 * their passwords, and one whose failure holds back neither the logs nor the Kibana objects.
 */
export const SETTINGS_JOBS = ["settings", "extras", "users"] as const;
export type SettingsJob = (typeof SETTINGS_JOBS)[number];

/** A Job that runs only after another completed: users get roles the settings Job applied. */
export const SETTINGS_JOB_AFTER: Readonly<Partial<Record<SettingsJob, SettingsJob>>> = { users: "settings" };

/**
 * Every setting the cluster gets, per Job, in an order where each step's references already
 * exist: component templates, ILM policies and pipelines before the index templates that name
 * them, the index templates before the streams are brought under them, the repository before the
 * SLM policy, data views before the search that uses one. Every step but the streams' is a
 * create-or-replace by name, and that one is idempotent, so running a plan again converges.
 */
export function settingsPlans(config: StackConfig): Record<SettingsJob, ApplyStep[]> {
  const e = encodeURIComponent;
  return {
    settings: [
      es(
        "component_template",
        MAPPINGS_TEMPLATE,
        `/_component_template/${e(MAPPINGS_TEMPLATE)}`,
        mappingsComponentTemplate(),
      ),
      es(
        "component_template",
        SETTINGS_TEMPLATE,
        `/_component_template/${e(SETTINGS_TEMPLATE)}`,
        settingsComponentTemplate(config),
      ),
      ...LOG_TYPES.map((t) =>
        es(
          "ilm",
          ilmPolicyName(t),
          `/_ilm/policy/${e(ilmPolicyName(t))}`,
          ilmPolicyBody(ilmPlan(t, config.logging)),
        ),
      ),
      es(
        "ingest_pipeline",
        REDACT_PIPELINE,
        `/_ingest/pipeline/${e(REDACT_PIPELINE)}`,
        redactPipeline(config),
      ),
      es(
        "ingest_pipeline",
        ROUTER_PIPELINE,
        `/_ingest/pipeline/${e(ROUTER_PIPELINE)}`,
        routerPipeline(config),
      ),
      ...LOG_TYPES.map((t) =>
        es(
          "index_template",
          indexTemplateName(t),
          `/_index_template/${e(indexTemplateName(t))}`,
          indexTemplate(t),
        ),
      ),
      ...LOG_TYPES.map((t) => {
        const stream = dataStreamName(t, config.environment);
        const adoption: DataStreamAdoption = {
          ilm_policy: ilmPolicyName(t),
          index_template: indexTemplateName(t),
        };
        return { ...es("data_stream", stream, `/${e(stream)}/_rollover`, adoption), method: "POST" as const };
      }),
      ...Object.entries(roles()).map(([name, body]) => es("role", name, `/_security/role/${e(name)}`, body)),
    ],
    extras: [
      es(
        "snapshot_repository",
        SNAPSHOT_REPOSITORY,
        `/_snapshot/${e(SNAPSHOT_REPOSITORY)}`,
        snapshotRepository(config),
      ),
      ...slmPolicies(config).map(([id, body]) => es("slm", id, `/_slm/policy/${e(id)}`, body)),
      ...LOG_TYPES.map((t) => dataViewStep(dataViewId(t), dataView(t))),
      dataViewStep(dataViewId("all"), allLogsDataView()),
      savedObject("search", REQUEST_SEARCH_ID, requestIdSearch()),
    ],
    users: userSteps(config),
  };
}

/** Every setting, both Jobs' plans in the order they are listed in SETTINGS_JOBS. */
export const settingsPlan = (config: StackConfig): ApplyStep[] => {
  const plans = settingsPlans(config);
  return SETTINGS_JOBS.flatMap((j) => plans[j]);
};
