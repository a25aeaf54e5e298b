import type { StackConfig } from "../../config";
import type { AlertSpec } from "../metrics/alerts";

/**
 * An alert on one of the platform's own components: it carries `component` where an application's
 * alert carries `service`, and the platform's owner team (`metrics.ownerTeam`).
 */
export type PlatformAlertSpec = AlertSpec & { component: string; scope: "platform" };

/** One watched part of the platform: how Prometheus sees it, and its alerts. */
export interface PlatformComponent {
  component: string;
  /** What scrapes or probes it, for summary.md. */
  watchedBy(config: StackConfig): string;
  alerts: readonly PlatformAlertSpec[];
}
