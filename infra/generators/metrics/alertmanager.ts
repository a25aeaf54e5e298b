import { durationText, type NotificationTiming, PRIORITIES } from "../../catalog/alert-levels";
import type { SecretKey, StackConfig } from "../../config";
import { type AlertChannel, alertChannels, channelList, SLACK_POST_MESSAGE } from "../alerting/channels";
import { integrationKeyFile, pagerdutyTeams } from "../alerting/pagerduty";
import { ALERTS, DEPENDENCY_DOWN } from "./alerts";
import { resolveMetrics } from "./settings";

export type AlertmanagerInput = Pick<
  StackConfig,
  "alerting" | "teams" | "metrics" | "production" | "services" | "environment"
>;

/** The Kubernetes Secret holding the channel credentials; the chart mounts it for Alertmanager. */
export const CHANNEL_SECRET_NAME = "kps-alertmanager-channels";
/** Where the chart's `alertmanagerSpec.secrets` mounts a secret's keys. */
export const secretFile = (
  key: SecretKey | ReturnType<typeof integrationKeyFile>,
  dir = `/etc/alertmanager/secrets/${CHANNEL_SECRET_NAME}`,
): string => `${dir}/${key}`;

/** Labels alerts are grouped by: one notification per alert and service. */
export const GROUP_BY = ["alertname", "service"];
/**
 * What a P1 and a lesser alert must share for the P1 to quiet it. Alertmanager counts a label both
 * alerts lack as equal, so each rule names every label that tells two failures apart: a service
 * is its namespace and name; a platform component's failure is one object of it (a pod, a volume,
 * a node), so one volume's page does not quiet another volume's warning. A business metric's
 * alerts have neither namespace nor service: `business_metric` keeps one metric's page from
 * quieting another metric's warning (it quiets only its own lesser thresholds).
 */
export const INHIBIT_EQUAL = {
  service: ["namespace", "service", "business_metric"],
  component: ["component", "namespace", "service", "pod", "persistentvolumeclaim", "node"],
} as const;
export const DEAD_MANS_SWITCH = "deadmansswitch";
/** kube-prometheus-stack's alert for a channel no Alertmanager replica can deliver to. */
export const UNDELIVERABLE_ALERT = "AlertmanagerClusterFailedToSendAlerts";
/** How often the Watchdog reaches the dead man's switch from a healthy Alertmanager. */
export const WATCHDOG_HEARTBEAT = "1m";
/**
 * DependencyDown quiets the symptoms it explains (the alerts marked `symptom`) of the same service,
 * each at its own priority or a lower one: a P2 dependency's alert never silences the page of an
 * SLO that burns fast, so a dependency of low priority cannot hide an outage users feel.
 */
export function dependencyInhibitRules(): AlertmanagerConfig["inhibit_rules"] {
  const symptoms = [...new Set(ALERTS.filter((a) => a.symptom).map((a) => a.alert))];
  return PRIORITIES.map((p, i) => ({
    source_matchers: [`alertname="${DEPENDENCY_DOWN}"`, `priority="${p}"`],
    target_matchers: [`alertname=~"${symptoms.join("|")}"`, `priority=~"${PRIORITIES.slice(i).join("|")}"`],
    equal: [...INHIBIT_EQUAL.service],
  }));
}

/** The `time_intervals` entry built from `alerting.maintenance.windows`. */
export const MAINTENANCE_INTERVAL = "planned-maintenance";

export interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  /** Names of `time_intervals` during which this route notifies nobody. */
  mute_time_intervals?: string[];
  routes?: Route[];
}

type Receiver = { name: string } & Record<string, unknown>;

/** One recurring interval of an Alertmanager `time_intervals` entry (its own field names). */
export interface TimeInterval {
  times: { start_time: string; end_time: string }[];
  weekdays?: string[];
  days_of_month?: string[];
  months?: string[];
  location: string;
}

export interface AlertmanagerConfig {
  global: Record<string, string>;
  route: Route;
  time_intervals?: { name: string; time_intervals: TimeInterval[] }[];
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: Receiver[];
}

const timing = (t: NotificationTiming) => ({
  group_wait: `${t.groupWaitSeconds}s`,
  group_interval: durationText(t.groupIntervalMinutes),
  repeat_interval: durationText(t.repeatIntervalMinutes),
});

/** The team whose managed PagerDuty service pages P1s without a known team; none without managed PagerDuty. */
const pagerdutyFallbackTeam = (config: AlertmanagerInput): string | undefined => {
  const { ownerTeam } = resolveMetrics(config);
  return pagerdutyTeams(config).includes(ownerTeam) ? ownerTeam : undefined;
};

