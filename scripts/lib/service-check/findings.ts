/**
 * What the service check reports, as zod schemas: the JSON output of `npm run check:service --
 * --format json` is exactly `reportSchema`, and docs/service-check.md is generated from it.
 */
import { z } from "zod";

/** Levels, the worst first; `--fail-on` names the least severe one that fails the check. */
export const FINDING_LEVELS = ["error", "warning", "info"] as const;
export type FindingLevel = (typeof FINDING_LEVELS)[number];

/**
 * Every finding id, with what it means: the ids scripts may match on (`findingSchema.id` is this
 * enum, so a finding of an unlisted id does not compile), listed in docs/service-check.md.
 */
export const FINDING_IDS = {
  "exposition.unreadable": "A line of the scrape is neither the text format nor OpenMetrics.",
  "promtool.lint":
    "A line of `promtool check metrics` (Prometheus' naming conventions), on the text-format answer: a warning on a family the platform reads, else info.",
  "metric.missing": "A contract metric is not exposed (an error when the service's SLO alerts read it).",
  "metric.unit-suffix":
    "A contract metric is exposed without its unit suffix, or in milliseconds under another name.",
  "metric.utf8-name":
    "A contract metric is exposed under a UTF-8 name (`http.server.request.duration_seconds`) that Prometheus 3 stores as written.",
  "metric.type":
    "A contract metric has another type (or, declared without samples, is an exponential histogram).",
  "metric.unit": "A contract metric declares another unit (`# UNIT`).",
  "histogram.milliseconds": "A seconds histogram's bucket bounds look like milliseconds.",
  "histogram.threshold-bucket":
    "Whether the SLO latency threshold is a bucket bound as Prometheus 3 stores `le` (an error when not, else info).",
  "label.missing":
    "A contract label is missing (an error when the records the SLO alerts need select on it).",
  "label.unbounded": "A label's values name single things (ids, raw URLs) or exceed `--max-label-values`.",
  "label.personal-data": "A label's name or values look like personal data (e-mail, IP address, user id).",
  "override.present": "A series a query override (`services[].queries`) reads is exposed.",
  "override.missing": "A series a query override reads is not exposed.",
  "sli.no-value": "A record the service's SLO alerts read has no value after the scrapes.",
  "sli.optional-no-value": "Records that panels or other alerts read have no value (one finding for all).",
  "sli.cluster-side":
    "Records read from what the cluster scrapes about the service, which no scrape of it proves.",
  "sli.all-values": "Every record the SLO alerts read has a value.",
  "sli.proof-failed": "promtool test rules could not run on the scrape.",
  "log.not-json": "A log line is not a JSON object (the pipeline tags it `invalid_json`).",
  "log.field-missing": "A log line lacks a required field of the log contract.",
  "log.timestamp": "`timestamp` is not an ISO 8601 string (the pipeline tags it `invalid_timestamp`).",
  "log.level-unknown": "`level` is none of the five levels (the pipeline tags it `invalid_level`).",
  "log.service": "`service` is not the service's configured name.",
  "log.value": "A field with a closed set of values (`scope`, `log_type`, `audit_event`) has another.",
  "log.request-id-missing":
    "A request-scoped line has no `request_id` (the pipeline tags it `missing_request_id`).",
  "log.type": "`duration_ms` (or another numeric field) is not a whole number.",
  "log.sensitive-field": "A log line carries a field the pipeline removes as sensitive.",
  "log.empty": "No log lines were given to check.",
} as const;
export type FindingId = keyof typeof FINDING_IDS;
const FINDING_ID_LIST = Object.keys(FINDING_IDS) as [FindingId, ...FindingId[]];

export const DEPENDENT_KINDS = ["record", "alert", "panel", "pipeline"] as const;

export const dependentSchema = z
  .object({
    kind: z.enum(DEPENDENT_KINDS).meta({
      description:
        "`record`: a recording rule of this stack; `alert`: an alert rule the service gets; `panel`: a Grafana panel (`dashboard › panel`); `pipeline`: a step of the log ingest pipeline.",
    }),
    name: z.string().meta({ description: "The record, alert, panel or pipeline step." }),
  })
  .meta({ description: "Something of the platform that reads what the finding is about." });
export type Dependent = z.infer<typeof dependentSchema>;

export const findingSchema = z
  .object({
    id: z.enum(FINDING_ID_LIST).meta({
      description:
        "Stable identifier of the kind of finding (`metric.missing`, `histogram.threshold-bucket`, `log.request-id-missing`, …; all listed above the schema): scripts may match on it.",
    }),
    level: z.enum(FINDING_LEVELS).meta({
      description:
        "`error`: the platform cannot use it (panels stay empty, alerts cannot fire, lines are tagged); `warning`: it works but costs or risks something; `info`: a fact (a passed proof, an optional metric not exposed).",
    }),
    subject: z
      .string()
      .meta({ description: "What it is about: a metric family, a label, a log field, a record." }),
    message: z.string().meta({ description: "What was found." }),
    fix: z.string().meta({ description: "What to change in the service; empty when nothing needs to." }),
    requirement: z.string().meta({
      description:
        "The requirement and where it comes from (the metric contract, the service's SLO, the recording rules, the log schema): the same catalogs that render the stack.",
    }),
    dependents: z
      .array(dependentSchema)
      .meta({ description: "What reads it: records, alerts, panels, pipeline steps." }),
  })
  .meta({ description: "One finding." });
export type Finding = z.infer<typeof findingSchema>;

export const sliSchema = z
  .object({
    record: z.string().meta({ description: "The recorded series (a recording rule of this stack)." }),
    value: z.number().nullable().meta({
      description: "Its value for the service after the scrapes (null: no value; NaN is reported as null).",
    }),
    required: z.boolean().meta({
      description: "Whether the service's SLO alerts read it (directly or through another record).",
    }),
    dependents: z.array(dependentSchema),
  })
  .meta({ description: "One recorded series the service's panels and alerts read, evaluated by promtool." });
export type SliResult = z.infer<typeof sliSchema>;

export const reportSchema = z
  .object({
    schemaVersion: z
      .literal(1)
      .meta({ description: "Changes only when a field changes meaning or goes away." }),
    stack: z.string(),
    service: z.string(),
    kind: z.enum(["backend", "frontend", "worker"]),
    passed: z.boolean().meta({ description: "No finding at or above the `--fail-on` level." }),
    failOn: z.enum(["error", "warning"]),
    findings: z.array(findingSchema),
    slis: z.array(sliSchema).meta({ description: "Empty when no metrics were checked." }),
  })
  .meta({
    title: "Service check report",
    description: "The output of `npm run check:service -- --format json`.",
  });
export type Report = z.infer<typeof reportSchema>;

/** Whether a finding at `level` fails a check run with `--fail-on failOn`. */
export const fails = (level: FindingLevel, failOn: "error" | "warning"): boolean =>
  FINDING_LEVELS.indexOf(level) <= FINDING_LEVELS.indexOf(failOn);
