import { ALERT_LEVELS, PRIORITIES, type Priority } from "../../catalog/alert-levels";
import type { SecretKey, StackConfig } from "../../config";
import { type AlertChannel, alertChannels, SLACK_POST_MESSAGE } from "../alerting/channels";
import { pagerdutyServiceName, pagerdutyTeams } from "../alerting/pagerduty";
import { projectOwners } from "../sentry/projects";

type Cfg = Pick<StackConfig, "environment" | "teams" | "services" | "alerting" | "frontend">;

/** The Browser application's name: `frontend.newRelic.appName`, by default `<environment>-frontend`. */
export const browserAppName = (config: Pick<StackConfig, "environment" | "frontend">): string =>
  config.frontend.newRelic.appName ?? `${config.environment}-frontend`;

/** NRQL string literal. */
const nrqlString = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * The event that counts the views JavaScript errors are divided by, per loader type. The SPA
 * loader records a `BrowserInteraction` for the initial page load and for every route change, and
 * a `PageView` for the initial load only: a single-page app's users see many views per `PageView`,
 * so dividing by `PageView` would inflate the rate. PRO and LITE record no interactions.
 */
export const errorRateDenominator = (
  loaderType: StackConfig["frontend"]["newRelic"]["loaderType"],
): { eventType: "BrowserInteraction" | "PageView"; label: string; short: string } =>
  loaderType === "SPA"
    ? { eventType: "BrowserInteraction", label: "page loads and route changes", short: "views" }
    : { eventType: "PageView", label: "page views", short: "page views" };

export type NrConditionKey = "lcp" | "inp" | "cls" | "js-error-rate" | "ajax-p75" | "ajax-error-rate";

export interface NrConditionSpec {
  key: NrConditionKey;
  name: string;
  priority: Priority;
  why: string;
  nrql: string;
  /** In the unit of the query's result. */
  threshold: number;
  /** How the threshold reads in the summary. */
  display: string;
  /** The value must stay above the threshold this long (seconds) before an incident opens. */
  thresholdDurationSeconds: number;
  /** Length of each aggregation window, seconds. */
  aggregationWindowSeconds: number;
}

/**
 * Web Vitals at the 75th percentile (how Google assesses them) and the JavaScript error rate.
 * Priorities: poor Web Vitals degrade every visit but break nothing, so P3; JavaScript errors on
 * more than a few percent of views (page loads, and route changes of a single-page app) mean features are broken for real users, so P2.
 */
export function newRelicConditions(config: Cfg): NrConditionSpec[] {
  const a = config.frontend.newRelic.alerts;
  const app = nrqlString(browserAppName(config));
  const views = errorRateDenominator(config.frontend.newRelic.loaderType);
  const vital = (
    key: NrConditionKey,
    label: string,
    attr: string,
    threshold: number,
    display: string,
  ): NrConditionSpec => ({
    key,
    name: `[P3] ${browserAppName(config)}: ${label} p75 above ${display}`,
    priority: "P3",
    why: "users get a poor experience, nothing is broken",
    nrql: `SELECT percentile(${attr}, 75) FROM PageViewTiming WHERE appName = ${app} AND ${attr} IS NOT NULL`,
    threshold,
    display,
    thresholdDurationSeconds: 900,
    aggregationWindowSeconds: 300,
  });
  return [
    // PageViewTiming records LCP and INP in seconds; CLS has no unit.
    vital("lcp", "Largest Contentful Paint", "largestContentfulPaint", a.lcpSeconds, `${a.lcpSeconds} s`),
    vital("inp", "Interaction to Next Paint", "interactionToNextPaint", a.inpMs / 1000, `${a.inpMs} ms`),
    vital("cls", "Cumulative Layout Shift", "cumulativeLayoutShift", a.cls, `${a.cls}`),
    {
      key: "js-error-rate",
      name: `[P2] ${browserAppName(config)}: JavaScript errors above ${a.jsErrorRatePercent} per 100 ${views.short}`,
      priority: "P2",
      why: "features are broken for real users",
      nrql: `SELECT filter(count(*), WHERE eventType() = 'JavaScriptError') * 100 / filter(count(*), WHERE eventType() = '${views.eventType}') FROM JavaScriptError, ${views.eventType} WHERE appName = ${app}`,
      threshold: a.jsErrorRatePercent,
      display: `${a.jsErrorRatePercent}%`,
      thresholdDurationSeconds: 600,
      aggregationWindowSeconds: 300,
    },
    ...ajaxConditions(config),
  ];
}

