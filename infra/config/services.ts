import { z } from "zod";
import { dnsName, portName, urlPath } from "./common";
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
      latencyThresholdSeconds: z.number().positive().max(60).default(0.5).meta({
        description:
          "Requests slower than this, in seconds, count against the latency SLO. It must be a bucket bound of the service's HTTP histogram (OpenTelemetry defaults: 0.005 … 0.1, 0.25, 0.5, 0.75, 1, 2.5 …).",
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
    .prefault({})
    .meta({
      description: "Service level objectives of the service; its SLO burn-rate alerts derive from them.",
    }),
  queries: serviceQueryOverridesSchema.meta({
    description:
      "PromQL overrides, by query id, for a service whose metrics do not follow the metric contract.",
  }),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;
