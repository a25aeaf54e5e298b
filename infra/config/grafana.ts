import { z } from "zod";

/** Grafana settings (filled in by the grafana concern). */
export const grafanaSchema = z.strictObject({}).prefault({});
export type GrafanaConfig = z.infer<typeof grafanaSchema>;
