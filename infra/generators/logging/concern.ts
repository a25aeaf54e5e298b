import type { Concern } from "../../artifacts";
import { json } from "../../artifacts";
import { AUDIT_EVENTS, dataStreamName, LOG_FIELDS } from "../../catalog/log-schema";
import { LOG_TYPES, RETENTION } from "../../catalog/retention";
import { archiveBucketName } from "../archive";
import { ilmPlan } from "./ilm";
import { settingsPlan, settingsPlans } from "./plan";
import { MONITORING_ROLE, ROLE_ACCESS } from "./roles";
import { kibanaAccessSummary } from "./kibana-endpoint";
import { eckNames } from "./names";
import { allCopyLives } from "./lifetimes";
import {
  SNAPSHOT_NONCURRENT_DAYS,
  snapshotBucket,
  snapshotPlans,
  SLM_RETENTION_TASK_DAYS,
} from "./snapshots";

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
    const lives = allCopyLives(config).map(
      (c) =>
        `| ${c.logType} | ${RETENTION[c.logType].period} (${c.retentionDays}) | ${c.elasticsearchDays} | ${c.snapshotDays ?? "not snapshotted"} | ${c.archiveDays} | **${c.longestDays}** | ${c.graceDays} |`,
    );
    const snapshots = snapshotPlans(config).map((p) =>
      p.policy === undefined
        ? `- ${p.logType}: no snapshots: ${p.reason}.`
        : `- ${p.logType}: SLM policy \`${p.policy}\` on \`${p.indices}\`, expiring after ${p.expireAfterDays}d.`,
    );
    return [
      "## Logs (ELK)",
      "",
      `Elastic Stack ${l.stackVersion} via ECK operator chart ${l.eckOperatorVersion} in namespace \`${l.namespace}\`: ${topology}; Kibana ×${l.kibana.replicas}, Logstash ×${l.logstash.replicas}, Filebeat on every node. Elasticsearch: \`${names.elasticsearchUrl}\`.`,
      "",
      "| Log type | Data stream | Rollover | Warm after rollover | Delete after rollover | Searchable days after ingest | Archive |",
      "|---|---|---|---|---|---|---|",
      ...rows,
      "",
      "Longest life of a line, in days from ingest, counting every copy: Elasticsearch (replicas are deleted with their index), snapshots (the last one holding the line's index, kept `expire_after`, deleted by SLM's daily retention task up to " +
        `${SLM_RETENTION_TASK_DAYS} day later, then ${SNAPSHOT_NONCURRENT_DAYS} days a noncurrent S3 version) and the S3 archive (expiry, then its noncurrent version). Only the archive's noncurrent versions, the window to undo a deletion, may pass the retention, by at most the grace:`,
      "",
      "| Log type | Retention (days) | Elasticsearch | Snapshots | Archive | Longest | Grace |",
      "|---|---|---|---|---|---|---|",
      ...lives,
      "",
      `Snapshots, into \`${snapshotBucket(config).bucketName}\`: cluster state (templates, pipelines, ILM policies, roles; no log index) by \`nightly-snapshots\`, kept ${l.snapshots.retentionDays}d (at least ${l.snapshots.minCount}, at most ${l.snapshots.maxCount}); log types:`,
      ...snapshots,
      "",
      `Contract fields mapped: ${LOG_FIELDS.map((f) => `\`${f.name}\``).join(", ")}. Audit events: ${AUDIT_EVENTS.map((e) => `\`${e}\``).join(", ")}.`,
      `Roles: ${Object.entries(ROLE_ACCESS)
        .map(([r, a]) => `\`${r}\` (${a.logTypes.join(", ")})`)
        .join(
          ", ",
        )}, \`${MONITORING_ROLE}\` (the exporter's: statistics of every stream, no document). ${plans.settings.length} settings applied by the settings Job, which Logstash and Filebeat wait for (templates, pipelines, ILM policies, roles, and data streams created before their template rolled over), ${plans.extras.length} by the extras Job (snapshot repository and policies, Kibana objects), and ${plans.users.length} by the users Job (people's users, then disabling those no longer listed).`,
      "",
      "### Logs access",
      "",
      kibanaAccessSummary(config),
      "",
      l.users.length === 0
        ? "No people's users (`logging.users`): only the `elastic` break-glass superuser can sign in to Kibana."
        : `People's users (native realm, \`logging.users\`): ${l.users.map((u) => `\`${u.username}\` (${u.roles.join(", ")})`).join(", ")}. Their passwords are generated by the stack and shown only as secrets: \`pulumi stack output logging --show-secrets\` (\`userPasswords\`) or the Secret \`${names.usersSecret}\` in \`${l.namespace}\`. A user removed from the list is disabled, not deleted.`,
      "",
      "Role mappings and single sign-on (SAML, OpenID Connect realms) need an Elastic Platinum or Enterprise licence; this stack runs on Basic and provisions neither (docs/logs-access.md).",
      "",
    ].join("\n");
  },
};
