export * from "./load";
export * from "./schema";
export * from "./secrets";
export type { LoggingConfig } from "./logging";
export type { SentryConfig } from "./sentry";
export type { ServiceConfig } from "./services";
export type { TeamConfig, TeamPagerdutyConfig } from "./teams";