export const receiverName = (channel: AlertChannel, team?: string): string =>
  `${channel.priority.toLowerCase()}-${channel.kind}${team ? `-${team}` : ""}`;

function receivers(channel: AlertChannel, config: AlertmanagerInput, secretDir?: string): Receiver[] {
  const file = secretFile(channel.secretKey, secretDir);
  const base = { send_resolved: channel.sendResolved };
  switch (channel.kind) {
    case "pagerduty":
      // With managed PagerDuty each team's key reaches its own service and escalation policy, and
      // alerts without a known team page the owner team's (as Grafana does); otherwise the one
      // routing key pages everything.
      return [
        ...(pagerdutyFallbackTeam(config)
          ? []
          : [
              {
                name: receiverName(channel),
                pagerduty_configs: [{ ...base, routing_key_file: file, severity: "critical" }],
              },
            ]),
        ...pagerdutyTeams(config).map((team) => ({
          name: receiverName(channel, team),
          pagerduty_configs: [
            {
              ...base,
              routing_key_file: secretFile(integrationKeyFile(team), secretDir),
              severity: "critical",
            },
          ],
        })),
      ];
    case "opsgenie":
      return [
        {
          name: receiverName(channel),
          opsgenie_configs: [{ ...base, api_key_file: file, priority: channel.priority }],
        },
      ];
    case "email":
      return channel.destinations.map((d) => ({
        name: receiverName(channel, d.team),
        email_configs: [
          {
            ...base,
            to: d.address,
            from: config.alerting.email.from,
            smarthost: config.alerting.email.smarthost,
            auth_username: config.alerting.email.username,
            auth_password_file: file,
          },
        ],
      }));
    case "slack": {
      // The app's bot token with chat.postMessage reaches any channel the app is in; an incoming
      // webhook would ignore `channel` and post every team's alert to its own one.
      const slack = (name: string, channelName: string): Receiver => ({
        name,
        slack_configs: [
          {
            ...base,
            api_url: SLACK_POST_MESSAGE,
            http_config: { authorization: { type: "Bearer", credentials_file: file } },
            channel: channelName,
          },
        ],
      });
      return [
        slack(receiverName(channel, "default"), config.alerting.slackChannel),
        ...channel.destinations.map((d) => slack(receiverName(channel, d.team), d.address)),
      ];
    }
  }
}

/** The default receiver of a priority: the paging service, or the owner team's email / the default Slack channel. */
function priorityRoute(
  channel: AlertChannel,
  ownerTeam: string,
  muted: boolean,
  config: AlertmanagerInput,
): Route {
  const perTeam =
    channel.kind === "email" ||
    channel.kind === "slack" ||
    (channel.kind === "pagerduty" && pagerdutyTeams(config).length > 0);
  const fallback =
    channel.kind === "slack"
      ? "default"
      : channel.kind === "email"
        ? ownerTeam
        : channel.kind === "pagerduty"
          ? pagerdutyFallbackTeam(config)
          : undefined;
  const route: Route = {
    receiver: receiverName(channel, fallback),
    matchers: [`priority="${channel.priority}"`],
    ...timing(channel.timing),
    // Alertmanager does not pass mute_time_intervals down to child routes: the team routes below
    // carry it too.
    ...(muted ? { mute_time_intervals: [MAINTENANCE_INTERVAL] } : {}),
  };
  if (perTeam) {
    route.routes = channel.destinations.map((d) => ({
      receiver: receiverName(channel, d.team),
      matchers: [`team="${d.team}"`],
      ...(muted ? { mute_time_intervals: [MAINTENANCE_INTERVAL] } : {}),
    }));
  }
  return route;
}

/**
 * The maintenance windows as Alertmanager time intervals, one per window; empty when the stack has
 * none. The config schema checks each field the way Alertmanager's parser does.
 */
export function maintenanceIntervals(config: Pick<StackConfig, "alerting">): TimeInterval[] {
  return config.alerting.maintenance.windows.map((w) => ({
    times: [{ start_time: w.startTime, end_time: w.endTime }],
    ...(w.weekdays ? { weekdays: w.weekdays } : {}),
    ...(w.daysOfMonth ? { days_of_month: w.daysOfMonth } : {}),
    ...(w.months ? { months: w.months } : {}),
    location: w.location,
  }));
}

