import { z } from "zod";
import { dnsName } from "./common";
import { serviceQueryOverridesSchema } from "./metrics";

/** A service the platform monitors: one ServiceMonitor, its SLO alerts, its dashboards rows. */
export const serviceSchema = z.strictObject({
  name: dnsName.meta({ description: "Service name: the `job` label of its metrics." }),
  team: dnsName.meta({ description: "Owning team; must be the name of one of `teams`." }),
  kind: z
    .enum(["backend", "frontend", "worker"])
    .default("backend")
    .meta({ description: "What the service is: a backend, a frontend or a worker." }),
  namespace: dnsName
    .default("default")
    .meta({ description: "Kubernetes namespace of the service's Service." }),
  metricsPort: z
    .string()
    .min(1)
    .default("metrics")
    .meta({ description: "Name of the Service port that serves Prometheus metrics." }),
  metricsPath: z
    .string()
    .startsWith("/", "expected a path starting with '/'")
    .default("/metrics")
    .meta({ description: "HTTP path of the metrics endpoint; starts with `/`." }),
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
