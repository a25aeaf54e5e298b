import { type Concern, json, toYaml } from "../../artifacts";
import type { StackConfig } from "../../config";
import { DOWNSAMPLING_AGES } from "../../config/thanos";
import { archiveKey } from "../archive/buckets";
import { resolveMetrics } from "../metrics/settings";
import { metricsBucket, METRICS_LIFECYCLE_REASONS } from "./bucket";
import { BUCKET_ACCESS, bucketUserAccount } from "./iam";
import { BUCKET_USERS, OBJSTORE_SECRET, REPLICA_LABEL, THANOS_PARTS, thanosNames } from "./names";
import { objstoreConfig } from "./objstore";
import { BLOCK_DURATION_MODE } from "./sidecar";

/** Render path of the objstore config every Thanos part reads. */
export const OBJSTORE_ARTIFACT = "thanos/objstore.yaml";

/** What each resolution is for, and from what the Compactor makes it. */
const RESOLUTIONS = [
  {
    key: "raw",
    label: "raw",
    madeFrom: "the sidecars' 2h blocks",
    why: "zooming into recent data at full resolution",
  },
  {
    key: "fiveMinutes",
    label: "5-minute",
    madeFrom: `raw blocks ${DOWNSAMPLING_AGES.fiveMinutes} old`,
    why: "trends over weeks and months, fast enough to draw",
  },
  {
    key: "oneHour",
    label: "1-hour",
    madeFrom: `5-minute blocks ${DOWNSAMPLING_AGES.oneHour} old`,
    why: "year-over-year comparisons",
  },
] as const;

const WHO: Record<(typeof BUCKET_USERS)[number], string> = {
  sidecar: "Thanos sidecar (in each Prometheus pod)",
  storeGateway: "Store Gateway",
  compactor: "Compactor",
};

function queryPath(config: StackConfig): string {
  const t = config.thanos;
  const names = thanosNames(config);
  const prometheus = resolveMetrics(config).prometheusReplicas;
  return [
    `Query path: Grafana's default Prometheus data source is the Query Frontend \`${names.queryFrontendUrl}\` (×${t.queryFrontend.replicas}; splits long ranges, caches responses in memory, ${t.queryFrontend.cacheMaxSize} per replica), in front of Thanos Query \`${names.queryUrl}\` (×${t.query.replicas}), which deduplicates the Prometheus replicas on \`${REPLICA_LABEL}\` and picks downsampled data for long ranges. Query reads the sidecars (×${prometheus}, one per Prometheus replica: what Prometheus still holds, ${resolveMetrics(config).retention}) and the Store Gateway (×${t.storeGateway.replicas}, \`${THANOS_PARTS.storeGateway}\`: the bucket).`,
  ].join("\n");
}

export const thanosConcern: Concern = {
  name: "thanos",
  artifacts: (config) => {
    const bucket = metricsBucket(config);
    return [
      // Exactly the config the objstore Secret holds, around the values only `pulumi up` has.
      { path: OBJSTORE_ARTIFACT, content: toYaml(objstoreConfig()) },
      // The bucket's lifecycle, beside the archive's (the same file name scheme).
      ...(bucket.lifecycle
        ? [{ path: `s3/${bucket.bucketName}-lifecycle.json`, content: json({ rules: bucket.lifecycle }) }]
        : []),
    ];
  },
  summary: (config) => {
    const t = config.thanos;
    const bucket = metricsBucket(config);
    const names = thanosNames(config);
    const rows = RESOLUTIONS.map((r) => `| ${r.label} | ${t.retention[r.key]} | ${r.madeFrom} | ${r.why} |`);
    const access = BUCKET_USERS.map((u) => {
      const a = BUCKET_ACCESS[u];
      const sa = bucketUserAccount(config, u);
      return `| ${WHO[u]} | \`${sa.namespace}/${sa.name}\` | ${[...a.bucket, ...a.objects, ...a.kms].map((x) => `\`${x}\``).join(", ")} | ${a.why} |`;
    });
    return [
      "## Long-term metrics (Thanos)",
      "",
      `Every Prometheus replica's blocks go to the S3 bucket \`${bucket.bucketName}\`, in the stack's AWS region (\`aws:region\`; endpoint \`s3.<region>.amazonaws.com\`), encrypted with the log archive's customer-managed key (\`${archiveKey(config).alias.name}\`, SSE-KMS), versioned, TLS-only, access-logged${config.production ? ", protected and kept on delete" : ""}. Every Thanos part reads the same objstore config, which holds no credential: [${OBJSTORE_ARTIFACT}](${OBJSTORE_ARTIFACT}) (Secret \`${names.namespace}/${OBJSTORE_SECRET.name}\`).`,
      "",
      "Kept per resolution, enforced by the Compactor (exactly one, which applies retention right after each compaction and downsampling pass):",
      "",
      "| Resolution | Kept | Made from | For |",
      "|---|---|---|---|",
      ...rows,
      "",
      `A block the Compactor deletes is first marked, then removed after \`thanos.deleteDelay\` (${t.deleteDelay}); the Store Gateway stops reading marked blocks after half of that.`,
      "",
      `The bucket's lifecycle ([s3/${bucket.bucketName}-lifecycle.json](s3/${bucket.bucketName}-lifecycle.json)):`,
      ...METRICS_LIFECYCLE_REASONS.map((r) => `- ${r.what}: ${r.why}.`),
      "",
      "Who touches the bucket, each through its own IAM role that only its ServiceAccount can assume (the cluster's OIDC provider, `kubernetes.oidcProvider`):",
      "",
      "| Part | ServiceAccount | Allowed | Why |",
      "|---|---|---|---|",
      ...access,
      "",
      `Block durations: ${BLOCK_DURATION_MODE.mode}, ${BLOCK_DURATION_MODE.summary}.`,
      "",
      queryPath(config),
      "",
    ].join("\n");
  },
};
