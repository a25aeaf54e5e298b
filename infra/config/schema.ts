import { z } from "zod";
import { alertingSchema } from "./alerting";
import { archiveSchema } from "./archive";
import { businessMetricsSchema, businessMetricTeams } from "./business-metrics";
import { singleLine, token, webUrl } from "./common";
import { frontendSchema } from "./frontend";
import { ALB_INGRESS_CLASS } from "./endpoint";
import { DEFAULT_SQLITE_STORAGE, grafanaProductionProblems, grafanaSchema } from "./grafana";
import { loginFormEnabled } from "./grafana-auth";
import { kubernetesSchema } from "./kubernetes";
import {
  ECK_OPERATOR_NAMESPACE,
  FILEBEAT_NAMESPACE_SUFFIX,
  loggingProductionProblems,
  loggingSchema,
} from "./logging";
import { metricsSchema, NODE_EXPORTER_NAMESPACE_SUFFIX } from "./metrics";
import { ALWAYS_REQUIRED, SECRET_FORMAT, SECRET_KEYS, SECRET_MEANING, type SecretKey } from "./secrets";
import { sentrySchema } from "./sentry";
import { thanosSchema } from "./thanos";
import { serviceSchema } from "./services";
import { type TeamConfig, teamSchema } from "./teams";

/** Pulumi config namespace of this project (the `name` in Pulumi.yaml). */
export const PROJECT = "observability";

/** Secret values are checked for shape only; no message repeats the value. */
const SECRET_SCHEMAS = {
  url: webUrl("an https:// URL", { query: true }),
  token: token(4096),
  password: singleLine(4096),
} as const;

/**
 * The whole stack config under `observability:`, one top-level key per entry. Unknown keys are
 * errors so that a typo is never silently ignored.
 */
const stackConfigObject = z.strictObject({
  // Also the namespace part of Elasticsearch data stream names, which allows no '-'.
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,19}$/, "expected a lowercase name of a-z and 0-9, at most 20 characters")
    .meta({
      description:
        "Environment name (a-z, 0-9), used in resource names, tags, data streams, Sentry and Grafana.",
    }),
  production: z.boolean().default(false).meta({
    description:
      "Production stacks run highly available (more replicas, stricter topology checks) and protect stateful resources from deletion.",
  }),
  teams: z
    .array(teamSchema)
    .min(1, "expected at least one team")
    // min(1) holds here: the first team (the default owner of platform alerts) always exists.
    .transform((teams) => teams as [TeamConfig, ...TeamConfig[]])
    .meta({
      description:
        "The owning teams (at least one) and where their alerts go; the first one owns platform alerts by default.",
    }),
  services: z
    .array(serviceSchema)
    .default([])
    .meta({ description: "The services to monitor, each with its owning team, SLOs and query overrides." }),
  businessMetrics: businessMetricsSchema.meta({
    description:
      "Key business metrics (sign-ups, conversion, ...): each is recorded as `business:<name>:<window>`, shown on the Business dashboard beside the same hour a week earlier, and alerted on to its owner team where thresholds are given (docs/metrics.md).",
  }),
  kubernetes: kubernetesSchema.meta({
    description:
      "The Kubernetes cluster the stack deploys to: what every concern needs of it (the StorageClass of every volume claim).",
  }),
  alerting: alertingSchema.prefault({}).meta({
    description:
      "Where alerts are delivered: the P1 paging provider, P2 email, the P3 Slack channel, and planned maintenance.",
  }),
  archive: archiveSchema.meta({
    description: "The S3 log archive: bucket names and expected daily log volumes.",
  }),
  metrics: metricsSchema.meta({
    description:
      "Metrics and alerting: kube-prometheus-stack (Prometheus, Alertmanager) and alert thresholds.",
  }),
  thanos: thanosSchema.meta({
    description:
      "Thanos on the metrics bucket: long-term metrics per the retention of each resolution, and one deduplicated view of the Prometheus replicas for Grafana.",
  }),
  grafana: grafanaSchema.meta({
    description: "Grafana: its Helm release, the provider's endpoint and data sources.",
  }),
  logging: loggingSchema.meta({
    description: "The ELK stack on Kubernetes (ECK): its components and sizes, and how logs are kept in it.",
  }),
  sentry: sentrySchema.meta({
    description:
      "Sentry error tracking: the organisation, the backend and frontend projects, alerts and data scrubbing.",
  }),
  frontend: frontendSchema.meta({
    description: "Frontend monitoring: New Relic Browser (optional per stack) and the Google Analytics id.",
  }),
  ...(Object.fromEntries(
    SECRET_KEYS.map((k) => [
      k,
      (SECRET_SCHEMAS[SECRET_FORMAT[k]] as z.ZodType<string>)
        .optional()
        .meta({ description: SECRET_MEANING[k] }),
    ]),
  ) as Record<SecretKey, z.ZodOptional<z.ZodType<string>>>),
});

