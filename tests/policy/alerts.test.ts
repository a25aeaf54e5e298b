import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { alertRulesLabelled, p1PagesPhone, routeReceivers } from "../../policy/alerts";
import { resource, runPolicies, violationsOf } from "./harness";

const rule = (
  alert: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  expr = "up == 0",
) =>
  resource("kubernetes:monitoring.coreos.com/v1:PrometheusRule", `rules-${alert}`, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    spec: {
      groups: [
        {
          name: "g",
          rules: [
            { record: "job:x:rate5m", expr: "1" },
            { alert, expr, labels, annotations },
          ],
        },
      ],
    },
  });
const complete = { summary: "api is down", runbook_url: "https://example.com/runbooks/down.md" };

describe("alert-rules-labelled", () => {
  it("passes an alert with priority, team, summary and runbook_url (recording rules are not alerts)", async () => {
    const r = await runPolicies(
      [alertRulesLabelled],
      [rule("ApiDown", { priority: "P1", team: "platform" }, complete)],
    );
    expect(r.violations).toEqual([]);
  });
  it("takes a team joined per service with group_left from an info series, and only that", async () => {
    const joined = "(up == 0) * on (job) group_left (service, team) job:service:info";
    const r = await runPolicies(
      [alertRulesLabelled],
      [
        rule("Joined", { priority: "P1" }, complete, joined),
        rule("JoinedNoTeam", { priority: "P1" }, complete, "(up == 0) * on (job) group_left (service) i"),
        rule("NoJoin", { priority: "P1" }, complete, 'up{team="web"} == 0'),
      ],
    );
    expect(violationsOf(r, "alert-rules-labelled")).toEqual([
      "alert JoinedNoTeam in rules-JoinedNoTeam: no team label",
      "alert NoJoin in rules-NoJoin: no team label",
    ]);
  });
  it("flags each missing label or annotation and an unknown priority", async () => {
    const r = await runPolicies(
      [alertRulesLabelled],
      [
        rule("NoRunbook", { priority: "P2", team: "web" }, { summary: "s" }),
        rule("Sev1", { priority: "critical", team: "web" }, complete),
        rule("Bare", {}, {}),
      ],
    );
    expect(violationsOf(r, "alert-rules-labelled")).toEqual([
      "alert NoRunbook in rules-NoRunbook: no runbook_url annotation",
      'alert Sev1 in rules-Sev1: priority "critical" is not one of P1, P2, P3',
      "alert Bare in rules-Bare: no priority label, no team label, no summary annotation, no runbook_url annotation",
    ]);
    expect(r.violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
  });
  it("checks Grafana rule groups and rules in Helm values too", async () => {
    const grafana = resource("grafana:alerting/ruleGroup:RuleGroup", "rg", {
      rules: [{ name: "Slow", labels: { priority: "P3" }, annotations: complete }],
    });
    const helm = resource("kubernetes:helm.sh/v3:Release", "kps", {
      chart: "kube-prometheus-stack",
      values: {
        additionalPrometheusRulesMap: {
          extra: {
            groups: [
              { name: "x", rules: [{ alert: "Extra", expr: "1", labels: { priority: "P1", team: "t" } }] },
            ],
          },
        },
      },
    });
    expect(
      violationsOf(await runPolicies([alertRulesLabelled], [grafana, helm]), "alert-rules-labelled"),
    ).toEqual([
      "alert Slow in rg: no team label",
      "alert Extra in kps: no summary annotation, no runbook_url annotation",
    ]);
  });
});

const receivers = [
  { name: "slack-default", slack_configs: [{ channel: "#a", api_url_file: "/f" }] },
  { name: "pager", pagerduty_configs: [{ routing_key_file: "/f" }] },
  { name: "mail-web", email_configs: [{ to: "web@example.com" }] },
];
const kps = (route: unknown) =>
  resource("kubernetes:helm.sh/v3:Release", "kps", {
    chart: "kube-prometheus-stack",
    values: { alertmanager: { config: { route, receivers } } },
  });

describe("p1-routes-to-phone", () => {
  it("follows Alertmanager's routing: first match wins unless continue, children inherit the receiver", () => {
    const route = {
      receiver: "slack-default",
      routes: [
        { receiver: "pager", matchers: ['priority="P1"'], routes: [{ matchers: ['team="web"'] }] },
        { receiver: "mail-web", matchers: ['priority=~"P1|P2"'] },
      ],
    };
    expect(routeReceivers(route, { priority: "P1", team: "web" })).toEqual(["pager"]);
    expect(routeReceivers(route, { priority: "P2" })).toEqual(["mail-web"]);
    expect(routeReceivers(route, { priority: "P3" })).toEqual(["slack-default"]);
    const cont = {
      receiver: "slack-default",
      routes: [
        { receiver: "mail-web", continue: true, matchers: ["priority=P1"] },
        { receiver: "pager", match: { priority: "P1" } },
      ],
    };
    expect(routeReceivers(cont, { priority: "P1" })).toEqual(["mail-web", "pager"]);
  });
  it("passes a tree that pages P1 for every team", async () => {
    const route = { receiver: "slack-default", routes: [{ receiver: "pager", matchers: ['priority="P1"'] }] };
    expect(violationsOf(await runPolicies([p1PagesPhone], [kps(route)]), "p1-routes-to-phone")).toEqual([]);
  });
  it("flags a P1 alert of one team routed to email, and a tree without a P1 route", async () => {
    const teamEmail = {
      receiver: "slack-default",
      routes: [
        {
          receiver: "pager",
          matchers: ['priority="P1"'],
          routes: [{ receiver: "mail-web", matchers: ['team="web"'] }],
        },
      ],
    };
    expect(violationsOf(await runPolicies([p1PagesPhone], [kps(teamEmail)]), "p1-routes-to-phone")).toEqual([
      "Helm release kps: a P1 alert of team web is routed to mail-web, which has no phone paging (PagerDuty/Opsgenie)",
    ]);
    const noP1 = {
      receiver: "slack-default",
      routes: [{ receiver: "mail-web", matchers: ['priority="P2"'] }],
    };
    expect(violationsOf(await runPolicies([p1PagesPhone], [kps(noP1)]), "p1-routes-to-phone")).toEqual([
      "Helm release kps: a P1 alert without a team is routed to slack-default, which has no phone paging (PagerDuty/Opsgenie)",
    ]);
  });
  it("reads alertmanager.yaml from a Secret and Grafana notification policies", async () => {
    const secret = resource("kubernetes:core/v1:Secret", "am", {
      stringData: { "alertmanager.yaml": stringify({ route: { receiver: "slack-default" }, receivers }) },
    });
    const grafanaPolicy = resource("grafana:alerting/notificationPolicy:NotificationPolicy", "np", {
      contactPoint: "fallback",
      policies: [{ contactPoint: "P1-web", matchers: [{ label: "priority", match: "=", value: "P1" }] }],
    });
    const cps = [
      resource("grafana:alerting/contactPoint:ContactPoint", "cp-fallback", {
        name: "fallback",
        slacks: [{ url: "x" }],
      }),
      resource("grafana:alerting/contactPoint:ContactPoint", "cp-p1", {
        name: "P1-web",
        pagerduties: [{ integrationKey: "k" }],
      }),
    ];
    expect(
      violationsOf(await runPolicies([p1PagesPhone], [secret, grafanaPolicy, ...cps]), "p1-routes-to-phone"),
    ).toEqual([
      "Secret am: a P1 alert without a team is routed to slack-default, which has no phone paging (PagerDuty/Opsgenie)",
    ]);
  });
  it("is not applicable without any Alertmanager configuration", async () => {
    const r = await runPolicies([p1PagesPhone], [resource("aws:kms/key:Key", "k", {})]);
    expect(r.notApplicable.map((n) => n.policy)).toEqual(["p1-routes-to-phone"]);
  });
});

describe("p1-routes-to-phone for Sentry issue alerts", () => {
  const alert = (name: string, id: string) =>
    resource("sentry:index/sentryIssueAlert:SentryIssueAlert", name, {
      name,
      actions: [{ id, workspace: "1" }],
    });
  it("passes a [P1] alert with a PagerDuty or Opsgenie action and ignores other priorities", async () => {
    const r = await runPolicies(
      [p1PagesPhone],
      [
        alert(
          "[P1] prod backend: crash",
          "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction",
        ),
        alert("[P1] prod web: crash", "sentry.integrations.opsgenie.notify_action.OpsgenieNotifyTeamAction"),
        alert(
          "[P3] prod backend: new issue",
          "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
        ),
      ],
    );
    expect(r.violations).toEqual([]);
  });
  it("flags a [P1] alert that only posts to Slack", async () => {
    const r = await runPolicies(
      [p1PagesPhone],
      [alert("[P1] prod backend: crash", "sentry.integrations.slack.notify_action.SlackNotifyServiceAction")],
    );
    expect(violationsOf(r, "p1-routes-to-phone")).toEqual([
      'Sentry alert "[P1] prod backend: crash" is P1 but has no PagerDuty/Opsgenie action (sentry.integrations.slack.notify_action.SlackNotifyServiceAction)',
    ]);
  });
});
