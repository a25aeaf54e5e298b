import { z } from "zod";
import { QUERY_IDS, QUERY_PLACEHOLDERS, type QueryId } from "../catalog/recording-rules";
import { dnsName } from "./common";

const promql = z.string().min(1, "expected a PromQL template");

/**
 * Per-service PromQL overrides, by query id (see infra/catalog/recording-rules.ts). Each value is
 * a template with the placeholders {{job}}, {{window}}, {{quantile}} and {{le}}; the recording
 * rules that use the query take it instead of the contract's default, so alerts and dashboards
 * keep working for a service whose metrics differ.
 */
export const serviceQueryOverridesSchema = z
  .strictObject(
    Object.fromEntries(QUERY_IDS.map((id) => [id, promql.optional()])) as Record<
      QueryId,
      z.ZodOptional<typeof promql>
    >,
  )
  .superRefine((queries, ctx) => {
    // A template without the placeholder would record the same value under every window or quantile.
    for (const [id, template] of Object.entries(queries) as [QueryId, string | undefined][]) {
      if (template === undefined) continue;
      for (const placeholder of QUERY_PLACEHOLDERS[id]) {
        if (!template.includes(placeholder))
          ctx.addIssue({
            code: "custom",
            path: [id],
            message: `expected the placeholder ${placeholder} in the template`,
          });
      }
    }
  })
  .prefault({});

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, "expected a Kubernetes quantity such as 500m, 2Gi");
const duration = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, "expected a Prometheus duration such as 30s, 15d");

const resources = (cpu: string, memory: string) =>
  z.strictObject({ cpu: quantity.default(cpu), memory: quantity.default(memory) }).prefault({});

/** Prometheus and Alertmanager settings. Replicas and retention left unset follow `production`. */
export const metricsSchema = z.strictObject({
  /** Namespace of the kube-prometheus-stack release. */
  namespace: dnsName.default("monitoring"),
  /** kube-prometheus-stack chart version; pinned so that an upgrade is a reviewed change. */
  chartVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, "expected an exact chart version such as 75.8.1")
    .default("75.8.1"),
  /** Team that owns platform-wide alerts (Watchdog) and receives alerts without a known team; default: the first team. */
  ownerTeam: dnsName.optional(),
  /** Base URL under which runbooks/<alert>.md is browsable (the repository's runbooks folder). */
  runbookBaseUrl: z.url().default("https://github.com/example/observability/blob/main/runbooks"),
  /** Dead man's switch: a webhook that must receive the always-firing Watchdog, or it raises the alarm itself. */
  deadMansSwitchUrl: z.url("expected the dead man's switch webhook URL (e.g. a healthchecks.io ping URL)"),
  prometheus: z
    .strictObject({
      /** Default: 2 in production, 1 otherwise. */
      replicas: z.number().int().min(1).max(5).optional(),
      /** Default: 30d in production, 7d otherwise. */
      retention: duration.optional(),
      storageSize: quantity.default("50Gi"),
      storageClassName: z.string().min(1).optional(),
      scrapeInterval: duration.default("30s"),
      evaluationInterval: duration.default("30s"),
      requests: resources("500m", "2Gi"),
    })
    .prefault({}),
  alertmanager: z
    .strictObject({
      /** Default: 3 in production (a gossip cluster), 1 otherwise. */
      replicas: z.number().int().min(1).max(5).optional(),
      storageSize: quantity.default("2Gi"),
      requests: resources("50m", "128Mi"),
    })
    .prefault({}),
  /** Thresholds of the symptom alerts (the SLO alerts take theirs from `services[].slo`). */
  alerts: z
    .strictObject({
      /** Latency p99 alert fires above this multiple of the service's latency threshold. */
      latencyP99Factor: z.number().min(1).max(20).default(2),
      /** Slow database alert: p99 of database operations above this, in seconds. */
      dbP99Seconds: z.number().positive().max(60).default(0.5),
      /** Cache alert: hit ratio below this (0-1). */
      cacheHitRatioMin: z.number().min(0).max(1).default(0.7),
      /** Long background jobs: p99 of job durations above this, in seconds. */
      jobP99Seconds: z.number().positive().max(86_400).default(600),
      /** Memory growth alert: sustained growth above this percentage per hour. */
      memoryGrowthPercentPerHour: z.number().positive().max(100).default(10),
    })
    .prefault({}),
});
export type MetricsConfig = z.infer<typeof metricsSchema>;
