import { describe, expect, it } from "vitest";
import { snapshotsWithinRetention } from "../../policy/logging";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { rendered } from "../helpers/render";
import { runPolicies, violationsOf, withStackResource } from "./harness";

const run = async (recorded: RecordedResource[]) =>
  violationsOf(await runPolicies([snapshotsWithinRetention], recorded), snapshotsWithinRetention.name);

/** The dev render, with every SLM step of the settings Jobs' plans edited. */
function devWithSlm(edit: (body: Record<string, unknown>) => void): RecordedResource[] {
  const recorded = structuredClone(withStackResource(rendered("dev")));
  for (const r of recorded) {
    const data = r.inputs.data as Record<string, unknown> | undefined;
    if (r.type !== "kubernetes:core/v1:ConfigMap" || typeof data?.["plan.json"] !== "string") continue;
    const steps = JSON.parse(data["plan.json"]) as { kind: string; body: Record<string, unknown> }[];
    for (const s of steps) if (s.kind === "slm") edit(s.body);
    data["plan.json"] = JSON.stringify(steps);
  }
  return recorded;
}

describe("snapshots-within-retention", () => {
  it("passes the dev render's SLM policies", async () => {
    expect(await run(withStackResource(rendered("dev")))).toEqual([]);
  });

  it("refuses the former nightly policy over logs-* kept 30 days with min_count 5", async () => {
    const v = await run(
      devWithSlm((b) => {
        b.config = { indices: ["logs-*"], ignore_unavailable: true, include_global_state: true };
        b.retention = { expire_after: "30d", min_count: 5, max_count: 50 };
      }),
    );
    expect(v).toContain(
      "SLM policy nightly-snapshots takes debug logs: a line can live 45 days in its snapshots (Elasticsearch 7, expire_after 30d, 1 for SLM's retention task, 7 noncurrent), retention is 7 (7 days)",
    );
    expect(v).toContain(
      "SLM policy nightly-snapshots takes application logs with min_count 5: expired snapshots, and lines ILM deleted, stay for 5 runs; use 1",
    );
  });

  it("refuses a policy without expire_after as keeping lines without end", async () => {
    const v = await run(devWithSlm((b) => (b.retention = { min_count: 1, max_count: 5 })));
    expect(v).toEqual([
      expect.stringContaining("nightly-snapshots-audit takes audit logs: a line can live without end"),
    ]);
  });
});
