import { z } from "zod";
import {
  fillTemplate,
  QUERY_IDS,
  QUERY_PLACEHOLDERS,
  QUERY_TEMPLATES,
  type QueryId,
} from "../catalog/recording-rules";
import { KUBE_PROMETHEUS_STACK } from "../versions";
import { promqlProblems, selectorsOf } from "./promql";
import { byteQuantity, dnsName, durationSeconds, promDuration, resourceRequests, webUrl } from "./common";

const promql = z.string().min(1, "expected a PromQL template");

/** Stand-ins for {{job}} and {{namespace}} that no query contains by chance, to find them again. */
const JOB = "zzjobplaceholderzz";
const NAMESPACE = "zznamespaceplaceholderzz";

/**
 * What is wrong with one override: a placeholder it must keep or must not use, PromQL that
 * Prometheus would refuse once the placeholders are filled in, or a selector that picks the service
 * by {{job}} without {{namespace}}.
 */
function overrideProblems(id: QueryId, template: string): string[] {
  // Without {{job}} the query would record every service's series under this one's name; without
  // {{namespace}} beside it, a same-named Service of another namespace too (issue 22).
  const required = ["{{job}}", "{{namespace}}", ...QUERY_PLACEHOLDERS[id]];
  const allowed = new Set([
    ...required,
    ...(QUERY_TEMPLATES[id].template.includes("{{le}}") ? ["{{le}}"] : []),
  ]);
  const problems = required
    .filter((p) => !template.includes(p))
    .map((p) => `expected the placeholder ${p} in the template`);
  for (const p of new Set(template.match(/\{\{[^}]*\}\}/g) ?? []))
    if (!allowed.has(p))
      problems.push(`unknown placeholder ${p} (this query has ${[...allowed].join(", ")})`);
  if (problems.length > 0) return problems;
  const invalid = promqlProblems(
    fillTemplate(template, { job: "example", namespace: "apps", latencyThresholdSeconds: 0.5 }, "5m", 0.99),
  ).map((p) => `not valid PromQL: ${p}`);
  if (invalid.length > 0) return invalid;
  const filled = fillTemplate(
    template,
    { job: JOB, namespace: NAMESPACE, latencyThresholdSeconds: 0.5 },
    "5m",
  );
  const selectors = selectorsOf(filled, JOB, NAMESPACE);
  if (selectors.length === 0)
    return ['expected {{job}} in a selector, such as job="{{job}}": elsewhere it selects no series'];
  const back = (text: string) => text.replaceAll(JOB, "{{job}}").replaceAll(NAMESPACE, "{{namespace}}");
  return selectors
    .filter((s) => !s.namespaced)
    .map(
      (s) =>
        `${back(s.selector)} selects the service by {{job}} without {{namespace}}, so a Service of the same name in another namespace would be counted too: add a matcher such as namespace="{{namespace}}"`,
    );
}

/**
 * Per-service PromQL overrides, by query id (see infra/catalog/recording-rules.ts). Each value is
 * a template with the placeholders {{job}}, {{namespace}} (beside {{job}} in every selector),
 * {{window}}, {{quantile}} and {{le}}; the recording
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
    for (const [id, template] of Object.entries(queries) as [QueryId, string | undefined][]) {
      if (template === undefined) continue;
      for (const message of overrideProblems(id, template))
        ctx.addIssue({ code: "custom", path: [id], message });
    }
  })
  .prefault({});

/**
 * Scrapes and evaluations from 10s (the scrape timeout kube-prometheus-stack sets) to 1m (the
 * 5-minute rate windows of the recording rules need several samples).
 */
const interval = promDuration("10s", "1m");

/**
 * node-exporter's namespace is the metrics namespace's name with this suffix: it needs the host (a
 * privileged pod), and the metrics namespace enforces the restricted Pod Security standard.
 */
export const NODE_EXPORTER_NAMESPACE_SUFFIX = "-node-exporter";

