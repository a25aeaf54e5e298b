import { CustomVariableBuilder, type VariableOption } from "@grafana/grafana-foundation-sdk/dashboard";
import { PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PRIORITIES } from "../infra/catalog/alert-levels";
import {
  baseDashboard,
  type DashboardDefinition,
  firingExpr,
  PROMETHEUS,
  prom,
  promTimeseries,
} from "./common";

/** Firing alerts of the selected teams and services (All also counts alerts of no service). */
export const FIRING = firingExpr('team=~"$team"');

const option = (value: string): VariableOption => ({ text: value, value, selected: false });

export const firingAlerts: DashboardDefinition = {
  uid: "obs-alerts",
  title: "Alerts firing now",
  tags: ["alerts", "on-call"],
  services: (ctx) => ctx.services,
  requiredPanels: () => [
    "Firing alerts by priority",
    "Firing alerts by team",
    "Firing alerts",
    ...PRIORITIES.map((p) => `${p} firing`),
  ],
  build(ctx) {
    const dash = baseDashboard(
      this,
      ctx,
      this.services(ctx),
      "What fires now, by priority (P1 phone, P2 email, P3 Slack) and owning team.",
    ).withVariable(
      new CustomVariableBuilder("team")
        .label("Team")
        .values(ctx.teams.join(","))
        .multi(true)
        .includeAll(true)
        .allValue(".*")
        .current({ text: "All", value: "$__all", selected: true })
        .options(ctx.teams.map(option)),
    );
    for (const p of PRIORITIES) {
      dash.withPanel(
        new StatPanel()
          .title(`${p} firing`)
          .description(`Number of ${p} alerts firing now.`)
          .datasource(PROMETHEUS)
          .noValue("0")
          .withTarget(
            prom(`count(${firingExpr(`team=~"$team", priority="${p}"`)}) or vector(0)`, p).instant(),
          )
          .height(4)
          .span(8),
      );
    }
    return dash
      .withPanel(
        promTimeseries(
          "Firing alerts by priority",
          "short",
          [prom(`count by (priority) (${FIRING})`, "{{priority}}")],
          "Alerts firing over time per priority.",
        ),
      )
      .withPanel(
        promTimeseries(
          "Firing alerts by team",
          "short",
          [prom(`count by (team) (${FIRING})`, "{{team}}")],
          "Alerts firing over time per owning team.",
        ),
      )
      .withPanel(
        new TablePanel()
          .title("Firing alerts")
          .description("Every alert firing now with its priority, team and service.")
          .datasource(PROMETHEUS)
          .height(10)
          .span(24)
          .withTarget(
            prom(`sum by (alertname, priority, team, namespace, service) (${FIRING})`, "")
              .instant()
              .format(PromQueryFormat.Table),
          ),
      )
      .build();
  },
};
