import { partOf } from "../labels";
import { RULE_OBJECT_BUDGET } from "../metrics/kubernetes";
import { resolveMetrics } from "../metrics/settings";
import { eckOperatorMonitor } from "./eck-operator";
import { filebeatMonitor } from "./filebeat";
import { grafanaMonitor } from "./grafana";
import { kibanaProbe } from "./kibana";
import { logstashMonitor } from "./logstash";
import { platformRuleFile } from "./rules";
import type { PlatformInput } from "./types";

/** The platform's alert rules as one PrometheusRule beside the application rules' objects. */
export function platformPrometheusRule(config: PlatformInput) {
  const spec = platformRuleFile(config);
  const bytes = Buffer.byteLength(JSON.stringify(spec), "utf8");
  if (bytes > RULE_OBJECT_BUDGET)
    throw new Error(`the platform rules have ${bytes} bytes, over the ${RULE_OBJECT_BUDGET}-byte budget`);
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "observability-rules-platform",
      namespace: resolveMetrics(config).namespace,
      labels: partOf(),
    },
    spec,
  };
}

/** What scrapes each part: PodMonitors for sidecars and the operator, a ServiceMonitor, a Probe. */
export const platformMonitors = (config: PlatformInput) => [
  logstashMonitor(config),
  filebeatMonitor(config),
  kibanaProbe(config),
  eckOperatorMonitor(config),
  grafanaMonitor(config),
];
