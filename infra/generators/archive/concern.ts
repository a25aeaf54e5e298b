import { type Concern, json } from "../../artifacts";
import { LOG_TYPES, RETENTION } from "../../catalog/retention";
import { AUDIT_LOCK_DAYS, archiveBucketName, archiveBuckets, auditLockMode } from "./buckets";
import { archiveCost } from "./cost";
import { lifecyclePlan } from "./lifecycle";
import { STORAGE_CLASSES } from "./storage-classes";

const usd = (n: number): string => `$${n.toFixed(2)}`;

export const archiveConcern: Concern = {
  name: "log archive",
  // Each bucket's lifecycle rules exactly as handed to its BucketLifecycleConfiguration.
  artifacts: (config) =>
    Object.values(archiveBuckets(config)).flatMap((b) =>
      b.lifecycle
        ? [{ path: `s3/${b.bucketName}-lifecycle.json`, content: json({ rules: b.lifecycle }) }]
        : [],
    ),
  summary: (config) => {
    const rows = LOG_TYPES.map((t) => {
      const plan = lifecyclePlan(t);
      const tiers = ["STANDARD", ...plan.transitions.map((x) => `${x.storageClass} @ ${x.days}d`)].join(
        " → ",
      );
      const lock = t === "audit" ? `${auditLockMode(config)} ${AUDIT_LOCK_DAYS}d` : "—";
      return `| ${t} | ${RETENTION[t].period} | \`${archiveBucketName(config, t)}\` | ${tiers} | ${plan.expirationDays} | ${lock} |`;
    });
    const cost = archiveCost(config.archive.dailyVolumeGb);
    const costRows = cost.lines.map(
      (l) =>
        `| ${l.logType} | ${l.dailyVolumeGb} | ${usd(l.lifecycleUsdPerMonth)} | ${usd(l.standardUsdPerMonth)} |`,
    );
    const t = cost.total;
    const saved = t.standardUsdPerMonth > 0 ? 1 - t.lifecycleUsdPerMonth / t.standardUsdPerMonth : 0;
    return [
      "## Log archive (S3)",
      "",
      "Retention as provisioned:",
      "",
      "| Log type | Retention | Bucket | Storage classes | Expires after (days) | Object Lock |",
      "|---|---|---|---|---|---|",
      ...rows,
      "",
      auditLockMode(config) === "COMPLIANCE"
        ? "The audit bucket's lock is COMPLIANCE: nobody, root included, can delete an audit object or shorten its retention, and the bucket cannot be destroyed before its last object's lock ends."
        : "The audit bucket's lock is GOVERNANCE (not a production stack): the same retention, but a principal with `s3:BypassGovernanceRetention` can delete objects (with the `x-amz-bypass-governance-retention` header), so this stack can be destroyed after emptying the bucket that way.",
      "",
      "Steady-state monthly storage cost (us-east-1 list prices, minimum-duration charges included):",
      "",
      "| Log type | GB/day | With lifecycle rules | All in S3 Standard |",
      "|---|---|---|---|",
      ...costRows,
      `| **total** | ${Number(t.dailyVolumeGb.toFixed(3))} | **${usd(t.lifecycleUsdPerMonth)}** | ${usd(t.standardUsdPerMonth)} |`,
      "",
      `The lifecycle rules save ${(saved * 100).toFixed(0)}% of the storage bill. Prices per GB-month: ${Object.values(
        STORAGE_CLASSES,
      )
        .map((c) => `${c.label} ${c.pricePerGbMonth}`)
        .join(", ")}.`,
      "",
    ].join("\n");
  },
};
