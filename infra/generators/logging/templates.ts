import {
  dataStreamPattern,
  LOG_FIELDS,
  type LogField,
  logsName,
  PIPELINE_FIELDS,
} from "../../catalog/log-schema";
import type { LogType } from "../../catalog/retention";
import type { StackConfig } from "../../config";
import { MANAGED_BY_META } from "../labels";
import { ilmPolicyName } from "./ilm";
import { REDACT_PIPELINE, ROUTER_PIPELINE } from "./pipeline";
import type { ComponentTemplateBody, FieldMapping, IndexTemplateBody } from "./types";

export const MAPPINGS_TEMPLATE = `${logsName("contract")}@mappings`;
export const SETTINGS_TEMPLATE = `${logsName("contract")}@settings`;
export const indexTemplateName = (logType: LogType): string => logsName(logType);

/** The entry stream: shippers write every line here and the router pipeline moves it on. */
export const ENTRY_LOG_TYPE: LogType = "application";

function fieldMapping(f: LogField): FieldMapping {
  switch (f.esType) {
    case "alias":
      return { type: "alias", path: f.aliasOf as string };
    case "keyword":
      return { type: "keyword", ignore_above: 1024 };
    case "date":
      return { type: "date" };
    case "long":
      return { type: "long" };
    case "match_only_text":
      return { type: "match_only_text" };
  }
}

/** Every field of the log contract and of the pipeline, mapped with its contract type. */
export function contractMappings(): Record<string, FieldMapping> {
  return Object.fromEntries([...PIPELINE_FIELDS, ...LOG_FIELDS].map((f) => [f.name, fieldMapping(f)]));
}

export function mappingsComponentTemplate(): ComponentTemplateBody {
  return {
    template: {
      mappings: {
        // Extra fields are welcome but indexed as keywords, not as text plus keyword.
        dynamic: true,
        dynamic_templates: [
          {
            strings_as_keyword: {
              match_mapping_type: "string",
              mapping: { type: "keyword", ignore_above: 1024 },
            },
          },
        ],
        properties: contractMappings(),
      },
    },
    _meta: { managed_by: MANAGED_BY_META, description: "The structured log contract" },
  };
}

export function settingsComponentTemplate(config: StackConfig): ComponentTemplateBody {
  // A replica per shard needs a second data node; dev's single node would stay yellow.
  const replicas = config.logging.elasticsearch.data.count >= 2 ? 1 : 0;
  return {
    template: {
      settings: {
        index: {
          number_of_shards: 1,
          number_of_replicas: replicas,
          // Standard mode: logsdb's synthetic source is not a Basic-licence feature.
          mode: "standard",
          codec: "best_compression",
          final_pipeline: REDACT_PIPELINE,
        },
      },
    },
    _meta: { managed_by: MANAGED_BY_META },
  };
}

/**
 * One data stream per log type. Priority 500 puts ours above Elasticsearch's built-in `logs`
 * template (priority 100, `logs-*-*`). The entry stream runs the router as its default pipeline;
 * every stream runs the redaction pipeline last, so documents written to a stream directly are
 * masked too.
 */
export function indexTemplate(logType: LogType): IndexTemplateBody {
  return {
    index_patterns: [dataStreamPattern(logType)],
    data_stream: {},
    priority: 500,
    composed_of: [MAPPINGS_TEMPLATE, SETTINGS_TEMPLATE],
    template: {
      settings: {
        index: {
          lifecycle: { name: ilmPolicyName(logType) },
          ...(logType === ENTRY_LOG_TYPE ? { default_pipeline: ROUTER_PIPELINE } : {}),
        },
      },
    },
    _meta: { managed_by: MANAGED_BY_META, log_type: logType },
  };
}
