import { z } from "zod";
import { PROJECT } from "../../infra/config";
import { alertingSchema } from "../../infra/config/alerting";
import { metricsSchema } from "../../infra/config/metrics";
import { serviceSchema } from "../../infra/config/services";
import { teamSchema } from "../../infra/config/teams";
import type { AlertmanagerInput } from "../../infra/generators/metrics/alertmanager";
import { readStackFile } from "../../scripts/lib/stack-file";

/**
 * The sections of a stack file the metrics generators read, validated with their own schemas:
 * generator tests stay independent of the other sections.
 */
const sectionsSchema = z.object({
  environment: z.string(),
  production: z.boolean().default(false),
  teams: z.array(teamSchema),
  services: z.array(serviceSchema).default([]),
  alerting: alertingSchema.prefault({}),
  metrics: metricsSchema,
});

export function metricsConfig(
  stack: "dev" | "prod",
  overrides: Record<string, unknown> = {},
): AlertmanagerInput {
  const file = readStackFile(stack);
  const raw: Record<string, unknown> = {};
  for (const key of ["environment", "production", "teams", "services", "alerting", "metrics"]) {
    const v = file.config[`${PROJECT}:${key}`];
    if (v !== undefined)
      raw[key] = (() => {
        try {
          return JSON.parse(v);
        } catch {
          return v;
        }
      })();
  }
  return sectionsSchema.parse({ ...raw, ...overrides }) as AlertmanagerInput;
}
