import { describe, expect, it } from "vitest";
import { dataStreamName } from "../../infra/catalog/log-schema";
import { LOG_TYPES, type LogType, RETENTION } from "../../infra/catalog/retention";
import type { StackConfig } from "../../infra/config";
import {
  allCopyLives,
  copyLifeViolations,
  durationDays,
  type IlmPolicyBody,
  loggingConcern,
  SNAPSHOT_NONCURRENT_DAYS,
  settingsPlan,
  SLM_RETENTION_TASK_DAYS,
  snapshotPlan,
} from "../../infra/generators/logging";
import type { SlmPolicyBody } from "../../infra/generators/logging/types";
import { stackConfig } from "../../scripts/lib/stack-config";

/** Whether an SLM `indices` list takes a data stream: its last include/exclude pattern that matches. */
function takes(indices: string | string[] | undefined, stream: string): boolean {
  const list = indices === undefined ? [] : Array.isArray(indices) ? indices : [indices];
  if (list.length === 0) return true; // Elasticsearch: none listed means every data stream and index.
  let taken = false;
  for (const raw of list) {
    const exclude = raw.startsWith("-");
    const glob = exclude ? raw.slice(1) : raw;
    const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
    if (re.test(stream)) taken = !exclude;
  }
  return taken;
}

/**
 * What the settings Job will PUT, read back without the generator's own arithmetic: each log
 * type's Elasticsearch life from its ILM policy (rollover age plus delete age), and the longest a
 * line can live in each SLM policy's snapshots that take its data stream.
 */
function snapshotLives(config: StackConfig) {
  const plan = settingsPlan(config);
  const lives: { policy: string; logType: LogType; days: number; minCount: number }[] = [];
  for (const t of LOG_TYPES) {
    const ilm = plan.find((s) => s.kind === "ilm" && s.name === `logs-${t}`)?.body as IlmPolicyBody;
    const phases = ilm.policy?.phases ?? {};
    const esDays =
      durationDays(phases.hot?.actions?.rollover?.max_age) + durationDays(phases.delete?.min_age);
    for (const s of plan.filter((x) => x.kind === "slm")) {
      const body = s.body as SlmPolicyBody;
      if (!takes(body.config?.indices, dataStreamName(t, config.environment))) continue;
      const expire = durationDays(body.retention?.expire_after as string);
      lives.push({
        policy: s.name,
        logType: t,
        days: esDays + expire + SLM_RETENTION_TASK_DAYS + SNAPSHOT_NONCURRENT_DAYS,
        minCount: body.retention?.min_count ?? 0,
      });
    }
  }
  return lives;
}

const HOSTILE: Record<string, Record<string, unknown>> = {
  "the longest snapshot retention and audit searchable for all 7 years": {
    logging: { snapshots: { retentionDays: 3650 }, auditSearchableDays: RETENTION.audit.days },
  },
  "audit searchable just short of leaving room for a snapshot": {
    logging: { auditSearchableDays: RETENTION.audit.days - SNAPSHOT_NONCURRENT_DAYS - 2 },
  },
  "the slowest rollover and the most snapshots kept": {
    logging: { rolloverMaxAgeDays: 6, snapshots: { minCount: 1000, maxCount: 1000 } },
  },
};

/** The dev stack's logging config with some of its keys replaced. */
const devWith = (logging: Record<string, unknown>): StackConfig => {
  const base = stackConfig("dev");
  const merged = {
    ...base.logging,
    ...logging,
    snapshots: { ...base.logging.snapshots, ...((logging.snapshots as object) ?? {}) },
  };
  return stackConfig("dev", { logging: merged });
};

