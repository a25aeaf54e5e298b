import { z } from "zod";
import { alertingSchema } from "./alerting";
import { archiveSchema } from "./archive";
import { dnsName } from "./common";
import { frontendSchema } from "./frontend";
import { grafanaSchema } from "./grafana";
import { loggingProductionProblems, loggingSchema } from "./logging";
import { metricsSchema } from "./metrics";
import { ALWAYS_REQUIRED, SECRET_KEYS, type SecretKey } from "./secrets";
import { sentrySchema } from "./sentry";
import { serviceSchema } from "./services";
import { type TeamConfig, teamSchema } from "./teams";

/** Pulumi config namespace of this project (the `name` in Pulumi.yaml). */
export const PROJECT = "observability";

const secretValue = z.string().min(1, "expected a non-empty secret");

/**
 * The whole stack config under `observability:`, one top-level key per entry. Unknown keys are
 * errors so that a typo is never silently ignored.
 */
const stackConfigObject = z.strictObject({
  /** Environment name used in resource names, tags, Sentry and Grafana. */
  environment: dnsName,
  /** Production stacks run highly available and protect stateful resources from deletion. */
  production: z.boolean().default(false),
  teams: z
    .array(teamSchema)
    .min(1, "expected at least one team")
    // min(1) holds here: the first team (the default owner of platform alerts) always exists.
    .transform((teams) => teams as [TeamConfig, ...TeamConfig[]]),
  services: z.array(serviceSchema).default([]),
  alerting: alertingSchema.prefault({}),
  archive: archiveSchema,
  metrics: metricsSchema,
  grafana: grafanaSchema,
  logging: loggingSchema,
  sentry: sentrySchema,
  frontend: frontendSchema,
  ...(Object.fromEntries(SECRET_KEYS.map((k) => [k, secretValue.optional()])) as Record<
    SecretKey,
    z.ZodOptional<typeof secretValue>
  >),
});

export const stackConfigSchema = stackConfigObject
  .superRefine((cfg, ctx) => {
    const teams = new Set<string>();
    cfg.teams.forEach((t, i) => {
      if (teams.has(t.name))
        ctx.addIssue({ code: "custom", path: ["teams", i, "name"], message: `duplicate team "${t.name}"` });
      teams.add(t.name);
    });
    const services = new Set<string>();
    cfg.services.forEach((s, i) => {
      if (services.has(s.name))
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "name"],
          message: `duplicate service "${s.name}"`,
        });
      services.add(s.name);
      if (!teams.has(s.team))
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "team"],
          message: `unknown team "${s.team}" (expected one of: ${[...teams].join(", ")})`,
        });
    });
    if (cfg.metrics.ownerTeam !== undefined && !teams.has(cfg.metrics.ownerTeam))
      ctx.addIssue({
        code: "custom",
        path: ["metrics", "ownerTeam"],
        message: `unknown team "${cfg.metrics.ownerTeam}" (expected one of: ${[...teams].join(", ")})`,
      });
    for (const p of loggingProductionProblems(cfg.logging, cfg.production))
      ctx.addIssue({ code: "custom", ...p });
    for (const key of requiredSecrets(cfg)) {
      if (cfg[key] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `missing secret: set it with \`pulumi config set --secret ${key} <value>\``,
        });
    }
  })
  .transform(resolveDefaults);

/**
 * Defaults that depend on other keys (production, the teams, the environment), resolved here once
 * so that generators read one value and never decide a default themselves.
 */
function resolveDefaults(cfg: z.output<typeof stackConfigObject>) {
  const { metrics, production } = cfg;
  const nr = cfg.frontend.newRelic;
  return {
    ...cfg,
    metrics: {
      ...metrics,
      ownerTeam: metrics.ownerTeam ?? cfg.teams[0].name,
      // Production: two Prometheus replicas and a three-member Alertmanager gossip cluster.
      prometheus: {
        ...metrics.prometheus,
        replicas: metrics.prometheus.replicas ?? (production ? 2 : 1),
        retention: metrics.prometheus.retention ?? (production ? "30d" : "7d"),
      },
      alertmanager: {
        ...metrics.alertmanager,
        replicas: metrics.alertmanager.replicas ?? (production ? 3 : 1),
      },
    },
    frontend: {
      ...cfg.frontend,
      // The schema requires accountId when New Relic is on: the one shape generators see.
      newRelic:
        nr.enabled && nr.accountId !== undefined
          ? {
              ...nr,
              enabled: true as const,
              accountId: nr.accountId,
              appName: nr.appName ?? `${cfg.environment}-frontend`,
            }
          : { ...nr, enabled: false as const },
    },
  };
}

export type StackConfigInput = z.input<typeof stackConfigSchema>;
type ParsedStackConfig = z.output<typeof stackConfigSchema>;
/** The validated config without secret values: safe to pass to pure generators and to print. */
export type StackConfig = Omit<ParsedStackConfig, SecretKey>;

/** The secrets this configuration needs; each concern's settings decide which. */
export function requiredSecrets(cfg: {
  alerting: { pagingProvider: "pagerduty" | "opsgenie" };
  frontend: { newRelic: { enabled: boolean } };
}): SecretKey[] {
  const needed: SecretKey[] = [...ALWAYS_REQUIRED];
  needed.push(cfg.alerting.pagingProvider === "pagerduty" ? "pagerdutyRoutingKey" : "opsgenieApiKey");
  if (cfg.frontend.newRelic.enabled) needed.push("newrelicApiKey");
  return needed;
}
