import { z } from "zod";
import { BURN_PAIRS, burnRate, round } from "../catalog/burn-rates";
import { DEPENDENCY_PROBE } from "../catalog/recording-rules";
import { dnsName, portName, urlPath } from "./common";
import { dependenciesSchema } from "./dependencies";
import { serviceQueryOverridesSchema } from "./metrics";

/**
 * `job` values of the platform's own scrape targets (kube-prometheus-stack's, whose Services are
 * prefixed `kps-`). A service with one of these names would match the platform's series in every
 * query of its own, and page its team for them.
 */
export const RESERVED_JOBS = [
  "apiserver",
  "coredns",
  "kube-controller-manager",
  "kube-dns",
  "kube-etcd",
  "kube-proxy",
  "kube-scheduler",
  "kube-state-metrics",
  "kubelet",
  "node-exporter",
  "prometheus",
  "alertmanager",
  "prometheus-operator",
  "grafana",
  // The platform's own parts (infra/generators/platform/types.ts, PLATFORM_JOBS).
  "logstash",
  "filebeat",
  "kibana",
  "eck-operator",
  // The probes of the services' dependencies (infra/generators/dependencies/).
  DEPENDENCY_PROBE.job,
] as const;
const RESERVED_JOB_PREFIXES = ["kps-"];

/** A service the platform monitors: one ServiceMonitor, its SLO alerts, its dashboards rows. */
export const serviceSchema = z.strictObject({
  name: dnsName
    .refine(
      (n) =>
        !(RESERVED_JOBS as readonly string[]).includes(n) &&
        !RESERVED_JOB_PREFIXES.some((p) => n.startsWith(p)),
      `expected a name that is not a job of the platform itself (${RESERVED_JOBS.join(", ")}, ${RESERVED_JOB_PREFIXES.map((p) => `${p}*`).join(", ")})`,
    )
    .meta({ description: "Service name: the `job` label of its metrics; not a job of the platform itself." }),
  team: dnsName.meta({ description: "Owning team; must be the name of one of `teams`." }),
  kind: z
    .enum(["backend", "frontend", "worker"])
    .default("backend")
    .meta({ description: "What the service is: a backend, a frontend or a worker." }),
  namespace: dnsName
    .default("default")
    .meta({ description: "Kubernetes namespace of the service's Service." }),
  metricsPort: portName
    .default("metrics")
    .meta({ description: "Name of the Service port that serves Prometheus metrics." }),
  metricsPath: urlPath
    .default("/metrics")
    .meta({ description: "HTTP path of the metrics endpoint; starts with `/`, no query string." }),
  slo: z
    .strictObject({
      availability: z
        .number()
        .min(0.9)
        .max(0.99999)
        .default(0.999)
        .meta({ description: "Fraction of requests that must succeed (not 5xx) over the SLO window." }),
      latencyThresholdSeconds: z
        .number()
        // Prometheus stores bounds below 1e-4 in exponent form (`le="5e-05"`), which no
        // threshold regex of ours matches: 0.1 ms is the finest threshold.
        .min(0.0001, "must be at least 0.0001 (0.1 ms): finer bounds are stored in exponent form")
        .max(60)
        .default(0.5)
        .meta({
          description:
            "Requests slower than this, in seconds, count against the latency SLO. It must be a bucket bound of the service's HTTP histogram (OpenTelemetry defaults: 0.005 … 0.1, 0.25, 0.5, 0.75, 1, 2.5 …), at least 0.0001.",
        }),
      latencyTarget: z
        .number()
        .min(0.5)
        .max(0.9999)
        .default(0.99)
        .meta({ description: "Fraction of requests that must be faster than `latencyThresholdSeconds`." }),
      windowDays: z.number().int().min(7).max(90).default(30).meta({
        description: "SLO window in days, over which availability and latency targets are measured.",
      }),
    })
    .superRefine((slo, ctx) => {
      // A burn-rate alert compares an error ratio with burnRate × (1 − target): at 1 or more it
      // would need more than every request to fail, and could never fire.
      for (const key of ["availability", "latencyTarget"] as const) {
        const budget = 1 - slo[key];
        const dead = BURN_PAIRS.find((p) => burnRate(p, slo.windowDays) * budget >= 1);
        if (!dead) continue;
        const rate = burnRate(dead, slo.windowDays);
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${slo[key]} over ${slo.windowDays} days makes the ${dead.long}/${dead.short} ${dead.priority} burn threshold ${round(rate * budget)} (burn rate ${rate} × budget ${round(budget)}): the alert could never fire. Use at least ${Math.ceil((1 - 1 / rate) * 1e4) / 1e4} or a shorter windowDays.`,
        });
      }
    })
    .prefault({})
    .meta({
      description:
        "Service level objectives of the service; its SLO burn-rate alerts derive from them. Each target must leave every burn-rate threshold below 100% of requests (for a 30-day window, at least 0.9306).",
    }),
  dependencies: dependenciesSchema.meta({
    description:
      "What the service needs to work, each probed by the blackbox exporter every scrape interval: `DependencyDown` (with the dependency's priority and the service's team) fires when most probes of the last 5 minutes failed, and quiets the service's own symptom alerts of the same or lower priority.",
  }),
  queries: serviceQueryOverridesSchema.meta({
    description:
      "PromQL overrides, by query id, for a service whose metrics do not follow the metric contract.",
  }),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;
