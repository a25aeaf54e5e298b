import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  provider,
  SENTRY_DEFAULT_SCRUBBING,
  SentryApiError,
  type ScrubbingSettings,
  type ScrubbingState,
} from "../../infra/components/sentry-scrubbing-provider.cjs";

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A stand-in for Sentry's project API on loopback: records requests, answers like Sentry. */
let server: Server;
let baseUrl: string;
const requests: Recorded[] = [];
/** Project documents by path; a path missing here answers 404. */
const projects = new Map<string, Record<string, unknown>>();
let failNext: { status: number; body: string } | undefined;

const PATH = "/api/0/projects/acme/acme-dev-backend/";
const TOKEN = "sntrys_test-token-value";
const settings: ScrubbingSettings = {
  dataScrubber: true,
  dataScrubberDefaults: true,
  scrubIPAddresses: true,
  sensitiveFields: ["authorization", "email"],
  safeFields: ["order_id"],
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const body = raw === "" ? undefined : JSON.parse(raw);
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
      };
      if (failNext) {
        const f = failNext;
        failNext = undefined;
        return reply(f.status, f.body);
      }
      const project = projects.get(req.url ?? "");
      if (!project) return reply(404, { detail: "The requested resource does not exist" });
      if (req.method === "PUT") Object.assign(project, body);
      reply(200, project);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  projects.clear();
  // Sentry returns the whole project, scrubbing options among many other fields.
  projects.set(PATH, {
    id: "42",
    slug: "acme-dev-backend",
    platform: "python-django",
    ...SENTRY_DEFAULT_SCRUBBING,
  });
  failNext = undefined;
});

const state = (over: Partial<ScrubbingState> = {}): ScrubbingState => ({
  baseUrl,
  organization: "acme",
  project: "acme-dev-backend",
  token: TOKEN,
  settings,
  ...over,
});

describe("Sentry data-scrubbing dynamic provider", () => {
  it("create PUTs the scrubbing options to the project with the bearer token", async () => {
    const result = await provider.create!(state());
    expect(requests).toHaveLength(1);
    const [r] = requests;
    expect(r!.method).toBe("PUT");
    expect(r!.path).toBe(PATH);
    expect(r!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r!.headers["content-type"]).toBe("application/json");
    // Only the scrubbing fields: the project's other settings are left alone.
    expect(r!.body).toEqual(settings);
    expect(result.id).toBe("acme/acme-dev-backend");
    expect(result.outs!.settings).toEqual(settings);
    expect(projects.get(PATH)).toMatchObject({ platform: "python-django", scrubIPAddresses: true });
  });

  it("diff sends no request and reports no change when nothing changed", async () => {
    const diff = await provider.diff!("acme/acme-dev-backend", state(), state());
    expect(diff.changes).toBe(false);
    expect(diff.replaces).toEqual([]);
    // Field lists are sets to Sentry: another order is not a change.
    const reordered = state({ settings: { ...settings, sensitiveFields: ["email", "authorization"] } });
    expect((await provider.diff!("acme/acme-dev-backend", state(), reordered)).changes).toBe(false);
    expect(requests).toHaveLength(0);
  });

  it("diff reports a changed option as an in-place update and a moved project as a replacement", async () => {
    const changed = state({ settings: { ...settings, scrubIPAddresses: false } });
    expect(await provider.diff!("id", state(), changed)).toMatchObject({ changes: true, replaces: [] });
    const moved = await provider.diff!("id", state(), state({ project: "acme-dev-frontend" }));
    expect(moved).toMatchObject({ changes: true, replaces: ["project"] });
    expect(requests).toHaveLength(0);
  });

  it("update PUTs only the new options, and sends nothing when only the token rotated", async () => {
    const next = state({ settings: { ...settings, safeFields: [] } });
    const out = await provider.update!("acme/acme-dev-backend", state(), next);
    expect(requests.map((r) => [r.method, r.path])).toEqual([["PUT", PATH]]);
    expect((requests[0]!.body as ScrubbingSettings).safeFields).toEqual([]);
    expect(out.outs!.settings.safeFields).toEqual([]);

    requests.length = 0;
    const rotated = await provider.update!("acme/acme-dev-backend", next, {
      ...next,
      token: "sntrys_rotated",
    });
    expect(requests).toHaveLength(0);
    expect(rotated.outs!.token).toBe("sntrys_rotated");
  });

  it("read GETs the project and reports what Sentry has now (drift)", async () => {
    projects.set(PATH, {
      ...projects.get(PATH),
      sensitiveFields: ["changed-in-ui"],
      scrubIPAddresses: false,
    });
    const read = await provider.read!("acme/acme-dev-backend", state());
    expect(requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ["GET", PATH, `Bearer ${TOKEN}`],
    ]);
    expect(read.props!.settings).toMatchObject({
      sensitiveFields: ["changed-in-ui"],
      scrubIPAddresses: false,
    });
  });

  it("delete puts Sentry's defaults back, and tolerates a project that is already gone", async () => {
    await provider.delete!("acme/acme-dev-backend", state());
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe("PUT");
    expect(requests[0]!.body).toEqual(SENTRY_DEFAULT_SCRUBBING);

    projects.clear();
    await expect(provider.delete!("acme/acme-dev-backend", state())).resolves.toBeUndefined();
  });

  it("an API error surfaces with its status and body", async () => {
    failNext = { status: 403, body: '{"detail":"You do not have permission to perform this action."}' };
    const err = await provider.create!(state()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SentryApiError);
    expect(err).toMatchObject({ status: 403, method: "PUT", path: PATH });
    expect((err as Error).message).toContain("HTTP 403");
    expect((err as Error).message).toContain("You do not have permission");
    // The token never appears in an error.
    expect((err as Error).message).not.toContain(TOKEN);
  });

  it("a 500 on delete is not mistaken for a missing project", async () => {
    failNext = { status: 500, body: "upstream timeout" };
    await expect(provider.delete!("id", state())).rejects.toMatchObject({
      status: 500,
      body: "upstream timeout",
    });
  });

  it("check rejects missing target fields and malformed field lists", async () => {
    const bad = {
      ...state(),
      project: "",
      settings: { ...settings, safeFields: "x" },
    } as unknown as ScrubbingState;
    const { failures } = await provider.check!(state(), bad);
    expect(failures?.map((f) => f.property).sort()).toEqual(["project", "settings.safeFields"]);
    expect((await provider.check!(state(), state())).failures).toEqual([]);
  });
});
