import { z } from "zod";
import { QUERY_IDS, QUERY_PLACEHOLDERS, QUERY_TEMPLATES, type QueryId } from "../catalog/recording-rules";
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
    Object.fromEntries(
      QUERY_IDS.map((id) => [
        id,
        promql
          .optional()
          .meta({ description: `Override of the ${id} query: ${QUERY_TEMPLATES[id].meaning}.` }),
      ]),
    ) as Record<QueryId, z.ZodOptional<typeof promql>>,
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

/** Resource requests of one workload; `name` names it in the field descriptions. */
const resources = (name: string, cpu: string, memory: string) =>
  z
    .strictObject({
      cpu: quantity.default(cpu).meta({ description: `${name} CPU request, as a Kubernetes quantity.` }),
      memory: quantity
        .default(memory)
        .meta({ description: `${name} memory request, as a Kubernetes quantity.` }),
    })
    .prefault({});

/** Prometheus and Alertmanager settings. Replicas and retention left unset follow `production`. */
export const metricsSchema = z.strictObject({
  namespace: dnsName.default("monitoring").meta({
    description: "Namespace of the kube-prometheus-stack release; the component creates it.",
  }),
  chartVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, "expected an exact chart version such as 75.8.1")
    .default("75.8.1")
    .meta({
      description:
        "Pinned kube-prometheus-stack chart version (https://prometheus-community.github.io/helm-charts), so that an upgrade is a reviewed change.",
    }),
  ownerTeam: dnsName.optional().meta({
    description:
      "Team that owns platform-wide alerts (Watchdog) and receives alerts without a known team; must be one of `teams`. Default: the first team.",
  }),
  runbookBaseUrl: z.url().default("https://github.com/example/observability/blob/main/runbooks").meta({
    description:
      "Base URL under which `runbooks/<name>.md` is browsable; an alert's `runbook_url` is `<runbookBaseUrl>/<name>.md`.",
  }),
  deadMansSwitchUrl: z
    .url("expected the dead man's switch webhook URL (e.g. a healthchecks.io ping URL)")
    .meta({
      description:
        "Dead man's switch: a webhook (e.g. a healthchecks.io check) that receives the always-firing Watchdog every minute and raises the alarm when it stops.",
    }),
  prometheus: z
    .strictObject({
      replicas: z.number().int().min(1).max(5).optional().meta({
        description:
          "Prometheus replicas, each scraping and evaluating everything. Default: 2 in production, else 1.",
      }),
      retention: duration
        .optional()
        .meta({ description: "How long Prometheus keeps samples. Default: 30d in production, else 7d." }),
      storageSize: quantity
        .default("50Gi")
        .meta({ description: "Size of the persistent volume per Prometheus replica." }),
      storageClassName: z.string().min(1).optional().meta({
        description:
          "StorageClass of the Prometheus and Alertmanager volumes. Default: the cluster's default class.",
      }),
      scrapeInterval: duration
        .default("30s")
        .meta({ description: "Scrape interval of Prometheus, also used by each ServiceMonitor." }),
      evaluationInterval: duration.default("30s").meta({ description: "Rule evaluation interval." }),
      requests: resources("Prometheus", "500m", "2Gi").meta({
        description: "Resource requests of each Prometheus replica.",
      }),
    })
    .prefault({})
    .meta({ description: "Prometheus settings; replicas and retention left unset follow `production`." }),
  alertmanager: z
    .strictObject({
      replicas: z.number().int().min(1).max(5).optional().meta({
        description:
          "Alertmanager replicas, a gossip cluster that de-duplicates notifications. Default: 3 in production, else 1.",
      }),
      storageSize: quantity.default("2Gi").meta({
        description: "Size of the persistent volume per Alertmanager replica (silences, notification log).",
      }),
      requests: resources("Alertmanager", "50m", "128Mi").meta({
        description: "Resource requests of each Alertmanager replica.",
      }),
    })
    .prefault({})
    .meta({ description: "Alertmanager settings; replicas left unset follow `production`." }),
  alerts: z
    .strictObject({
      latencyP99Factor: z.number().min(1).max(20).default(2).meta({
        description:
          "`LatencyP99High` fires when a service's p99 latency exceeds this multiple of its `slo.latencyThresholdSeconds`.",
      }),
      dbP99Seconds: z.number().positive().max(60).default(0.5).meta({
        description:
          "`DatabaseQueriesSlow` fires when the p99 of database operations exceeds this, in seconds.",
      }),
      cacheHitRatioMin: z
        .number()
        .min(0)
        .max(1)
        .default(0.7)
        .meta({ description: "`CacheHitRatioLow` fires when the cache hit ratio (0-1) falls below this." }),
      jobP99Seconds: z.number().positive().max(86_400).default(600).meta({
        description:
          "`BackgroundJobsSlow` fires when the p99 of background job durations exceeds this, in seconds.",
      }),
      memoryGrowthPercentPerHour: z.number().positive().max(100).default(10).meta({
        description: "`MemoryGrowing` fires on sustained memory growth above this percentage per hour.",
      }),
    })
    .prefault({})
    .meta({
      description: "Thresholds of the symptom alerts; the SLO alerts take theirs from each service's `slo`.",
    }),
});
export type MetricsConfig = z.infer<typeof metricsSchema>;