/**
 * API calls as users see them: the Browser agent's `AjaxRequest` events (fetch and XHR calls,
 * recorded by the Pro and SPA loaders since agent v1211; Lite records none). `timeToLoadEventStart`
 * is the call's time until its load event, in seconds,
 * network included; `httpResponseCode` is 0 when no answer came (network error, blocked request).
 * Slow calls degrade every view, so P3; failing calls break features, so P2 like JavaScript errors.
 */
export const AJAX_FAILED = "httpResponseCode >= 500 OR httpResponseCode = 0";
function ajaxConditions(config: Cfg): NrConditionSpec[] {
  // Lite has no AJAX feature: a condition on events that never arrive would only stay quiet.
  if (config.frontend.newRelic.loaderType === "LITE") return [];
  const a = config.frontend.newRelic.alerts;
  const app = nrqlString(browserAppName(config));
  return [
    {
      key: "ajax-p75",
      name: `[P3] ${browserAppName(config)}: API calls p75 above ${a.ajaxP75Seconds} s`,
      priority: "P3",
      why: "every API call keeps users waiting, nothing is broken",
      nrql: `SELECT percentile(timeToLoadEventStart, 75) FROM AjaxRequest WHERE appName = ${app} AND timeToLoadEventStart IS NOT NULL`,
      threshold: a.ajaxP75Seconds,
      display: `${a.ajaxP75Seconds} s`,
      thresholdDurationSeconds: 900,
      aggregationWindowSeconds: 300,
    },
    {
      key: "ajax-error-rate",
      name: `[P2] ${browserAppName(config)}: API calls failing above ${a.ajaxErrorRatePercent}%`,
      priority: "P2",
      why: "features are broken for real users",
      nrql: `SELECT percentage(count(*), WHERE ${AJAX_FAILED}) FROM AjaxRequest WHERE appName = ${app}`,
      threshold: a.ajaxErrorRatePercent,
      display: `${a.ajaxErrorRatePercent}%`,
      thresholdDurationSeconds: 600,
      aggregationWindowSeconds: 300,
    },
  ];
}

export interface NrProperty {
  key: string;
  value: string;
  label?: string;
}

/**
 * A New Relic notification destination and its channels for one priority, derived from the one
 * alert-channel definition. The credential is not here: the component adds it from the secret
 * named in `credential`, so it never passes through plain values.
 */
export interface NrRoutingSpec {
  priority: Priority;
  kind: AlertChannel["kind"];
  destination: {
    type: "PAGERDUTY_SERVICE_INTEGRATION" | "WEBHOOK" | "EMAIL";
    properties: NrProperty[];
    credential?: {
      secretKey: SecretKey;
      /**
       * authToken: PagerDuty integration key; opsgenieHeader: `Authorization: GenieKey <key>`;
       * slackHeader: `Authorization: Bearer <bot token>`.
       */
      use: "authToken" | "opsgenieHeader" | "slackHeader";
      /** Managed PagerDuty: the team whose integration key replaces `secretKey`. */
      pagerdutyTeam?: string;
    };
  };
  channels: Array<{
    suffix: string;
    type: "PAGERDUTY_SERVICE_INTEGRATION" | "WEBHOOK" | "EMAIL";
    properties: NrProperty[];
    /** Who it reaches, in words. */
    target: string;
  }>;
}

// Handlebars of New Relic's workflow templates; `json` renders a JSON string literal.
const TITLE = "__NR_ISSUE_TITLE__";
const ISSUE_URL = "__NR_ISSUE_URL__";
const template = (payload: unknown): string =>
  JSON.stringify(payload, null, 2)
    .replace(`"${TITLE}"`, "{{ json issueTitle }}")
    .replace(`"${ISSUE_URL}"`, "{{ json issuePageUrl }}");

