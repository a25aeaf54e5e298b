import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  SETTINGS_JOB_AFTER,
  SETTINGS_JOBS,
  type SettingsJob,
  settingsJob,
  settingsJobName,
} from "../generators/logging";
import { isRef } from "../generators/refs";
import { loggingUsers } from "./logging-users";
import { wire } from "./refs";

/** The settings Jobs' script: logging-applier.mjs, mounted as it is (Node built-ins only). */
export const applierScript = (): string => readFileSync(join(__dirname, "logging-applier.mjs"), "utf8");

/**
 * The settings Jobs (SETTINGS_JOBS), each with the ConfigMap of its plan and the script, children
 * of `parent`. Each waits for what `after` names and for the Job SETTINGS_JOB_AFTER names;
 * pulumi-kubernetes awaits a Job's completion when it creates one (a new plan is a new Job, an
 * unready one is replaced), so whatever depends on a Job here starts only once its settings are
 * applied. The users Job also waits for the Secret of people's passwords (./logging-users.ts),
 * whose values come back as `userPasswords`, and is named after them too (settingsJobName).
 */
export function settingsJobs(
  name: string,
  args: {
    config: StackConfig;
    namespace: pulumi.Input<string>;
    after: Record<SettingsJob, pulumi.Resource[]>;
  },
  parent: pulumi.Resource,
): { jobs: Record<SettingsJob, k8s.batch.v1.Job>; userPasswords: pulumi.Output<Record<string, string>> } {
  const script = applierScript();
  const users = loggingUsers(name, { config: args.config, namespace: args.namespace }, parent);
  const made: Partial<Record<SettingsJob, k8s.batch.v1.Job>> = {};
  const create = (which: SettingsJob): k8s.batch.v1.Job => {
    const generated = settingsJob(args.config, which, script);
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-${which}`,
      wire(generated.configMap, { namespace: args.namespace }),
      { parent },
    );
    const before = SETTINGS_JOB_AFTER[which];
    // The Job that takes people's passwords is named after them as well (a keyed fingerprint).
    const jobName = isRef(generated.job.metadata.name)
      ? users.fingerprint?.apply((f) => settingsJobName(args.config, which, generated.planHash, f))
      : undefined;
    const job = new k8s.batch.v1.Job(
      `${name}-${which}`,
      wire(generated.job, {
        namespace: args.namespace,
        settingsConfigMap: configMap.metadata.name,
        ...(jobName ? { settingsJobName: jobName } : {}),
      }),
      // The first run waits for the cluster to come up.
      {
        parent,
        dependsOn: [
          ...args.after[which],
          configMap,
          ...(before && made[before] ? [made[before]] : []),
          ...(which === "users" && users.secret ? [users.secret] : []),
        ],
        customTimeouts: { create: "60m", update: "60m" },
      },
    );
    made[which] = job;
    return job;
  };
  const jobs = Object.fromEntries(SETTINGS_JOBS.map((j) => [j, create(j)])) as Record<
    SettingsJob,
    k8s.batch.v1.Job
  >;
  return { jobs, userPasswords: users.passwords };
}
