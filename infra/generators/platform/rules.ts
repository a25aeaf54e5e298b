import { type PromRule, type RuleFile, runbookUrl } from "../metrics/rules";
import { resolveMetrics } from "../metrics/settings";
import { ECK_OPERATOR_ALERTS } from "./eck-operator";
import { FILEBEAT_ALERTS } from "./filebeat";
import { GRAFANA_ALERTS } from "./grafana";
import { KIBANA_ALERTS } from "./kibana";
import { LOGGING_SETTINGS_ALERTS } from "./logging-settings";
import { LOGSTASH_ALERTS } from "./logstash";
import { THANOS_ALERTS } from "../thanos/alerts";
import { COMPONENTS, type PlatformAlertSpec, type PlatformInput } from "./types";

/** Every alert on the platform's own parts (Thanos's included), in COMPONENTS order. docs/alerts.md and the summary read it. */
export const PLATFORM_ALERTS: readonly PlatformAlertSpec[] = [
  ...LOGSTASH_ALERTS,
  ...FILEBEAT_ALERTS,
  ...KIBANA_ALERTS,
  ...ECK_OPERATOR_ALERTS,
  ...LOGGING_SETTINGS_ALERTS,
  ...GRAFANA_ALERTS,
  ...THANOS_ALERTS,
];

/**
 * One rule per alert with the platform's labels: `priority`, `team` (the owner team,
 * metrics.ownerTeam) and `component`; its description ends with why this priority, as every
 * application alert's does, so Alertmanager routes it by priority and team like any other.
 */
export function platformAlertRule(spec: PlatformAlertSpec, config: PlatformInput): PromRule {
  return {
    alert: spec.alert,
    expr: spec.expr(config),
    ...(spec.for ? { for: spec.for } : {}),
    labels: { priority: spec.priority, team: resolveMetrics(config).ownerTeam, component: spec.component },
    annotations: {
      summary: spec.summary,
      description: `${spec.description} Priority ${spec.priority}: ${spec.reason}.`,
      runbook_url: runbookUrl(config, spec.runbook),
    },
  };
}

/** The platform's rule file: one group per component, `platform.<component>.alerts`. */
export function platformRuleFile(config: PlatformInput): RuleFile {
  return {
    groups: COMPONENTS.map((component) => ({
      name: `platform.${component}.alerts`,
      rules: PLATFORM_ALERTS.filter((a) => a.component === component).map((a) =>
        platformAlertRule(a, config),
      ),
    })).filter((g) => g.rules.length > 0),
  };
}