/** Prometheus and Alertmanager settings. Replicas and retention left unset follow `production`. */
export const metricsSchema = z.strictObject({
  namespace: dnsName.default("monitoring").meta({
    description: `Namespace of the kube-prometheus-stack release; the component creates it, and beside it \`<namespace>${NODE_EXPORTER_NAMESPACE_SUFFIX}\` for the chart's node-exporter, which needs the host (the only pod there; docs/design/pod-security.md).`,
  }),
  chartVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, `expected an exact chart version such as ${KUBE_PROMETHEUS_STACK.version}`)
    .default(KUBE_PROMETHEUS_STACK.version)
    .meta({
      description: `Pinned kube-prometheus-stack chart version (${KUBE_PROMETHEUS_STACK.repo}), so that an upgrade is a reviewed change.`,
    }),
  crdUpgradeJob: z.boolean().default(true).meta({
    description:
      "Whether kube-prometheus-stack's CRD upgrade Job applies the chart's CRDs before each install and upgrade (Helm never upgrades CRDs). It pulls `registry.k8s.io/kubectl` at the cluster's version (Kubernetes 1.28+) and `docker.io/busybox`; where those cannot be pulled, set false and apply the CRDs before each chart upgrade yourself (docs/upgrading.md).",
  }),
  ownerTeam: dnsName.optional().meta({
    description:
      "Team that owns platform-wide alerts (Watchdog) and receives alerts without a known team; must be one of `teams`. Default: the first team.",
  }),
  runbookBaseUrl: webUrl("a runbook base URL")
    .default("https://github.com/example/observability/blob/main/runbooks")
    .transform((u) => u.replace(/\/+$/, ""))
    .meta({
      description:
        "Base URL under which `runbooks/<name>.md` is browsable; an alert's `runbook_url` is `<runbookBaseUrl>/<name>.md`.",
    }),
  prometheus: z
    .strictObject({
      replicas: z.number().int().min(1).max(5).optional().meta({
        description:
          "Prometheus replicas, each scraping and evaluating everything. Default: 2 in production, else 1.",
      }),
      // The longest SLO alert window is 3 days: less retention would blind the slow-burn alerts.
      retention: promDuration("3d", "10y").optional().meta({
        description: "How long Prometheus keeps samples, at least 3d. Default: 30d in production, else 7d.",
      }),
      storageSize: byteQuantity
        .default("50Gi")
        .meta({ description: "Size of the persistent volume per Prometheus replica." }),
      scrapeInterval: interval.default("30s").meta({
        description: "Scrape interval of Prometheus, also used by each ServiceMonitor; 10s to 1m.",
      }),
      // The 30m and 1h SLI windows add 5m records looked up 5, 10, ... minutes back: only an
      // interval that divides 5m has evaluations at those instants.
      evaluationInterval: interval
        .refine(
          (d) => Number.isInteger(300 / durationSeconds(d)),
          "expected an interval that divides 5m (10s, 15s, 20s, 30s, 1m, ...)",
        )
        .default("30s")
        .meta({
          description:
            "Rule evaluation interval; 10s to 1m, dividing 5m (the 30m and 1h SLI windows add 5-minute records from the evaluations 5, 10, ... minutes back).",
        }),
      requests: resourceRequests("Prometheus", "500m", "2Gi").meta({
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
      storageSize: byteQuantity.default("2Gi").meta({
        description: "Size of the persistent volume per Alertmanager replica (silences, notification log).",
      }),
      requests: resourceRequests("Alertmanager", "50m", "128Mi").meta({
        description: "Resource requests of each Alertmanager replica.",
      }),
    })
    .prefault({})
    .meta({ description: "Alertmanager settings; replicas left unset follow `production`." }),
  externalCalls: z
    .strictObject({
      topDestinations: z.number().int().min(1).max(50).default(10).meta({
        description:
          "Destinations (`server_address`) per service that the outbound-call records keep by name, the busiest by request rate; the rest are added up as `other`, so that a service calling many hosts records a bounded number of series.",
      }),
    })
    .prefault({})
    .meta({
      description:
        "Outbound HTTP calls (`http_client_request_duration_seconds`): how many destinations per service are recorded by name.",
    }),
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
      externalErrorRatioMax: z.number().positive().max(0.5).default(0.05).meta({
        description:
          "`ExternalDependencyDegraded` fires when more than this share (0-0.5) of a service's calls to one destination fail (5xx or no answer) for 15 minutes.",
      }),
      // DEBUG on for a whole service makes most of its lines DEBUG; 10% still lets one module's
      // logger stay at DEBUG for an investigation without a ticket.
      debugLogShareMax: z.number().positive().lt(1).default(0.1).meta({
        description:
          "`DebugLogsInProduction` (production stacks only) fires when more than this share (0-1, exclusive) of a service's log lines in an hour are DEBUG, for 30 minutes: DEBUG left on costs ingest and storage and buries the lines that matter, and the debug stream is kept only 7 days.",
      }),
      externalP99Seconds: z.number().positive().max(60).default(2).meta({
        description:
          "`ExternalDependencyDegraded` fires when the p99 of a service's calls to one destination exceeds this, in seconds, for 15 minutes.",
      }),
      leakHorizonHours: z.number().int().min(1).max(168).default(24).meta({
        description:
          "`ResourcesLeaking` fires when an instance's file descriptors or pool connections, rising as over the last 6 hours, would run out within this many hours, or its goroutines or threads (which have no limit) would double (1-168).",
      }),
      cpuThrottledRatioMax: z.number().positive().max(0.95).default(0.25).meta({
        description:
          "`CPUThrottled` fires when a service's containers are throttled in more than this share (0-0.95) of their CPU periods for 30 minutes.",
      }),
      memoryLimitRatioMax: z.number().min(0.5).max(1).default(0.9).meta({
        description:
          "`MemoryNearLimit` fires when a container of the service has used more than this share (0.5-1) of its memory limit for 15 minutes.",
      }),
    })
    .prefault({})
    .meta({
      description: "Thresholds of the symptom alerts; the SLO alerts take theirs from each service's `slo`.",
    }),
});
export type MetricsConfig = z.infer<typeof metricsSchema>;
