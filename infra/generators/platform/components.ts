import { elasticsearchComponent } from "./elasticsearch";
import type { PlatformComponent } from "./types";

/**
 * The platform's parts whose alerts are groups (`<component>.alerts`) of prometheus/rules.yaml,
 * deployed, routed and documented like the applications' alerts. The logging pipeline's and
 * Grafana's are in prometheus/platform-rules.yaml (./rules.ts).
 */
export const PLATFORM_COMPONENTS: readonly PlatformComponent[] = [elasticsearchComponent];

export const COMPONENT_ALERTS = PLATFORM_COMPONENTS.flatMap((c) => c.alerts);
