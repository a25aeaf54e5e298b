import { describe, expect, it } from "vitest";
import { RETENTION } from "../../infra/catalog/retention";
import { AUDIT_LOCK_DAYS, lifecyclePlan, lifecycleRule } from "../../infra/generators/archive";
import { archiveLifecycleMatchesRetention, auditObjectLock } from "../../policy/archive";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { bucket } from "./fixtures";
import { resource, runPolicies, violationsOf } from "./harness";

type LogType = keyof typeof RETENTION;

/** The generator's lifecycle rule (the provider's input shape), optionally edited. */
function lifecycleInputs(
  name: string,
  logType: LogType,
  edit: (rule: Record<string, unknown>) => void = () => {},
) {
  const rule = structuredClone(lifecycleRule(lifecyclePlan(logType))) as unknown as Record<string, unknown>;
  edit(rule);
  return resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${name}-lifecycle`, {
    bucket: name,
    rules: [rule],
  });
}

const lock = (name: string, defaultRetention: Record<string, unknown>) =>
  resource("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", `${name}-object-lock`, {
    bucket: name,
    objectLockEnabled: "Enabled",
    rule: { defaultRetention },
  });

function archive(
  opts: {
    edit?: Partial<Record<LogType, (rule: Record<string, unknown>) => void>>;
    audit?: RecordedResource[];
  } = {},
) {
  return (Object.keys(RETENTION) as LogType[]).flatMap((t) => {
    const name = `acme-${t}-logs`;
    const extra = [lifecycleInputs(name, t, opts.edit?.[t])];
    if (t === "audit")
      extra.push(...(opts.audit ?? [lock(name, { mode: "COMPLIANCE", days: AUDIT_LOCK_DAYS })]));
    return bucket({ name, tags: { "log-type": t }, objectLockEnabled: t === "audit", extra });
  });
}

describe("archive-lifecycle-matches-retention", () => {
  const run = async (resources: RecordedResource[]) =>
    violationsOf(
      await runPolicies([archiveLifecycleMatchesRetention], resources),
      archiveLifecycleMatchesRetention.name,
    );

  it("passes lifecycle rules built from the retention table", async () => {
    expect(await run(archive())).toEqual([]);
  });
  it("flags an expiration that differs from the retention table", async () => {
    const v = await run(archive({ edit: { security: (r) => (r.expiration = { days: 90 }) } }));
    expect(v).toContain(
      `log-archive bucket acme-security-logs: security: expires after 90 days, retention table says ${RETENTION.security.days}`,
    );
  });
  it("flags a missing lifecycle, a rule without expiration and a rule that covers only a prefix", async () => {
    const noLifecycle = archive().filter((r) => r.name !== "acme-debug-logs-lifecycle");
    expect(await run(noLifecycle)).toEqual([
      "log-archive bucket acme-debug-logs (debug logs) has no lifecycle configuration: objects would be kept forever instead of 7 days",
    ]);
    const noExpiration = await run(archive({ edit: { application: (r) => delete r.expiration } }));
    expect(noExpiration).toEqual([
      "log-archive bucket acme-application-logs: lifecycle rule application-retention-30d has an enabled rule without an expiration in days",
    ]);
    const prefixOnly = await run(archive({ edit: { application: (r) => (r.filter = { prefix: "app/" }) } }));
    expect(prefixOnly).toEqual([expect.stringContaining("no enabled lifecycle rule covers every object")]);
  });
  it("flags transitions S3 would bill for longer than they save", async () => {
    const v = await run(
      archive({ edit: { security: (r) => (r.transitions = [{ days: 300, storageClass: "DEEP_ARCHIVE" }]) } }),
    );
    expect(v).toEqual([
      expect.stringContaining("objects stay 65 days in DEEP_ARCHIVE, which bills at least 180"),
    ]);
  });
});

describe("audit-object-lock-compliance", () => {
  const run = async (resources: RecordedResource[]) =>
    violationsOf(await runPolicies([auditObjectLock], resources), auditObjectLock.name);

  it(`passes COMPLIANCE for ${AUDIT_LOCK_DAYS} days or 7 years`, async () => {
    expect(await run(archive())).toEqual([]);
    expect(
      await run(archive({ audit: [lock("acme-audit-logs", { mode: "COMPLIANCE", years: 7 })] })),
    ).toEqual([]);
  });
  it("flags GOVERNANCE mode in a production stack, accepts it elsewhere", async () => {
    const governance = archive({
      audit: [lock("acme-audit-logs", { mode: "GOVERNANCE", days: AUDIT_LOCK_DAYS })],
    });
    // The same resources as the prod stack would record them.
    const inProd = JSON.parse(JSON.stringify(governance).replaceAll("urn:pulumi:dev::", "urn:pulumi:prod::"));
    expect(await run(inProd)).toEqual([
      "audit bucket acme-audit-logs: Object Lock mode is GOVERNANCE, expected COMPLIANCE in a production stack (GOVERNANCE can be bypassed)",
    ]);
    expect(await run(governance)).toEqual([]);
  });
  it("flags a shorter retention and a missing lock", async () => {
    expect(
      await run(archive({ audit: [lock("acme-audit-logs", { mode: "COMPLIANCE", days: 365 })] })),
    ).toEqual([
      `audit bucket acme-audit-logs: Object Lock retention is 365 days, expected at least ${AUDIT_LOCK_DAYS} (7 years)`,
    ]);
    expect(await run(archive({ audit: [] }))).toEqual([
      "audit bucket acme-audit-logs has no Object Lock default retention: audit logs could be deleted before 7 years",
    ]);
  });
  it("flags an archive without an audit bucket and is not applicable without an archive", async () => {
    const noAudit = archive().filter((r) => !r.name.startsWith("acme-audit-logs"));
    expect(await run(noAudit)).toEqual([expect.stringContaining("has no audit-log bucket")]);
    const r = await runPolicies([auditObjectLock], bucket({ name: "unrelated" }));
    expect(r.violations).toEqual([]);
    expect(r.notApplicable).toEqual([
      { policy: auditObjectLock.name, reason: "the stack has no log-archive buckets" },
    ]);
  });
});

describe("lifecycle rules as the provider's state holds them", () => {
  it("reads a filter whose unused keys are null as covering every object", async () => {
    const stateShaped = archive({
      edit: { debug: (r) => (r.filter = { prefix: "", and: null, tag: null, objectSizeGreaterThan: null }) },
    });
    expect(
      violationsOf(
        await runPolicies([archiveLifecycleMatchesRetention], stateShaped),
        archiveLifecycleMatchesRetention.name,
      ),
    ).toEqual([]);
  });
});
