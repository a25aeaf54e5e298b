import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScrubbingState } from "../../infra/components/sentry-scrubbing";
import { sentryActionsFor } from "../../infra/generators/sentry";
import type { RenderResult } from "../../scripts/lib/offline";
import { renderFiles } from "../../scripts/lib/offline";
import { one, ofType, render } from "../helpers/render";

const T = {
  team: "sentry:index/sentryTeam:SentryTeam",
  project: "sentry:index/sentryProject:SentryProject",
  key: "sentry:index/sentryKey:SentryKey",
  issue: "sentry:index/sentryIssueAlert:SentryIssueAlert",
  metric: "sentry:index/sentryMetricAlert:SentryMetricAlert",
  provider: "pulumi:providers:sentry",
  scrubbing: "pulumi-nodejs:dynamic/sentry:DataScrubbing",
};

const SIG = "4dabf18193072939515e22adb298388d";
const isSecret = (v: unknown): boolean =>
  !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG] !== undefined;

let result: RenderResult;
beforeAll(async () => {
  result = await render("dev");
});

describe("Sentry component (dev)", () => {
  it("creates one Sentry team per owning team, slugs prefixed", () => {
    expect(ofType(result, T.team).map((r) => r.inputs.slug)).toEqual(["acme-dev-platform", "acme-dev-web"]);
    for (const t of ofType(result, T.team)) expect(t.inputs.organization).toBe("acme");
  });

  it("creates the backend (python-django) and frontend (javascript-nextjs) projects owned by their teams", () => {
    expect(one(result, T.project, "sentry-backend").inputs).toMatchObject({
      slug: "acme-dev-backend",
      platform: "python-django",
      teams: ["acme-dev-platform"],
    });
    expect(one(result, T.project, "sentry-frontend").inputs).toMatchObject({
      slug: "acme-dev-frontend",
      platform: "javascript-nextjs",
      teams: ["acme-dev-web"],
    });
    // dev is not production: nothing protected.
    expect(ofType(result, T.project).every((p) => !p.protect && !p.retainOnDelete)).toBe(true);
  });

  it("gives each project a client key with the configured rate limit", () => {
    for (const kind of ["backend", "frontend"] as const) {
      const key = one(result, T.key, `sentry-${kind}-key`);
      expect(key.inputs).toMatchObject({
        project: `acme-dev-${kind}`,
        rateLimitCount: result.config.sentry[kind].rateLimit.count,
        rateLimitWindow: result.config.sentry[kind].rateLimit.windowSeconds,
      });
    }
  });

  it("configures the Sentry provider with the secret token", () => {
    const [provider] = ofType(result, T.provider);
    expect(provider!.inputs.baseUrl).toBe("https://sentry.io/api/");
    expect(isSecret(provider!.inputs.token)).toBe(true);
  });

  it("exports DSNs as secrets and the SDK settings in plain text", () => {
    const sentry = (result.outputs as { sentry: Record<string, unknown> }).sentry;
    expect(sentry).toEqual({
      organization: "acme",
      projects: {
        backend: {
          slug: "acme-dev-backend",
          platform: "python-django",
          dsn: "[secret]",
          sdk: { tracesSampleRate: 1, environment: "dev" },
        },
        frontend: {
          slug: "acme-dev-frontend",
          platform: "javascript-nextjs",
          dsn: "[secret]",
          sdk: { tracesSampleRate: 0.1, environment: "dev" },
        },
      },
    });
    const outputsJson = renderFiles(result).find((f) => f.path === "outputs.json")!.content;
    expect(JSON.parse(outputsJson).sentry.projects.backend.dsn).toBe("[secret]");
  });

  it("creates the issue and metric alerts with actions resolved per priority", () => {
    expect(
      ofType(result, T.issue)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      ["backend", "frontend"].flatMap((p) =>
        ["event-spike", "new-issue", "regression"].map((k) => `sentry-${p}-${k}`),
      ),
    );
    const newIssue = one(result, T.issue, "sentry-frontend-new-issue");
    expect(newIssue.inputs).toMatchObject({
      project: "acme-dev-frontend",
      frequency: 240,
      actions: [
        {
          id: "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
          workspace: "100001",
          channel: "#web-alerts",
        },
      ],
    });
    const regression = one(result, T.issue, "sentry-backend-regression");
    expect(regression.inputs.actions).toMatchObject([
      { id: "sentry.mail.actions.NotifyEmailAction", targetType: "Team" },
    ]);

    const rate = one(result, T.metric, "sentry-backend-error-rate");
    const [critical, warning] = rate.inputs.triggers as Array<Record<string, unknown>>;
    expect(critical).toMatchObject({
      label: "critical",
      alertThreshold: 0.05,
      actions: [
        { type: "pagerduty", targetType: "specific", targetIdentifier: "100003", integrationId: 100002 },
      ],
    });
    expect(warning).toMatchObject({
      label: "warning",
      alertThreshold: 0.02,
      actions: [{ type: "email", targetType: "team" }],
    });
    expect(sentryActionsFor(result.config, "P1", ["platform"])[0]!.kind).toBe("pagerduty");
  });

  it("applies data scrubbing per project with a secret token", () => {
    const scrub = ofType(result, T.scrubbing);
    expect(scrub.map((s) => s.inputs.project).sort()).toEqual(["acme-dev-backend", "acme-dev-frontend"]);
    for (const s of scrub) {
      expect(isSecret(s.inputs.token)).toBe(true);
      expect(s.inputs.settings).toEqual({
        dataScrubber: true,
        dataScrubberDefaults: true,
        scrubIPAddresses: true,
        sensitiveFields: result.config.sentry.scrubbing.sensitiveFields,
        safeFields: [],
      });
    }
  });

  it("renders no token placeholder or DSN-looking value into any file", () => {
    for (const f of renderFiles(result)) {
      expect(f.content, f.path).not.toContain("offline-placeholder-sentryAuthToken");
      expect(f.content, f.path).not.toMatch(/https?:\/\/[0-9a-f]{16,}(:[0-9a-f]+)?@/);
    }
    const summary = renderFiles(result).find((f) => f.path === "summary.md")!.content;
    expect(summary).toContain("`sentry.projects.backend.dsn` = [secret]");
  });
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
      organization: "acme",
      project: "acme-dev-backend",
      token: "sntrys_serialised",
      settings: scrub.inputs.settings as ScrubbingState["settings"],
    };
    const created = await provider.create(inputs);
    expect(created.id).toBe("acme/acme-dev-backend");
    expect(seen).toEqual([
      {
        method: "PUT",
        url: "/api/0/projects/acme/acme-dev-backend/",
        auth: "Bearer sntrys_serialised",
        body: inputs.settings,
      },
    ]);
  });
});
