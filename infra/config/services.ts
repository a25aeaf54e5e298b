import { z } from "zod";
import { dnsName } from "./common";
import { serviceQueryOverridesSchema } from "./metrics";

/** A service the platform monitors: one ServiceMonitor, its SLO alerts, its dashboards rows. */
export const serviceSchema = z.strictObject({
  name: dnsName,
  /** Owning team; must be one of `teams`. */
  team: dnsName,
  kind: z.enum(["backend", "frontend", "worker"]).default("backend"),
  namespace: dnsName.default("default"),
  /** Name of the Service port that serves Prometheus metrics. */
  metricsPort: z.string().min(1).default("metrics"),
  metricsPath: z.string().startsWith("/", "expected a path starting with '/'").default("/metrics"),
  slo: z
    .strictObject({
      /** Fraction of requests that must succeed (not 5xx) over the window. */
      availability: z.number().min(0.9).max(0.99999).default(0.999),
      /** Requests slower than this count against the latency SLO. */
      latencyThresholdSeconds: z.number().positive().max(60).default(0.5),
      /** Fraction of requests that must be faster than the threshold. */
      latencyTarget: z.number().min(0.5).max(0.9999).default(0.99),
      windowDays: z.number().int().min(7).max(90).default(30),
    })
    .prefault({}),
  /** PromQL overrides for services whose metrics do not follow the contract. */
  queries: serviceQueryOverridesSchema,
});
export type ServiceConfig = z.infer<typeof serviceSchema>;
