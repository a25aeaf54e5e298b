import { z } from "zod";

/** Per-service PromQL overrides (filled in by the metrics concern). */
export const serviceQueryOverridesSchema = z.strictObject({}).prefault({});

/** Prometheus and Alertmanager settings. */
export const metricsSchema = z.strictObject({}).prefault({});
export type MetricsConfig = z.infer<typeof metricsSchema>;