export const OPSGENIE_ALERTS_URL = "https://api.opsgenie.com/v2/alerts";

export function newRelicRouting(config: Cfg, priority: Priority): NrRoutingSpec {
  const channel = alertChannels(config)[priority];
  const owners = projectOwners(config, "frontend");
  const mine = channel.destinations.filter((d) => owners.includes(d.team));
  const level = ALERT_LEVELS[priority];
  switch (channel.kind) {
    case "pagerduty": {
      // Managed PagerDuty: the frontend's (first) owning team's service, else the shared key.
      const team = pagerdutyTeams(config).find((t) => owners.includes(t));
      return {
        priority,
        kind: channel.kind,
        destination: {
          type: "PAGERDUTY_SERVICE_INTEGRATION",
          properties: [{ key: "", value: "" }],
          credential: {
            secretKey: channel.secretKey,
            use: "authToken",
            ...(team ? { pagerdutyTeam: team } : {}),
          },
        },
        channels: [
          {
            suffix: "pagerduty",
            type: "PAGERDUTY_SERVICE_INTEGRATION",
            properties: [{ key: "summary", value: `[${priority}] {{ issueTitle }}` }],
            target: team
              ? `PagerDuty service ${pagerdutyServiceName(config, team)} (team ${team}'s managed integration)`
              : "PagerDuty service (key `pagerdutyRoutingKey`)",
          },
        ],
      };
    }
    case "opsgenie":
      // New Relic has no Opsgenie destination: a webhook to Opsgenie's Alert API does the same.
      return {
        priority,
        kind: channel.kind,
        destination: {
          type: "WEBHOOK",
          properties: [{ key: "url", value: OPSGENIE_ALERTS_URL }],
          credential: { secretKey: channel.secretKey, use: "opsgenieHeader" },
        },
        channels: [
          {
            suffix: "opsgenie",
            type: "WEBHOOK",
            target: "Opsgenie Alert API (key `opsgenieApiKey`)",
            properties: [
              {
                key: "payload",
                label: "Payload Template",
                value: template({
                  message: TITLE,
                  description: ISSUE_URL,
                  priority,
                  source: "New Relic Browser",
                  tags: owners,
                }),
              },
            ],
          },
        ],
      };
    case "email":
      return {
        priority,
        kind: channel.kind,
        destination: {
          type: "EMAIL",
          properties: [{ key: "email", value: mine.map((d) => d.address).join(",") }],
        },
        channels: [
          {
            suffix: "email",
            type: "EMAIL",
            properties: [{ key: "subject", value: `[${priority}] {{ issueTitle }}` }],
            target: `email ${mine.map((d) => d.address).join(", ")}`,
          },
        ],
      };
    case "slack":
      // New Relic's own Slack destinations need OAuth in its UI; a webhook to chat.postMessage with
      // the bot token does not, and the payload's `channel` picks each team's channel.
      return {
        priority,
        kind: channel.kind,
        destination: {
          type: "WEBHOOK",
          properties: [{ key: "url", value: SLACK_POST_MESSAGE }],
          credential: { secretKey: channel.secretKey, use: "slackHeader" },
        },
        channels: mine.map((d) => ({
          suffix: `slack-${d.team}`,
          type: "WEBHOOK" as const,
          target: `Slack ${d.address}`,
          properties: [
            {
              key: "payload",
              label: "Payload Template",
              value: template({
                channel: d.address,
                text: TITLE,
                attachments: [{ title: `${priority}: ${level.meaning}`, title_link: ISSUE_URL }],
              }),
            },
          ],
        })),
      };
  }
}

/** What summaries show: where a priority's New Relic notifications go. */
export const describeRouting = (r: NrRoutingSpec): string => r.channels.map((c) => c.target).join(", ");

/** Priorities that have at least one New Relic condition: only those get a policy and a workflow. */
export const usedPriorities = (conditions: { priority: Priority }[]): Priority[] =>
  PRIORITIES.filter((p) => conditions.some((c) => c.priority === p));
