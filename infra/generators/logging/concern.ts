import type { Concern } from "../../artifacts";
import { json } from "../../artifacts";
import { AUDIT_EVENTS, dataStreamName, LOG_FIELDS } from "../../catalog/log-schema";
import { LOG_TYPES, RETENTION } from "../../catalog/retention";
import { archiveBucketName } from "../archive";
import { ilmPlan } from "./ilm";
import { settingsPlan, settingsPlans } from "./plan";
import { ROLE_ACCESS } from "./roles";
import { eckNames } from "./names";
import { snapshotBucket } from "./snapshots";

/** Render file of one applied setting: `elasticsearch/<kind>/<name>.json`. */
export const settingPath = (kind: string, name: string): string =>
  `elasticsearch/${kind}/${name.replace(/[^A-Za-z0-9@._-]/g, "_")}.json`;

export const loggingConcern: Concern = {
  name: "logging",
  artifacts: (config) => {
    const snapshots = snapshotBucket(config);
    return [
      ...settingsPlan(config).map((s) => ({ path: settingPath(s.kind, s.name), content: json(s.body) })),
      // The snapshot bucket's lifecycle, beside the archive buckets' (the same file name scheme).
      ...(snapshots.lifecycle
        ? [
            {
              path: `s3/${snapshots.bucketName}-lifecycle.json`,
              content: json({ rules: snapshots.lifecycle }),
            },
          ]
        : []),
    ];
  },
  summary: (config) => {
    const l = config.logging;
    const es = l.elasticsearch;
    const names = eckNames(config);
    const topology =
      es.masters.count > 0
        ? `${es.masters.count} dedicated masters + ${es.data.count} data nodes spread across \`${es.zoneTopologyKey}\``
        : `${es.data.count} node(s) holding every role`;
    const rows = LOG_TYPES.map((t) => {
      const p = ilmPlan(t, l);
      return `| ${t} | \`${dataStreamName(t, config.environment)}\` | ${p.rolloverDays}d | ${p.warmAfterDays === undefined ? "—" : `${p.warmAfterDays}d`} | ${p.deleteAfterDays}d | ${p.searchableDays} | \`${archiveBucketName(config, t)}\` (${RETENTION[t].period}) |`;
    });
    const plans = settingsPlans(config);
    return [
      "## Logs (ELK)",
      "",
      `Elastic Stack ${l.stackVersion} via ECK operator chart ${l.eckOperatorVersion} in namespace \`${l.namespace}\`: ${topology}; Kibana ×${l.kibana.replicas}, Logstash ×${l.logstash.replicas}, Filebeat on every node. Elasticsearch: \`${names.elasticsearchUrl}\`.`,
      "",
      "| Log type | Data stream | Rollover | Warm after rollover | Delete after rollover | Searchable days after ingest | Archive |",
      "|---|---|---|---|---|---|---|",
      ...rows,
      "",
      `Contract fields mapped: ${LOG_FIELDS.map((f) => `\`${f.name}\``).join(", ")}. Audit events: ${AUDIT_EVENTS.map((e) => `\`${e}\``).join(", ")}.`,
      `Roles: ${Object.entries(ROLE_ACCESS)
        .map(([r, a]) => `\`${r}\` (${a.logTypes.join(", ")})`)
        .join(
          ", ",
        )}. ${plans.settings.length} settings applied by the settings Job, which Logstash and Filebeat wait for (templates, pipelines, ILM policies, roles, and data streams created before their template rolled over), and ${plans.extras.length} by the extras Job (snapshot repository and policy, Kibana objects).`,
      "",
    ].join("\n");
  },
};
