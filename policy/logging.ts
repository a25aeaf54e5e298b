import type { StackValidationPolicy } from "@pulumi/policy";
import { dataStreamName } from "../infra/catalog/log-schema";
import { LOG_TYPES, type LogType, RETENTION } from "../infra/catalog/retention";
import { durationDays } from "../infra/generators/logging/ilm";
import { SLM_RETENTION_TASK_DAYS, snapshotCopyDays } from "../infra/generators/logging/snapshots";
import { asArray, BucketIndex, bucketName, dedupe, known, prop, S3 } from "./lib";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

interface Step {
  kind: string;
  name: string;
  body: unknown;
}

/** The settings Jobs' plans: the `plan.json` of their ConfigMaps, as the Job applies them. */
function settingSteps(resources: { type: string; props: unknown }[]): Step[] {
  return resources
    .filter((r) => r.type === CONFIG_MAP)
    .flatMap((r) => {
      const text = known(() => prop(prop(r.props, "data"), "plan.json"));
      if (typeof text !== "string") return [];
      try {
        return asArray(JSON.parse(text)) as Step[];
      } catch {
        return [];
      }
    });
}

/** Whether an SLM `indices` list takes a data stream (none listed takes all; `-x` excludes). */
function takes(indices: unknown, stream: string): boolean {
  const list = typeof indices === "string" ? indices.split(",") : asArray(indices).map(String);
  if (list.length === 0) return true;
  let taken = false;
  for (const raw of list) {
    const exclude = raw.startsWith("-");
    const glob = exclude ? raw.slice(1) : raw;
    // Date math or anything else we cannot read: assume it takes the stream.
    if (glob.startsWith("<")) return true;
    const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
    if (re.test(stream)) taken = !exclude;
  }
  return taken;
}

/** Days a snapshot bucket keeps what SLM deleted: its lifecycle's noncurrent expiry, else forever. */
function snapshotNoncurrentDays(
  resources: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"],
) {
  const index = new BucketIndex(resources);
  const bucket = index.buckets.find(
    (b) =>
      prop(prop(b.props, "tags"), "purpose") === "elasticsearch-snapshots" ||
      bucketName(b).endsWith("-es-snapshots"),
  );
  if (!bucket) return undefined;
  const days = index
    .of(bucket, S3.lifecycle)
    .flatMap((c) => asArray(prop(c.props, "rules")))
    .filter((r) => prop(r, "status") === "Enabled")
    .map((r) => prop(prop(r, "noncurrentVersionExpiration"), "noncurrentDays"))
    .filter((d): d is number => typeof d === "number");
  return days.length > 0 ? Math.min(...days) : Number.POSITIVE_INFINITY;
}

export const snapshotsWithinRetention: StackValidationPolicy = {
  name: "snapshots-within-retention",
  description: `No Elasticsearch snapshot keeps a log line past its type's retention (infra/catalog/retention.ts): read from the SLM and ILM bodies the settings Jobs apply, a line's last snapshot holds it at its Elasticsearch age, then \`expire_after\`, ${SLM_RETENTION_TASK_DAYS} day until SLM's retention task, and the snapshot bucket's noncurrent days. Snapshots get no grace; \`min_count\` above 1 keeps expired snapshots for as many runs and is refused.`,
  enforcementLevel: "mandatory",
  remediationSteps:
    "Build SLM policies with slmPolicies(config) (infra/generators/logging/snapshots.ts): one per log type with the expire_after its retention leaves, or none for the type.",
  validateStack: (args, reportViolation) => {
    const report = dedupe(reportViolation);
    const steps = settingSteps(args.resources);
    const slm = steps.filter((s) => s.kind === "slm");
    if (slm.length === 0) args.notApplicable("the stack applies no SLM policy");
    const noncurrent = snapshotNoncurrentDays(args.resources) ?? Number.POSITIVE_INFINITY;
    for (const t of LOG_TYPES) {
      const ilm = steps.find((s) => s.kind === "ilm" && s.name === `logs-${t}`);
      const phases = prop(prop(ilm?.body, "policy"), "phases");
      const deleteAge = prop(prop(phases, "delete"), "min_age");
      const esDays =
        deleteAge === undefined
          ? Number.POSITIVE_INFINITY
          : durationDays(prop(prop(prop(prop(phases, "hot"), "actions"), "rollover"), "max_age") as string) +
            durationDays(deleteAge as string);
      for (const s of slm) {
        const config = prop(s.body, "config");
        // Any environment's stream of this type: the pattern must not depend on it.
        if (!takes(prop(config, "indices"), dataStreamName(t as LogType, "env"))) continue;
        const retention = prop(s.body, "retention");
        const expire = prop(retention, "expire_after");
        const minCount = prop(retention, "min_count");
        if (typeof minCount === "number" && minCount > 1)
          report(
            `SLM policy ${s.name} takes ${t} logs with min_count ${minCount}: expired snapshots, and lines ILM deleted, stay for ${minCount} runs; use 1`,
          );
        const days =
          typeof expire === "string"
            ? snapshotCopyDays(esDays, durationDays(expire), noncurrent)
            : Number.POSITIVE_INFINITY;
        if (days > RETENTION[t].days)
          report(
            `SLM policy ${s.name} takes ${t} logs: a line can live ${Number.isFinite(days) ? days : "without end"} days in its snapshots (Elasticsearch ${esDays}, expire_after ${String(expire)}, ${SLM_RETENTION_TASK_DAYS} for SLM's retention task, ${noncurrent} noncurrent), retention is ${RETENTION[t].days} (${RETENTION[t].period})`,
          );
      }
    }
  },
};

export const loggingPolicies = [snapshotsWithinRetention];
