import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScrubbingState } from "../../infra/components/sentry-api-provider.cjs";
import { alertChannels } from "../../infra/generators/alerting/channels";
import { projectOwners, SENTRY_PROJECT_KINDS } from "../../infra/generators/sentry";
import { isSecret } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { renderFiles } from "../../scripts/lib/render-files";
import { one, ofType, rendered, STACKS } from "../helpers/render";

const T = {
  team: "sentry:index/sentryTeam:SentryTeam",
  project: "sentry:index/sentryProject:SentryProject",
  key: "sentry:index/sentryKey:SentryKey",
  issue: "sentry:index/sentryIssueAlert:SentryIssueAlert",
  metric: "pulumi-nodejs:dynamic/sentry:MetricAlertRule",
  provider: "pulumi:providers:sentry",
  scrubbing: "pulumi-nodejs:dynamic/sentry:DataScrubbing",
};
type Trigger = { label: string; alertThreshold: number; actions: Record<string, unknown>[] };

describe.each(STACKS)("Sentry component (%s)", (stack) => {
  let result: RenderResult;
  const s = () => result.config.sentry;
  const slug = (name: string) => `${s().slugPrefix}-${name}`;
  /** A metric alert rule as the REST provider sends it. */
  const ruleOf = (name: string) => one(result, T.metric, name).inputs.rule as Record<string, unknown>;
  beforeAll(() => {
    result = rendered(stack);
  });

  it("creates one Sentry team per owning team, slugs prefixed", () => {
    expect(ofType(result, T.team).map((r) => r.inputs.slug)).toEqual(
      result.config.teams.map((t) => slug(t.name)),
    );
    for (const t of ofType(result, T.team)) expect(t.inputs.organization).toBe(s().organization);
  });

  it("creates the backend (Django) and frontend (Next.js) projects, owned by their services' teams", () => {
    const platforms = { backend: "python-django", frontend: "javascript-nextjs" };
    for (const kind of SENTRY_PROJECT_KINDS) {
      const project = one(result, T.project, `sentry-${kind}`);
      expect(project.inputs).toMatchObject({
        slug: slug(kind),
        platform: platforms[kind],
        teams: projectOwners(result.config, kind).map(slug),
      });
      // A project holds the error history: protected in production.
      expect(project.protect, kind).toBe(result.config.production);
      expect(project.retainOnDelete, kind).toBe(result.config.production);
    }
    for (const type of [T.team, T.key, T.issue, T.metric])
      for (const r of ofType(result, type)) expect(r.protect, r.name).toBe(false);
  });

  it("gives each project a client key with the configured rate limit", () => {
    for (const kind of SENTRY_PROJECT_KINDS)
      expect(one(result, T.key, `sentry-${kind}-key`).inputs).toMatchObject({
        project: slug(kind),
        rateLimitCount: s()[kind].rateLimit.count,
        rateLimitWindow: s()[kind].rateLimit.windowSeconds,
      });
  });

  it("configures the Sentry provider with the secret token", () => {
    const [provider] = ofType(result, T.provider);
    expect(provider!.inputs.baseUrl).toBe(`${s().baseUrl}/api/`);
    expect(isSecret(provider!.inputs.token)).toBe(true);
  });

  it("exports DSNs as secrets and the SDK settings in plain text", () => {
    const kinds = { backend: "python-django", frontend: "javascript-nextjs" };
    expect((result.outputs as { sentry: unknown }).sentry).toEqual({
      organization: s().organization,
      projects: Object.fromEntries(
        SENTRY_PROJECT_KINDS.map((kind) => [
          kind,
          {
            slug: slug(kind),
            platform: kinds[kind],
            dsn: "[secret]",
            sdk: {
              tracesSampleRate: s()[kind].tracesSampleRate,
              environment: result.config.environment,
              // The release the SDK reports: Next.js inlines only NEXT_PUBLIC_ variables in the browser.
              releaseEnv: kind === "backend" ? "SENTRY_RELEASE" : "NEXT_PUBLIC_SENTRY_RELEASE",
            },
          },
        ]),
      ),
    });
    const outputs = JSON.parse(renderFiles(result).find((f) => f.path === "outputs.json")!.content);
    expect(outputs.sentry.projects.backend.dsn).toBe("[secret]");
  });

  it("creates the issue alerts with the configured spike and P3 Slack to the owning teams' channels", () => {
    expect(
      ofType(result, T.issue)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      SENTRY_PROJECT_KINDS.flatMap((p) =>
        ["event-spike", "new-issue", "regression"].map((k) => `sentry-${p}-${k}`),
      ),
    );
    const owners = projectOwners(result.config, "frontend");
    expect(one(result, T.issue, "sentry-frontend-new-issue").inputs).toMatchObject({
      project: slug("frontend"),
      frequency: 240,
      actions: result.config.teams
        .filter((t) => owners.includes(t.name))
        .map((t) => ({
          id: "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
          workspace: s().integrations.slackWorkspaceId,
          channel: t.slackChannel.replace(/^#/, ""),
          channel_id: t.slackChannelId,
        })),
    });
    expect(one(result, T.issue, "sentry-backend-regression").inputs.actions).toMatchObject([
      { id: "sentry.mail.actions.NotifyEmailAction", targetType: "Team" },
    ]);
    expect(one(result, T.issue, "sentry-frontend-event-spike").inputs.conditions).toMatchObject([
      { value: String(s().frontend.alerts.spikeEventsPerHour), interval: "1h" },
    ]);
  });

  it("creates metric alerts with the configured thresholds: error rate pages, slowness mails", () => {
    const triggers = (name: string) => ruleOf(name).triggers as Trigger[];
    const rate = s().backend.alerts.errorRatePercent;
    const [critical, warning] = triggers("sentry-backend-error-rate");
    const paging = s().integrations.paging;
    expect(critical).toMatchObject({ label: "critical", alertThreshold: rate.critical / 100 });
    expect(critical!.actions).toEqual([
      expect.objectContaining({
        type: result.config.alerting.pagingProvider,
        targetType: "specific",
        targetIdentifier: paging.targetId,
        integrationId: Number(paging.integrationId),
      }),
    ]);
    expect(warning).toMatchObject({ label: "warning", alertThreshold: rate.warning / 100 });
    expect(warning!.actions).toMatchObject([{ type: "email", targetType: "team" }]);
    const slow = s().backend.alerts.slowTransactionP95Ms;
    expect(triggers("sentry-backend-slow-transactions").map((t) => t.alertThreshold)).toEqual([
      slow.critical,
      slow.warning,
    ]);
    // Per-stack projects: no environment filter (Sentry rejects one it has not seen yet).
    expect(ruleOf("sentry-backend-slow-transactions").environment).toBeUndefined();
    // The P3 warning reaches each owning team's Slack channel by name and id; the token is secret.
    const owners = projectOwners(result.config, "backend");
    const slackActions = triggers("sentry-backend-slow-transactions")[1]!.actions.filter(
      (a) => a.type === "slack",
    );
    expect(alertChannels(result.config).P3.kind).toBe("slack");
    expect(slackActions).toEqual(
      result.config.teams
        .filter((t) => owners.includes(t.name))
        .map((t) => ({
          type: "slack",
          targetType: "specific",
          targetIdentifier: t.slackChannel.replace(/^#/, ""),
          integrationId: Number(s().integrations.slackWorkspaceId),
          inputChannelId: t.slackChannelId,
        })),
    );
    for (const r of ofType(result, T.metric)) {
      expect(isSecret(r.inputs.token), r.name).toBe(true);
      expect((r.inputs.rule as { projects: unknown }).projects, r.name).toHaveLength(1);
    }
  });

  it("applies data scrubbing per project with a secret token", () => {
    const scrub = ofType(result, T.scrubbing);
    expect(scrub.map((x) => x.inputs.project).sort()).toEqual(SENTRY_PROJECT_KINDS.map(slug).sort());
    for (const x of scrub) {
      expect(isSecret(x.inputs.token)).toBe(true);
      expect(x.inputs.settings).toEqual({
        dataScrubber: s().scrubbing.dataScrubber,
        dataScrubberDefaults: s().scrubbing.dataScrubberDefaults,
        scrubIPAddresses: s().scrubbing.scrubIpAddresses,
        sensitiveFields: s().scrubbing.sensitiveFields,
        safeFields: s().scrubbing.safeFields,
      });
    }
  });

  it("renders no token placeholder or DSN-looking value into any file; the summary says the DSNs are secret", () => {
    const files = renderFiles(result);
    for (const f of files) {
      expect(f.content, f.path).not.toContain("offline-placeholder");
      expect(f.content, f.path).not.toMatch(/https?:\/\/[0-9a-f]{16,}(:[0-9a-f]+)?@/);
    }
    const summary = files.find((f) => f.path === "summary.md")!.content;
    expect(summary).toContain("## Error tracking (Sentry)");
    expect(summary).toContain("`sentry.projects.backend.dsn` = [secret]");
  });

  describe("the serialised data-scrubbing provider (what Pulumi stores and runs)", () => {
    let server: Server;
    let baseUrl: string;
    const seen: Array<{ method?: string; url?: string; auth?: string; body: unknown }> = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => {
          body += c;
        });
        req.on("end", () => {
          seen.push({
            method: req.method,
            url: req.url,
            auth: req.headers.authorization,
            body: JSON.parse(body),
          });
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(body || "{}");
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
    });

    it("is self-contained code that holds no secret and PUTs the settings when run on its own", async () => {
      const scrub = one(result, T.scrubbing, "sentry-backend-scrubbing");
      const code = scrub.inputs.__provider as string;
      expect(typeof code).toBe("string");
      expect(code).not.toContain("offline-placeholder");
      const dir = mkdtempSync(join(tmpdir(), "sentry-provider-"));
      writeFileSync(join(dir, "provider.js"), code);
      // The dynamic-provider host loads the text as a module and calls its handler.
      const provider = require(join(dir, "provider.js")).handler();
      const inputs: ScrubbingState = {
        baseUrl,
        organization: s().organization,
        project: slug("backend"),
        token: "sntrys_serialised",
        settings: scrub.inputs.settings as ScrubbingState["settings"],
      };
      const created = await provider.create(inputs);
      expect(created.id).toBe(`${s().organization}/${slug("backend")}`);
      expect(seen).toEqual([
        {
          method: "PUT",
          url: `/api/0/projects/${s().organization}/${slug("backend")}/`,
          auth: "Bearer sntrys_serialised",
          body: inputs.settings,
        },
      ]);
    });
  });
});