/** Reads a value that may not have parsed: checks that run beside other problems read leniently. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const field = (v: unknown, key: string): unknown =>
  v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Names that must be unique and references that must resolve, across sections. */
function crossReferences(cfg: unknown, ctx: z.RefinementCtx): void {
  const teams = new Set<string>();
  list(field(cfg, "teams")).forEach((t, i) => {
    const name = text(field(t, "name"));
    if (name === undefined) return;
    if (teams.has(name))
      ctx.addIssue({ code: "custom", path: ["teams", i, "name"], message: `duplicate team "${name}"` });
    teams.add(name);
  });
  const known = () => `expected one of: ${[...teams].join(", ")}`;
  const services = new Set<string>();
  list(field(cfg, "services")).forEach((svc, i) => {
    const name = text(field(svc, "name"));
    if (name !== undefined && services.has(name))
      ctx.addIssue({ code: "custom", path: ["services", i, "name"], message: `duplicate service "${name}"` });
    if (name !== undefined) services.add(name);
    // Filebeat leaves the logging stack's own containers out (its namespace and Filebeat's): a
    // service there would lose its logs.
    const loggingNs = text(field(field(cfg, "logging"), "namespace")) ?? "logging";
    const svcNs = text(field(svc, "namespace"));
    if (svcNs === loggingNs || svcNs === `${loggingNs}${FILEBEAT_NAMESPACE_SUFFIX}`)
      ctx.addIssue({
        code: "custom",
        path: ["services", i, "namespace"],
        message: `"${svcNs}" is a namespace of the logging stack, whose containers Filebeat does not ship`,
      });
    const team = text(field(svc, "team"));
    if (team !== undefined && teams.size > 0 && !teams.has(team))
      ctx.addIssue({
        code: "custom",
        path: ["services", i, "team"],
        message: `unknown team "${team}" (${known()})`,
      });
  });
  businessMetricTeams(cfg, teams, ctx);
  pagerdutyReferences(cfg, ctx);
  platformDependencies(cfg, ctx);
  sentryPagingTarget(cfg, ctx);
  distinctNamespaces(cfg, ctx);
  loggingAccess(cfg, ctx);
  const owner = text(field(field(cfg, "metrics"), "ownerTeam"));
  if (owner !== undefined && teams.size > 0 && !teams.has(owner))
    ctx.addIssue({
      code: "custom",
      path: ["metrics", "ownerTeam"],
      message: `unknown team "${owner}" (${known()})`,
    });
}

/**
 * The namespaces the stack creates, each with its own Pod Security level: the configured ones, the
 * two it derives (node-exporter's and Filebeat's, which need privileged pods) and the ECK
 * operator's. Two of them sharing a name would be one Namespace claimed by two resources with
 * different levels, and deleting either would delete the other's workloads.
 */
