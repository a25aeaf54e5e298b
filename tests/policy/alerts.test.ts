import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { alertRulesLabelled, p1PagesPhone, relabel, routeReceivers } from "../../policy/alerts";
import { alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { kpsValues } from "../../infra/generators/metrics/kubernetes";
import {
  enabledChartAlerts,
  priorityRelabelling,
  teamRelabelling,
} from "../../infra/generators/platform/chart-values";
import { stackConfig } from "../../scripts/lib/stack-config";
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
  it("passes an alert with priority, team, service or component, summary and runbook_url (recording rules are not alerts)", async () => {
    const r = await runPolicies(
      [alertRulesLabelled],
      [
        rule("ApiDown", { priority: "P1", team: "platform", service: "api" }, complete),
        rule("VolumeFull", { priority: "P1", team: "platform", component: "volumes" }, complete),
        rule("SignupsLow", { priority: "P3", team: "web", business_metric: "signups" }, complete),
      ],
    );
    expect(r.violations).toEqual([]);
  });
  it("asks an alert without a service, static or joined, for the platform component it watches", async () => {
    const r = await runPolicies(
      [alertRulesLabelled],
      [
        rule("Nobody", { priority: "P3", team: "platform" }, complete),
        rule("EmptyComponent", { priority: "P3", team: "platform", component: "" }, complete),
      ],
    );
    expect(violationsOf(r, "alert-rules-labelled")).toEqual([
      "alert Nobody in rules-Nobody: no service or component label",
      "alert EmptyComponent in rules-EmptyComponent: no service or component label",
    ]);
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
      "alert NoJoin in rules-NoJoin: no team label, no service or component label",
    ]);
  });
  it("flags each missing label or annotation and an unknown priority", async () => {
    const r = await runPolicies(
      [alertRulesLabelled],
      [
        rule("NoRunbook", { priority: "P2", team: "web", service: "web" }, { summary: "s" }),
        rule("Sev1", { priority: "critical", team: "web", service: "web" }, complete),
        rule("Bare", {}, {}),
      ],
    );
    expect(violationsOf(r, "alert-rules-labelled")).toEqual([
      "alert NoRunbook in rules-NoRunbook: no runbook_url annotation",
      'alert Sev1 in rules-Sev1: priority "critical" is not one of P1, P2, P3',
      "alert Bare in rules-Bare: no priority label, no team label, no service or component label, no summary annotation, no runbook_url annotation",
    ]);
    expect(r.violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
  });
  it("checks Grafana rule groups and rules in Helm values too", async () => {
    const grafana = resource("grafana:alerting/ruleGroup:RuleGroup", "rg", {
      rules: [{ name: "Slow", labels: { priority: "P3", service: "api" }, annotations: complete }],
    });
    const helm = resource("kubernetes:helm.sh/v3:Release", "kps", {
      chart: "kube-prometheus-stack",
      values: {
        additionalPrometheusRulesMap: {
          extra: {
            groups: [
              {
                name: "x",
                rules: [{ alert: "Extra", expr: "1", labels: { priority: "P1", team: "t", component: "c" } }],
              },
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

describe("alert-rules-labelled on kube-prometheus-stack's default alerts", () => {
  const config = stackConfig("dev");
  /** The program's values, with the parts these tests change typed. */
  type Values = Record<string, unknown> & {
    defaultRules: {
      rules: Record<string, boolean>;
      disabled: Record<string, boolean>;
      additionalRuleGroupLabels: Record<string, unknown>;
    };
    prometheus: { prometheusSpec: { additionalAlertRelabelConfigs: unknown[] } };
  };
  const values = () => kpsValues(config as never, alertmanagerConfig(config as never)) as Values;
  const release = (v: Record<string, unknown>) =>
    resource("kubernetes:helm.sh/v3:Release", "kps", { chart: "kube-prometheus-stack", values: v });
  const check = async (v: Record<string, unknown>) =>
    violationsOf(await runPolicies([alertRulesLabelled], [release(v)]), "alert-rules-labelled");

  it("accepts the chart's rules as the program configures them", async () => {
    expect(await check(values())).toEqual([]);
  });

  it("checks each enabled group's labels: a group without its component fails, alone", async () => {
    const v = values();
    delete v.defaultRules.additionalRuleGroupLabels.kubernetesStorage;
    const found = await check(v);
    const storage = enabledChartAlerts().filter((a) => a.group === "kubernetesStorage");
    expect(found).toHaveLength(storage.length);
    expect(found).toContain(
      "alert KubePersistentVolumeFillingUp (kube-prometheus-stack, critical) in kps: no service or component label",
    );
  });

  it("takes the priority from Prometheus's alert relabelling, and fails every alert without it", async () => {
    const v = values();
    v.prometheus.prometheusSpec.additionalAlertRelabelConfigs = [];
    const found = await check(v);
    expect(found).toHaveLength(enabledChartAlerts().length);
    expect(found.every((m) => m.endsWith(": no priority label"))).toBe(true);
  });

  it("checks the chart's defaults when nothing is configured, and nothing of a group or alert that is off", async () => {
    const bare = await check({ defaultRules: { create: true } });
    expect(bare.length).toBeGreaterThan(150);
    expect(bare).toContain(
      "alert TargetDown (kube-prometheus-stack, warning) in kps: no priority label, no team label, no service or component label",
    );
    expect(await check({ defaultRules: { create: false } })).toEqual([]);
    const v = values();
    v.defaultRules.rules.kubernetesStorage = false;
    v.defaultRules.disabled.TargetDown = true;
    v.defaultRules.additionalRuleGroupLabels = {};
    expect((await check(v)).some((m) => /KubePersistentVolume|TargetDown/.test(m))).toBe(false);
  });

  it("relabels as Prometheus does: the first matching rule sets the priority, an alert's own is kept", () => {
    const config = stackConfig("dev");
    const configs = priorityRelabelling(config);
    const team = config.metrics.ownerTeam;
    const namespace = config.metrics.namespace;
    expect(
      relabel({ alertname: "KubePersistentVolumeFillingUp", severity: "critical", team, namespace }, configs)
        .priority,
    ).toBe("P1");
    // An application's volume: the table's P1 is the platform's; the fallback makes it P2.
    expect(
      relabel(
        { alertname: "KubePersistentVolumeFillingUp", severity: "critical", team, namespace: "apps" },
        configs,
      ).priority,
    ).toBe("P2");
    expect(
      relabel({ alertname: "KubePersistentVolumeFillingUp", severity: "warning", team }, configs).priority,
    ).toBe("P3");
    expect(
      relabel({ alertname: "ServiceDown", priority: "P1", severity: "warning", team }, configs).priority,
    ).toBe("P1");
    expect(relabel({ alertname: "SomethingNew", severity: "critical", team }, configs).priority).toBe("P2");
    expect(relabel({ alertname: "NoSeverity", team }, configs).priority).toBeUndefined();
    // Another team's rule, evaluated by this Prometheus too, keeps its alerts as written.
    expect(
      relabel({ alertname: "KubePodCrashLooping", severity: "critical", team: "marketing" }, configs)
        .priority,
    ).toBeUndefined();
    expect(relabel({ alertname: "SomethingNew", severity: "critical" }, configs).priority).toBeUndefined();
  });

  it("gives the chart's alerts about an application's namespace to the team whose services live there", () => {
    const base = stackConfig("dev");
    const owner = base.metrics.ownerTeam;
    const other = base.teams.find((t) => t.name !== owner)!.name;
    const config = {
      ...base,
      services: [
        { ...base.services[0]!, name: "shop", namespace: "shop", team: other },
        { ...base.services[0]!, name: "a", namespace: "shared", team: other },
        { ...base.services[0]!, name: "b", namespace: "shared", team: owner },
      ],
    };
    const configs = [...priorityRelabelling(config), ...teamRelabelling(config)];
    const crash = (namespace: string) =>
      relabel({ alertname: "KubePodCrashLooping", severity: "warning", team: owner, namespace }, configs);
    expect(crash("shop")).toMatchObject({ team: other, priority: "P3" });
    // A namespace several teams share, and the platform's own, stay with the owner team.
    expect(crash("shared").team).toBe(owner);
    expect(crash(base.metrics.namespace).team).toBe(owner);
    // An application alert keeps the team its rule joined.
    expect(
      relabel({ alertname: "ServiceDown", priority: "P1", team: other, namespace: "shop" }, configs).team,
    ).toBe(other);
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
