import { beforeAll, describe, expect, it } from "vitest";
import type { RenderResult } from "../../scripts/lib/offline";
import { renderFiles } from "../../scripts/lib/offline";
import { one, ofType, render } from "../helpers/render";

let result: RenderResult;
beforeAll(async () => {
  result = await render("prod");
});

describe("Sentry component (prod)", () => {
  it("protects the projects (they hold the error history) but not teams, keys or alerts", () => {
    for (const p of ofType(result, "sentry:index/sentryProject:SentryProject")) {
      expect(p.protect, p.name).toBe(true);
      expect(p.retainOnDelete, p.name).toBe(true);
    }
    for (const type of ["sentryTeam:SentryTeam", "sentryKey:SentryKey", "sentryIssueAlert:SentryIssueAlert"])
      for (const r of ofType(result, `sentry:index/${type}`)) expect(r.protect, r.name).toBe(false);
  });

  it("uses the prod slugs and thresholds", () => {
    expect(one(result, "sentry:index/sentryProject:SentryProject", "sentry-backend").inputs.slug).toBe(
      "acme-backend",
    );
    const slow = one(
      result,
      "sentry:index/sentryMetricAlert:SentryMetricAlert",
      "sentry-backend-slow-transactions",
    );
    // Per-stack projects: no environment filter (Sentry rejects one it has not seen yet).
    expect(slow.inputs.environment).toBeUndefined();
    expect((slow.inputs.triggers as Array<{ alertThreshold: number }>).map((t) => t.alertThreshold)).toEqual([
      2000, 800,
    ]);
    const rate = one(result, "sentry:index/sentryMetricAlert:SentryMetricAlert", "sentry-backend-error-rate");
    expect((rate.inputs.triggers as Array<{ alertThreshold: number }>).map((t) => t.alertThreshold)).toEqual([
      0.05, 0.01,
    ]);
    const spike = one(
      result,
      "sentry:index/sentryIssueAlert:SentryIssueAlert",
      "sentry-frontend-event-spike",
    );
    expect(spike.inputs.conditions).toMatchObject([{ value: "500", interval: "1h" }]);
    expect(one(result, "sentry:index/sentryKey:SentryKey", "sentry-backend-key").inputs.rateLimitCount).toBe(
      5000,
    );
  });

  it("keeps DSNs secret in the outputs and lists them as [secret] in the summary", () => {
    const files = renderFiles(result);
    const outputs = JSON.parse(files.find((f) => f.path === "outputs.json")!.content);
    expect(outputs.sentry.projects.backend.dsn).toBe("[secret]");
    expect(outputs.sentry.projects.frontend.dsn).toBe("[secret]");
    expect(outputs.sentry.projects.backend.sdk).toEqual({ tracesSampleRate: 1, environment: "prod" });
    const summary = files.find((f) => f.path === "summary.md")!.content;
    expect(summary).toContain("## Error tracking (Sentry)");
    expect(summary).toMatch(/\| `acme-frontend` \| javascript-nextjs \| `acme-web` \| 0\.1 \| prod \|/);
    expect(summary).toContain(
      "| backend | prod backend: error rate: `failure_rate()` critical > 5% over 5 min | P1 (phone) | PagerDuty service 100004 |",
    );
    expect(summary).toContain(
      "| frontend | [P3] prod frontend: new issue | P3 (slack) | Slack #web-alerts |",
    );
    for (const f of files) expect(f.content, f.path).not.toContain("offline-placeholder");
  });
});