function distinctNamespaces(cfg: unknown, ctx: z.RefinementCtx): void {
  const metrics = text(field(field(cfg, "metrics"), "namespace")) ?? "monitoring";
  const logging = text(field(field(cfg, "logging"), "namespace")) ?? "logging";
  // The derived names first: a configured namespace that takes one is the key to change.
  const claimed = new Map<string, string>([
    [ECK_OPERATOR_NAMESPACE, "the ECK operator's namespace"],
    [
      `${metrics}${NODE_EXPORTER_NAMESPACE_SUFFIX}`,
      'node-exporter\'s namespace (metrics.namespace + "-node-exporter")',
    ],
    [`${logging}${FILEBEAT_NAMESPACE_SUFFIX}`, 'Filebeat\'s namespace (logging.namespace + "-filebeat")'],
  ]);
  const defaults = { metrics: "monitoring", logging: "logging", grafana: "grafana" } as const;
  for (const section of ["metrics", "logging", "grafana"] as const) {
    const ns = text(field(field(cfg, section), "namespace")) ?? defaults[section];
    const other = claimed.get(ns);
    if (other !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [section, "namespace"],
        message: `"${ns}" is already ${other}: each of the stack's namespaces needs a name of its own`,
      });
    claimed.set(ns, `${section}.namespace`);
  }
}

/**
 * Who reaches the logs: a person's user must not be Grafana's reader (one name, two realms),
 * Kibana's public name must not be Grafana's (two Ingresses claiming one host and path `/`, and
 * two DNS records of one name: one of the two would be unreachable), and the ingress
 * controller's namespace is only read where an Ingress class other than the ALB's serves an
 * endpoint (kubernetes.ingressControllerNamespace).
 */
function loggingAccess(cfg: unknown, ctx: z.RefinementCtx): void {
  const logging = field(cfg, "logging");
  const kibanaHost = text(field(field(field(logging, "kibana"), "endpoint"), "hostname"));
  if (kibanaHost !== undefined && kibanaHost === text(field(field(cfg, "grafana"), "hostname")))
    ctx.addIssue({
      code: "custom",
      path: ["logging", "kibana", "endpoint", "hostname"],
      message: `"${kibanaHost}" is already grafana.hostname: Kibana needs a host name of its own`,
    });
  const reader = text(field(field(field(cfg, "grafana"), "logs"), "username")) ?? "grafana-reader";
  list(field(logging, "users")).forEach((u, i) => {
    if (text(field(u, "username")) === reader)
      ctx.addIssue({
        code: "custom",
        path: ["logging", "users", i, "username"],
        message: `"${reader}" is Grafana's reader (grafana.logs.username), a user of Elasticsearch's file realm: choose another name`,
      });
  });
  if (field(field(cfg, "kubernetes"), "ingressControllerNamespace") === undefined) return;
  const viaPod = (endpoint: unknown) =>
    field(endpoint, "hostname") !== undefined &&
    (text(field(endpoint, "ingressClassName")) ?? "nginx") !== ALB_INGRESS_CLASS;
  if (!viaPod(field(cfg, "grafana")) && !viaPod(field(field(logging, "kibana"), "endpoint")))
    ctx.addIssue({
      code: "custom",
      path: ["kubernetes", "ingressControllerNamespace"],
      message: `only used when grafana.hostname or logging.kibana.endpoint is served by an ingress class other than ${ALB_INGRESS_CLASS} (whose load balancer is no pod): remove it, or expose an endpoint through that controller`,
    });
}

/**
 * A dependency inside the platform's own namespaces: their parts are watched by the platform's
 * alerts, and their network policies admit only the platform's flows, so the probe would fail
 * while the part works (a false DependencyDown).
 */