/**
 * The deployed Alertmanager configuration, from the one channel definition. Credentials are
 * `*_file` references into the mounted channel Secret, so this file holds no secret. `secretDir`
 * lets a test point the files somewhere else.
 */
export function alertmanagerConfig(
  config: AlertmanagerInput,
  opts: { secretDir?: string } = {},
): AlertmanagerConfig {
  const { ownerTeam } = resolveMetrics(config);
  const channels = channelList(config);
  const { P2: p2, P3: p3 } = alertChannels(config);
  const intervals = maintenanceIntervals(config);
  const muted = new Set(intervals.length > 0 ? config.alerting.maintenance.mutedPriorities : []);
  return {
    global: { resolve_timeout: "5m" },
    route: {
      // An alert without a priority label still reaches people: the default Slack channel.
      receiver: receiverName(p3, "default"),
      group_by: GROUP_BY,
      ...timing(p3.timing),
      routes: [
        // The dead man's switch expects a heartbeat, never to people. A group is flushed every
        // group_interval and re-sent only when more than repeat_interval has passed since the last
        // send: with both at 1m the send lands a hair inside the interval and every other flush is
        // skipped (a beat every 2 minutes). A repeat well below the interval sends at every flush,
        // also when a slow or retried send logs its notification late (the log is written after
        // the send). Alertmanager warns at load that repeat_interval < group_interval: expected.
        {
          receiver: DEAD_MANS_SWITCH,
          matchers: ['alertname="Watchdog"'],
          group_wait: "0s",
          group_interval: WATCHDOG_HEARTBEAT,
          repeat_interval: "30s",
        },
        // A channel that no Alertmanager delivers to is a P1 paged through that channel, which may
        // be the one failing: the owner team also gets it by email, then the page is tried.
        {
          receiver: receiverName(p2, ownerTeam),
          matchers: [`alertname="${UNDELIVERABLE_ALERT}"`],
          ...timing(p2.timing),
          // Muted when its P1 is: maintenance is when a channel is expected to fail.
          ...(muted.has("P1") ? { mute_time_intervals: [MAINTENANCE_INTERVAL] } : {}),
          continue: true,
        },
        ...channels.map((c) => priorityRoute(c, ownerTeam, muted.has(c.priority), config)),
      ],
    },
    ...(intervals.length > 0
      ? { time_intervals: [{ name: MAINTENANCE_INTERVAL, time_intervals: intervals }] }
      : {}),
    inhibit_rules: [
      // A P1 quiets the lower priorities of the same service (application alerts: no component),
      // but not the dependency it may be caused by: whoever handles the page learns the cause...
      {
        source_matchers: ['priority="P1"', 'component=""'],
        target_matchers: [
          'priority=~"P2|P3"',
          'component=""',
          'alertname!="Watchdog"',
          `alertname!="${DEPENDENCY_DOWN}"`,
        ],
        equal: [...INHIBIT_EQUAL.service],
      },
      // ...or of the same object of the same platform component.
      {
        source_matchers: ['priority="P1"', 'component!=""'],
        target_matchers: ['priority=~"P2|P3"', 'component!=""', 'alertname!="Watchdog"'],
        equal: [...INHIBIT_EQUAL.component],
      },
      // A dependency that is down quiets the service's symptoms it explains.
      ...dependencyInhibitRules(),
    ],
    receivers: [
      {
        name: DEAD_MANS_SWITCH,
        // A capability URL (whoever has it can silence the switch): read from the channel Secret.
        // `url_file` needs Alertmanager 0.26+ (the stack deploys KUBE_PROMETHEUS_STACK.deploys.alertmanager).
        webhook_configs: [
          { url_file: secretFile("deadMansSwitchUrl", opts.secretDir), send_resolved: false },
        ],
      },
      ...channels.flatMap((c) => receivers(c, config, opts.secretDir)),
    ],
  };
}

/** The managed PagerDuty integration keys the configuration reads from the channel Secret, by team. */
export const channelSecretTeamKeys = (config: AlertmanagerInput): { team: string; file: string }[] =>
  pagerdutyTeams(config).map((team) => ({ team, file: integrationKeyFile(team) }));

/**
 * The secret keys the Alertmanager configuration reads from the channel Secret. With managed
 * PagerDuty no receiver reads the shared routing key (each team's key does), so it is not asked for.
 */
export const channelSecretKeys = (config: AlertmanagerInput): SecretKey[] => [
  ...channelList(config)
    .filter((c) => !(c.kind === "pagerduty" && pagerdutyFallbackTeam(config)))
    .map((c) => c.secretKey),
  "deadMansSwitchUrl",
];
