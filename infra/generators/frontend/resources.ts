import type { Priority } from "../../catalog/alert-levels";
import type { SecretKey, StackConfig } from "../../config";
import { integrationKeyRef } from "../alerting/pagerduty";
import { type DerivedSecret, ref, secretRef } from "../refs";
import {
  browserAppName,
  type NrRoutingSpec,
  newRelicConditions,
  newRelicRouting,
  usedPriorities,
} from "./new-relic";

type Cfg = Parameters<typeof newRelicConditions>[0];

/**
 * Authorization headers New Relic's webhooks send, each `<scheme> <secret>` from a config secret:
 * the derived secret the component builds, by the name the destinations reference.
 */
export const AUTHORIZATION_HEADERS = {
  opsgenieAuthorization: { scheme: "GenieKey", secretKey: "opsgenieApiKey" },
  slackAuthorization: { scheme: "Bearer", secretKey: "slackBotToken" },
} as const satisfies Partial<Record<DerivedSecret, { scheme: string; secretKey: SecretKey }>>;

const HEADER_OF = { opsgenieHeader: "opsgenieAuthorization", slackHeader: "slackAuthorization" } as const;

/** What fills a destination's credential: the channel's secret, or the header built from it. */
function credentialArgs(
  r: NrRoutingSpec,
  base: { type: string; properties: NrRoutingSpec["destination"]["properties"] },
) {
  const cred = r.destination.credential;
  if (!cred) return base;
  switch (cred.use) {
    case "authToken":
      return {
        ...base,
        authToken: {
          prefix: "Token token=",
          token: cred.pagerdutyTeam ? integrationKeyRef(cred.pagerdutyTeam) : secretRef(cred.secretKey),
        },
      };
    case "opsgenieHeader":
    case "slackHeader":
      return {
        ...base,
        authCustomHeaders: [{ key: "Authorization", value: secretRef(HEADER_OF[cred.use]) }],
      };
  }
}

/**
 * New Relic's resources for one stack, as the provider takes them: the Browser application and,
 * per priority with a condition, an alert policy, its NRQL conditions, a notification destination
 * with its channels, and the workflow that routes the policy's issues to them. Ids New Relic
 * assigns are references: `policy:<P>`, `destination:<P>`, `channel:<P>:<suffix>`.
 */
export function newRelicResources(config: Cfg & Pick<StackConfig, "frontend">) {
  const nr = config.frontend.newRelic;
  if (!nr.enabled) return undefined;
  const accountId = nr.accountId;
  const appName = browserAppName(config);
  const conditions = newRelicConditions(config);
  const perPriority = (priority: Priority) => {
    const routing = newRelicRouting(config, priority);
    const policyId = ref(`policy:${priority}`);
    return {
      priority,
      policy: { accountId, name: `${appName} ${priority}`, incidentPreference: "PER_CONDITION" },
      conditions: Object.fromEntries(
        conditions
          .filter((c) => c.priority === priority)
          .map((c) => [
            c.key,
            {
              accountId,
              policyId,
              name: c.name,
              type: "static",
              nrql: { query: c.nrql },
              critical: {
                operator: "above",
                threshold: c.threshold,
                thresholdDuration: c.thresholdDurationSeconds,
                thresholdOccurrences: "all",
              },
              aggregationWindow: c.aggregationWindowSeconds,
              aggregationMethod: "event_flow",
              aggregationDelay: "120",
              // No page views is not an incident (quiet nights in dev).
              fillOption: "none",
              violationTimeLimitSeconds: 86_400,
            },
          ]),
      ),
      destination: {
        accountId,
        name: `${appName} ${priority} ${routing.kind}`,
        ...credentialArgs(routing, {
          type: routing.destination.type,
          properties: routing.destination.properties,
        }),
      },
      channels: Object.fromEntries(
        routing.channels.map((c) => [
          c.suffix,
          {
            accountId,
            name: `${appName} ${priority} ${c.suffix}`,
            type: c.type,
            product: "IINT",
            destinationId: ref(`destination:${priority}`),
            properties: c.properties,
          },
        ]),
      ),
      workflow: {
        accountId,
        name: `${appName} ${priority}`,
        mutingRulesHandling: "DONT_NOTIFY_FULLY_MUTED_ISSUES",
        issuesFilter: {
          name: `${appName} ${priority} policy`,
          type: "FILTER",
          predicates: [{ attribute: "labels.policyIds", operator: "EXACTLY_MATCHES", values: [policyId] }],
        },
        destinations: routing.channels.map((c) => ({
          channelId: ref(`channel:${priority}:${c.suffix}`),
          notificationTriggers: ["ACTIVATED", "CLOSED"],
        })),
      },
    };
  };
  return {
    provider: { accountId, apiKey: secretRef("newrelicApiKey"), region: nr.region },
    browserApplication: {
      accountId,
      name: appName,
      loaderType: nr.loaderType,
      distributedTracingEnabled: true,
      cookiesEnabled: true,
    },
    priorities: usedPriorities(conditions).map(perPriority),
  };
}
