/**
 * The few calls to Sentry's REST API that the data-scrubbing dynamic provider makes. Plain
 * TypeScript on the global fetch, with no imports, because Pulumi serialises the provider and
 * everything it references into the state and runs it from there.
 */

/** A project's server-side scrubbing options, with the field names of Sentry's project API. */
export interface ScrubbingSettings {
  dataScrubber: boolean;
  dataScrubberDefaults: boolean;
  scrubIPAddresses: boolean;
  sensitiveFields: string[];
  safeFields: string[];
}

export interface SentryProjectRef {
  /** e.g. https://sentry.io, without a trailing slash. */
  baseUrl: string;
  organization: string;
  project: string;
}

/** What a new Sentry project has; a deleted resource puts these back. */
export const SENTRY_DEFAULT_SCRUBBING: ScrubbingSettings = {
  dataScrubber: true,
  dataScrubberDefaults: true,
  scrubIPAddresses: false,
  sensitiveFields: [],
  safeFields: [],
};

export class SentryApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Sentry API ${method} ${path} failed with HTTP ${status}: ${body}`);
    this.name = "SentryApiError";
  }
}

export const projectPath = (ref: SentryProjectRef): string =>
  `/api/0/projects/${encodeURIComponent(ref.organization)}/${encodeURIComponent(ref.project)}/`;

async function call(
  ref: SentryProjectRef,
  token: string,
  method: "GET" | "PUT",
  body?: unknown,
): Promise<unknown> {
  const path = projectPath(ref);
  const res = await fetch(`${ref.baseUrl.replace(/\/+$/, "")}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new SentryApiError(method, path, res.status, text);
  return text === "" ? {} : JSON.parse(text);
}

/** Picks the scrubbing options out of a project document (the API returns the whole project). */
export function scrubbingOf(project: unknown): ScrubbingSettings {
  const p = (project ?? {}) as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return {
    dataScrubber: p.dataScrubber !== false,
    dataScrubberDefaults: p.dataScrubberDefaults !== false,
    scrubIPAddresses: p.scrubIPAddresses === true,
    sensitiveFields: list(p.sensitiveFields),
    safeFields: list(p.safeFields),
  };
}

export async function getScrubbing(ref: SentryProjectRef, token: string): Promise<ScrubbingSettings> {
  return scrubbingOf(await call(ref, token, "GET"));
}

/** PUT only the scrubbing options: the project's other settings stay as they are. */
export async function putScrubbing(
  ref: SentryProjectRef,
  token: string,
  settings: ScrubbingSettings,
): Promise<ScrubbingSettings> {
  const body: ScrubbingSettings = {
    dataScrubber: settings.dataScrubber,
    dataScrubberDefaults: settings.dataScrubberDefaults,
    scrubIPAddresses: settings.scrubIPAddresses,
    sensitiveFields: settings.sensitiveFields,
    safeFields: settings.safeFields,
  };
  return scrubbingOf(await call(ref, token, "PUT", body));
}

/** Field lists are sets to Sentry: order and case do not matter. */
export function sameScrubbing(a: ScrubbingSettings, b: ScrubbingSettings): boolean {
  const set = (l: string[]) => JSON.stringify([...new Set(l.map((f) => f.toLowerCase()))].sort());
  return (
    a.dataScrubber === b.dataScrubber &&
    a.dataScrubberDefaults === b.dataScrubberDefaults &&
    a.scrubIPAddresses === b.scrubIPAddresses &&
    set(a.sensitiveFields) === set(b.sensitiveFields) &&
    set(a.safeFields) === set(b.safeFields)
  );
}
