import { elasticsearchComponent } from "./elasticsearch";
import type { PlatformComponent } from "./types";

export * from "./concern";
export * from "./elasticsearch";
export type * from "./types";

/**
 * Every watched part of the platform. Each has its own rule group (`<component>.alerts`) in
 * prometheus/rules.yaml, deployed, routed and documented like the applications' alerts.
 */
export const PLATFORM_COMPONENTS: readonly PlatformComponent[] = [elasticsearchComponent];

export const PLATFORM_ALERTS = PLATFORM_COMPONENTS.flatMap((c) => c.alerts);