function platformDependencies(cfg: unknown, ctx: z.RefinementCtx): void {
  const metrics = text(field(field(cfg, "metrics"), "namespace")) ?? "monitoring";
  const logging = text(field(field(cfg, "logging"), "namespace")) ?? "logging";
  // Every namespace the network policies police, the ECK operator's and the two node agents' too.
  const namespaces = [
    metrics,
    logging,
    text(field(field(cfg, "grafana"), "namespace")) ?? "grafana",
    ECK_OPERATOR_NAMESPACE,
    `${metrics}${NODE_EXPORTER_NAMESPACE_SUFFIX}`,
    `${logging}${FILEBEAT_NAMESPACE_SUFFIX}`,
  ];
  list(field(cfg, "services")).forEach((svc, i) => {
    list(field(svc, "dependencies")).forEach((d, j) => {
      for (const key of ["url", "tcp"] as const) {
        const value = text(field(d, key));
        if (value === undefined) continue;
        const host = key === "tcp" ? value.replace(/:[^:]*$/, "") : /^[a-z]+:\/\/([^/:?#]+)/.exec(value)?.[1];
        const ns = /^[^.]+\.([^.]+)\.svc(\.cluster\.local)?$/.exec(host ?? "")?.[1];
        if (ns !== undefined && namespaces.includes(ns))
          ctx.addIssue({
            code: "custom",
            path: ["services", i, "dependencies", j, key],
            message: `"${ns}" is a namespace of the platform itself: its parts are watched by the platform's own alerts, and its network policies would refuse the probe`,
          });
      }
    });
  });
}

/**
 * Sentry names a PagerDuty service by its number and an Opsgenie team as `<integration id>-<team>`:
 * the other form would be refused when the first alert rule is saved.
 */
function sentryPagingTarget(cfg: unknown, ctx: z.RefinementCtx): void {
  const target = field(field(field(field(cfg, "sentry"), "integrations"), "paging"), "targetId");
  const value = typeof target === "number" ? String(target) : text(target);
  if (value === undefined) return;
  const opsgenie = text(field(field(cfg, "alerting"), "pagingProvider")) === "opsgenie";
  if (opsgenie === /^\d+$/.test(value))
    ctx.addIssue({
      code: "custom",
      path: ["sentry", "integrations", "paging", "targetId"],
      message: opsgenie
        ? "pagingProvider is opsgenie: expected Sentry's `<integration id>-<team>` form of the Opsgenie team"
        : "pagingProvider is pagerduty: expected the PagerDuty service's numeric id inside Sentry's integration",
    });
}

/**
 * Managed PagerDuty needs a provider that pages, and someone to page on every team; production
 * also needs a second level, so an unacknowledged P1 reaches another person.
 */
function pagerdutyReferences(cfg: unknown, ctx: z.RefinementCtx): void {
  const alerting = field(cfg, "alerting");
  if (field(field(alerting, "pagerduty"), "managed") !== true) return;
  if (text(field(alerting, "pagingProvider")) === "opsgenie") {
    ctx.addIssue({
      code: "custom",
      path: ["alerting", "pagerduty", "managed"],
      message: "managed PagerDuty needs pagingProvider: pagerduty",
    });
    return;
  }
  const production = field(cfg, "production") === true;
  list(field(cfg, "teams")).forEach((t, i) => {
    const pd = field(t, "pagerduty");
    if (pd === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["teams", i, "pagerduty"],
        message: "alerting.pagerduty.managed is on: expected scheduleId or userIds for this team",
      });
    else if (
      production &&
      field(pd, "escalateToScheduleId") === undefined &&
      field(pd, "escalateToUserIds") === undefined
    )
      ctx.addIssue({
        code: "custom",
        path: ["teams", i, "pagerduty", "escalateToScheduleId"],
        message: "production pages two levels: expected escalateToScheduleId or escalateToUserIds",
      });
  });
}

/** The secrets the configured channels and integrations need, each set as a secret. */
function secretsPresent(cfg: unknown, ctx: z.RefinementCtx): void {
  const paging =
    text(field(field(cfg, "alerting"), "pagingProvider")) === "opsgenie" ? "opsgenie" : "pagerduty";
  const newRelic = field(field(field(cfg, "frontend"), "newRelic"), "enabled") === true;
  const managed = field(field(field(cfg, "alerting"), "pagerduty"), "managed") === true;
  const oidc = field(field(field(cfg, "grafana"), "auth"), "oidc");
  for (const key of requiredSecrets({
    alerting: { pagingProvider: paging, pagerduty: { managed } },
    frontend: { newRelic: { enabled: newRelic } },
    grafana: { auth: { oidc: oidc === undefined ? undefined : {} } },
  }))
    if (field(cfg, key) === undefined)
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `missing secret: set it with \`pulumi config set --secret ${key} <value>\``,
      });
}

