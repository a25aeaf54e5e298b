import type { SentryConfig, StackConfig } from "../../config";

export const SENTRY_PROJECT_KINDS = ["backend", "frontend"] as const;
export type SentryProjectKind = (typeof SENTRY_PROJECT_KINDS)[number];

/** Sentry platform ids of the spec's two applications (Django backend, Next.js frontend). */
export const SENTRY_PLATFORMS: Readonly<Record<SentryProjectKind, string>> = {
  backend: "python-django",
  frontend: "javascript-nextjs",
};

/** The settings the application's Sentry SDK reads from the stack outputs (the spec's init code). */
export interface SdkSettings {
  tracesSampleRate: number;
  /** `environment` of sentry_sdk.init / Sentry.init: the stack's environment, not NODE_ENV. */
  environment: string;
  /**
   * The variable holding the `release` the SDK reports (the deployed commit), which the
   * sentry-release workflow creates in Sentry. Next.js inlines only NEXT_PUBLIC_ variables into
   * the browser bundle.
   */
  releaseEnv: string;
}

/** Where each application reads its release from (see SdkSettings.releaseEnv). */
export const SENTRY_RELEASE_ENV: Readonly<Record<SentryProjectKind, string>> = {
  backend: "SENTRY_RELEASE",
  frontend: "NEXT_PUBLIC_SENTRY_RELEASE",
};

export interface SentryProjectSpec {
  kind: SentryProjectKind;
  slug: string;
  name: string;
  platform: string;
  /** Names (config.teams) of the teams that own the project and receive its alerts. */
  teams: string[];
  sdk: SdkSettings;
  rateLimit: { count: number; windowSeconds: number };
}

type Cfg = Pick<StackConfig, "environment" | "teams" | "services" | "sentry">;

export const sentryTeamSlug = (sentry: Pick<SentryConfig, "slugPrefix">, team: string): string =>
  `${sentry.slugPrefix}-${team}`;

/**
 * Owners: the teams of the services of that kind (workers report to the backend project); a
 * stack without such services gives the project to every team so that alerts reach someone.
 */
export function projectOwners(
  config: Pick<StackConfig, "teams" | "services">,
  kind: SentryProjectKind,
): string[] {
  const kinds = kind === "backend" ? ["backend", "worker"] : ["frontend"];
  const owners = new Set(config.services.filter((s) => kinds.includes(s.kind)).map((s) => s.team));
  const ordered = config.teams.map((t) => t.name).filter((t) => owners.has(t));
  return ordered.length > 0 ? ordered : config.teams.map((t) => t.name);
}

export function sentryProjects(config: Cfg): SentryProjectSpec[] {
  return SENTRY_PROJECT_KINDS.map((kind) => {
    const p = config.sentry[kind];
    return {
      kind,
      slug: `${config.sentry.slugPrefix}-${kind}`,
      name: `${config.environment} ${kind}`,
      platform: SENTRY_PLATFORMS[kind],
      teams: projectOwners(config, kind),
      sdk: {
        tracesSampleRate: p.tracesSampleRate,
        environment: config.environment,
        releaseEnv: SENTRY_RELEASE_ENV[kind],
      },
      rateLimit: { ...p.rateLimit },
    };
  });
}
