/**
 * What the service check reports, as zod schemas: the JSON output of `npm run check:service --
 * --format json` is exactly `reportSchema`, and docs/service-check.md is generated from it.
 */
import { z } from "zod";

/** Levels, the worst first; `--fail-on` names the least severe one that fails the check. */
export const FINDING_LEVELS = ["error", "warning", "info"] as const;
export type FindingLevel = (typeof FINDING_LEVELS)[number];

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
    id: z.string().meta({
      description:
        "Stable identifier of the kind of finding (`metric.missing`, `histogram.threshold-bucket`, `log.request-id-missing`, …): scripts may match on it.",
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