describe("no snapshot copy of a line outlives its log type's retention", () => {
  const configs: [string, StackConfig][] = [
    ["dev", stackConfig("dev")],
    ["prod", stackConfig("prod")],
    ...Object.entries(HOSTILE).map(
      ([name, o]) => [name, devWith(o.logging as Record<string, unknown>)] as [string, StackConfig],
    ),
  ];

  it.each(configs)("%s: every SLM policy's bodies keep each line at most its retention", (_, config) => {
    const over = snapshotLives(config)
      .filter((l) => l.days > RETENTION[l.logType].days)
      .map(
        (l) => `${l.policy} keeps ${l.logType} lines ${l.days} days, retention ${RETENTION[l.logType].days}`,
      );
    expect(over).toEqual([]);
  });

  it.each(configs)(
    "%s: a policy that takes log lines keeps an expired snapshot only while it is the newest",
    (_, config) => {
      for (const l of snapshotLives(config)) expect(l.minCount, l.policy).toBe(1);
    },
  );

  it.each(configs)("%s: every copy, archive included, stays within retention plus grace", (_, config) => {
    expect(allCopyLives(config).flatMap(copyLifeViolations)).toEqual([]);
  });

  it("leaves out the types whose Elasticsearch copy leaves no room, and snapshots audit from the bodies", () => {
    const dev = stackConfig("dev");
    const taken = new Set(snapshotLives(dev).map((l) => l.logType));
    expect([...taken]).toEqual(["audit"]);
    for (const t of ["application", "security", "debug"] as const)
      expect(snapshotPlan(t, dev)).toMatchObject({
        reason: expect.stringContaining("would outlive the retention"),
      });
    // Audit searchable for the whole 7 years leaves no room either: then it has no snapshots.
    const allYears = devWith({ auditSearchableDays: RETENTION.audit.days });
    expect(snapshotLives(allYears)).toEqual([]);
  });

  it("keeps the cluster state, and nothing else, under the configured retention", () => {
    const plan = settingsPlan(stackConfig("dev")).filter((s) => s.kind === "slm");
    const state = plan.filter((s) => (s.body as SlmPolicyBody).config?.include_global_state === true);
    expect(state.map((s) => s.name)).toEqual(["nightly-snapshots"]);
    const indices = (state[0]?.body as SlmPolicyBody | undefined)?.config?.indices;
    expect(indices).toEqual(["-*"]);
    for (const t of LOG_TYPES) expect(takes(indices, dataStreamName(t, "dev"))).toBe(false);
  });

  it("the summary shows each type's longest life as computed", () => {
    for (const stack of ["dev", "prod"]) {
      const config = stackConfig(stack);
      const summary = loggingConcern.summary(config);
      for (const c of allCopyLives(config))
        expect(summary).toContain(
          `| ${c.logType} | ${RETENTION[c.logType].period} (${c.retentionDays}) | ${c.elasticsearchDays} | ${c.snapshotDays ?? "not snapshotted"} | ${c.archiveDays} | **${c.longestDays}** | ${c.graceDays} |`,
        );
    }
  });
});

describe("the effective-life arithmetic", () => {
  it("counts index age, expire_after, SLM's retention task and the noncurrent window", () => {
    const c = allCopyLives(stackConfig("dev")).find((x) => x.logType === "audit");
    const dev = stackConfig("dev");
    const plan = snapshotPlan("audit", dev);
    expect(plan.policy).toBeDefined();
    if (plan.policy === undefined) return;
    expect(c?.snapshotDays).toBe(dev.logging.auditSearchableDays + plan.expireAfterDays + 1 + 7);
  });
  it("flags a snapshot copy past the retention and an archive copy past the grace", () => {
    const base = allCopyLives(stackConfig("dev")).find((x) => x.logType === "application");
    if (!base) throw new Error("no application row");
    expect(copyLifeViolations({ ...base, snapshotDays: 68 })).toEqual([
      "application: snapshot copies live up to 68 days, retention is 30",
    ]);
    expect(copyLifeViolations({ ...base, archiveDays: 61 })).toEqual([
      "application: archive copies live up to 61 days, retention 30 plus 30 days of grace",
    ]);
  });
});