/** Checks run even when other keys have problems, so that one run reports every problem. */
const always = { when: () => true };

/**
 * A production rule of one section, checked only once that section and `production` parsed (its
 * own errors are reported instead).
 */
function productionCheck(
  section: "logging" | "grafana",
  problems: (cfg: z.output<typeof stackConfigObject>) => Iterable<{ path: PropertyKey[]; message: string }>,
) {
  return z.superRefine(
    (cfg: z.output<typeof stackConfigObject>, ctx) => {
      for (const p of problems(cfg)) ctx.addIssue({ code: "custom", ...p });
    },
    { when: (payload) => !payload.issues.some((i) => [section, "production"].includes(String(i.path?.[0]))) },
  );
}

export const stackConfigSchema = stackConfigObject
  .check(z.superRefine(crossReferences, always))
  .check(z.superRefine(secretsPresent, always))
  .check(productionCheck("logging", (cfg) => loggingProductionProblems(cfg.logging, cfg.production)))
  .check(productionCheck("grafana", (cfg) => grafanaProductionProblems(cfg.grafana, cfg.production)))
  .transform(resolveDefaults);

/**
 * Defaults that depend on other keys (production, the teams, the environment), resolved here once
 * so that generators read one value and never decide a default themselves.
 */
function resolveDefaults(cfg: z.output<typeof stackConfigObject>) {
  const { metrics, production, grafana } = cfg;
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
    thanos: {
      ...cfg.thanos,
      bucketName: `${cfg.archive.bucketPrefix}-metrics`,
      // Production: two of each reader, so a node's loss or a rollout leaves queries answered.
      query: { ...cfg.thanos.query, replicas: cfg.thanos.query.replicas ?? (production ? 2 : 1) },
      queryFrontend: {
        ...cfg.thanos.queryFrontend,
        replicas: cfg.thanos.queryFrontend.replicas ?? (production ? 2 : 1),
      },
      storeGateway: {
        ...cfg.thanos.storeGateway,
        replicas: cfg.thanos.storeGateway.replicas ?? (production ? 2 : 1),
      },
    },
    grafana: {
      ...grafana,
      // With a database: two replicas, no volume. Without: one replica on SQLite on a volume.
      replicas: grafana.replicas ?? (grafana.database ? 2 : 1),
      storageSize: grafana.database ? undefined : (grafana.storageSize ?? DEFAULT_SQLITE_STORAGE),
      // The form goes with single sign-on (production requires both).
      auth: { ...grafana.auth, loginForm: loginFormEnabled(grafana.auth) },
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
  alerting: { pagingProvider: "pagerduty" | "opsgenie"; pagerduty: { managed: boolean } };
  frontend: { newRelic: { enabled: boolean } };
  grafana: { auth: { oidc?: object } };
}): SecretKey[] {
  const needed: SecretKey[] = [...ALWAYS_REQUIRED];
  // Managed PagerDuty pages through each team's own integration key, alerts without a known team
  // through the owner team's: no routing key of the user's is read then.
  if (cfg.alerting.pagingProvider === "opsgenie") needed.push("opsgenieApiKey");
  else needed.push(cfg.alerting.pagerduty.managed ? "pagerdutyToken" : "pagerdutyRoutingKey");
  if (cfg.frontend.newRelic.enabled) needed.push("newrelicApiKey");
  if (cfg.grafana.auth.oidc !== undefined) needed.push("grafanaOidcClientSecret");
  return needed;
}
