import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../infra/artifacts";
import { alertRules } from "../../infra/generators/metrics/rules";
import { resolveMetrics } from "../../infra/generators/metrics/settings";
import {
  CHART_GROUPS,
  type ChartSeverity,
  UPSTREAM_RUNBOOKS,
} from "../../infra/generators/platform/chart-rules";
import {
  type ChartAlert,
  chartAlerts,
  enabledChartAlerts,
  tableProblems,
} from "../../infra/generators/platform/chart-values";
import { KUBE_PROMETHEUS_STACK } from "../../infra/versions";
import { REPO_ROOT } from "../../scripts/lib/stack-file";
import { stackConfig } from "../../scripts/lib/stack-config";
import { parsePromql } from "../grafana/promql";
import {
  CHART,
  everythingOn,
  type RenderedRule,
  renderChartRules,
  rulesDir,
  templateSwitches,
  templatesDir,
} from "../helpers/chart-rules";
import { ofType, rendered, STACKS } from "../helpers/render";
import { runTool, tempFiles } from "../helpers/tools";
import { at, chartData, chartDir, parseHeader } from "../versions/chart-data";

const VERSION = KUBE_PROMETHEUS_STACK.version;

/** `git hash-object` of a file's bytes: the id git gives it in any repository. */
const blobId = (bytes: Buffer): string =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );

describe("kube-prometheus-stack's rule templates (tests/data/charts)", () => {
  it("are the chart's own files at the pinned tag, verbatim", () => {
    const text = readFileSync(join(chartDir(CHART, VERSION), "templates.sources"), "utf8");
    const header = parseHeader(text, "templates.sources");
    expect(header).toMatchObject({ chart: CHART, version: VERSION });
    expect(header.source).toBe(
      "https://github.com/prometheus-community/helm-charts charts/kube-prometheus-stack/templates",
    );
    expect(header.tag).toMatch(new RegExp(`^${CHART}-${VERSION} \\(commit [0-9a-f]{40}\\)$`));
    const listed = new Map(
      text
        .split("\n")
        .filter((l) => /^[0-9a-f]{40} /.test(l))
        .map((l) => [l.slice(41), l.slice(0, 40)] as const),
    );
    const committed = filesUnder(templatesDir()).map((f) => relative(chartDir(CHART, VERSION), f));
    expect(new Set(committed)).toEqual(new Set(listed.keys()));
    for (const file of committed)
      expect(blobId(readFileSync(join(chartDir(CHART, VERSION), file))), file).toBe(listed.get(file));
    expect(readdirSync(rulesDir()).length).toBeGreaterThan(30);
  });
});

/** `Alert/severity` of each alert a render has, or a table lists. */
const key = (a: { alert?: string; severity?: string }) => `${a.alert}/${a.severity}`;
const renderedKeys = (alerts: RenderedRule[]) =>
  new Set(alerts.map((a) => key({ alert: a.alert, severity: a.labels.severity })));

/** What the table misses of the chart's alerts, and what it names that the chart does not ship. */
function tableDiff(shipped: Set<string>, table: Pick<ChartAlert, "alert" | "severity">[]) {
  const listed = new Set(table.map(key));
  return {
    missing: [...shipped].filter((k) => !listed.has(k)).sort(),
    unknown: [...listed].filter((k) => !shipped.has(k)).sort(),
  };
}

describe("the priority table (infra/generators/platform/chart-rules.ts)", () => {
  const all = renderChartRules(everythingOn());

  it("names every alert and severity the chart ships, and nothing else", () => {
    expect(all.alerts.length).toBeGreaterThan(150);
    expect(tableDiff(renderedKeys(all.alerts), chartAlerts())).toEqual({ missing: [], unknown: [] });
  });

  it("fails when it misses an alert of the chart or names one the chart does not ship", () => {
    const table = chartAlerts().filter((a) => a.alert !== "KubePersistentVolumeFillingUp");
    table.push({ ...table[0]!, alert: "KubeSomethingInvented", severity: "warning" });
    expect(tableDiff(renderedKeys(all.alerts), table)).toEqual({
      missing: ["KubePersistentVolumeFillingUp/critical", "KubePersistentVolumeFillingUp/warning"],
      unknown: ["KubeSomethingInvented/warning"],
    });
  });

  it("lists each alert under the defaultRules.rules switch of the template that renders it", () => {
    const switches = templateSwitches();
    // The rule group name each template renders → its switch.
    const byGroup = new Map<string, string>();
    for (const [file, keys] of switches) {
      const text = readFileSync(join(rulesDir(), file), "utf8");
      for (const m of text.matchAll(/^ {2}- name: (\S+)/gm)) byGroup.set(m[1]!, keys[0]!);
      expect(keys, file).toHaveLength(1);
    }
    for (const a of all.alerts) {
      const row = chartAlerts().find((r) => r.alert === a.alert && r.severity === a.labels.severity)!;
      expect(row.group, `${a.alert} (group ${a.group})`).toBe(byGroup.get(a.group));
    }
    // Every switch the templates read is decided in the table, with its reason.
    const keys = new Set([...switches.values()].flat());
    const unlisted = [
      "k8sContainerCpuLimits",
      "k8sContainerCpuRequests",
      "k8sContainerMemoryLimits",
      "k8sContainerMemoryRequests",
    ];
    expect(new Set([...Object.keys(CHART_GROUPS), ...unlisted])).toEqual(keys);
    for (const g of Object.values(CHART_GROUPS)) expect(g.why.length).toBeGreaterThan(15);
  });

  it("links upstream's runbook of each alert where the chart itself links it", () => {
    expect(at(chartData(CHART, VERSION).values, "defaultRules.runbookUrl")).toBe(UPSTREAM_RUNBOOKS);
    for (const a of all.alerts) {
      const row = chartAlerts().find((r) => r.alert === a.alert && r.severity === a.labels.severity)!;
      if (row.priority !== "off") expect(row.upstreamRunbook, a.alert).toBe(a.annotations.runbook_url);
    }
  });

  it("has no alert half off, a reason per row, and a component and runbook per enabled group", () => {
    expect(tableProblems()).toEqual([]);
    for (const a of chartAlerts()) expect(a.reason.length, key(a)).toBeGreaterThan(15);
  });

  it("pages (P1) only where the platform loses data or cannot alert, and keeps most warnings from waking anyone", () => {
    const enabled = enabledChartAlerts();
    const p1 = enabled.filter((a) => a.priority === "P1");
    for (const a of p1) expect(a.reason, a.alert).toMatch(/losing data|lose data|cannot alert|data is lost/);
    const warnings = enabled.filter((a) => a.severity === "warning");
    expect(warnings.filter((a) => a.priority === "P3").length / warnings.length).toBeGreaterThan(0.7);
  });
});

const severityOf = (a: RenderedRule) => a.labels.severity as ChartSeverity;

describe.each(STACKS)("the chart's rules with the values %s renders", (stack) => {
  const config = stackConfig(stack);
  const release = ofType(rendered(stack), "kubernetes:helm.sh/v3:Release").find(
    (r) => r.inputs.chart === CHART,
  )!;
  const values = release.inputs.values as Record<string, unknown>;
  const { namespace, ownerTeam } = resolveMetrics(config);
  // The templates of the chart version the stack deploys (a stack may pin its own).
  const chart = renderChartRules(values, { namespace, version: release.inputs.version as string });

  it("are exactly the enabled alerts of the table", () => {
    expect(renderedKeys(chart.alerts)).toEqual(new Set(enabledChartAlerts().map(key)));
  });

  it("leave one Watchdog, ours, for the dead man's switch", () => {
    expect(alertRules(config).filter((r) => r.alert === "Watchdog")).toHaveLength(1);
    expect(chart.alerts.filter((a) => a.alert === "Watchdog" || a.alert === "InfoInhibitor")).toEqual([]);
  });

  it("carry our team, the group's component and runbook, and the chart's own severity", () => {
    for (const a of chart.alerts) {
      const row = enabledChartAlerts().find((r) => r.alert === a.alert && r.severity === severityOf(a))!;
      expect(a.labels, a.alert).toEqual({
        severity: row.severity,
        team: ownerTeam,
        component: row.component,
      });
      expect(a.annotations.runbook_url, a.alert).toBe(`${config.metrics.runbookBaseUrl}/${row.runbook}.md`);
      expect(existsSync(join(REPO_ROOT, "runbooks", `${row.runbook}.md`)), row.runbook).toBe(true);
      expect(a.annotations.summary, a.alert).toBeTruthy();
    }
  });

  it("pass promtool's rule check", () => {
    const dir = tempFiles({ "rules.yaml": toYaml({ groups: chart.groups }) });
    const r = runTool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("turn on only recording groups whose records an enabled alert reads", () => {
    const read = new Set(chart.alerts.flatMap((a) => parsePromql(a.expr).metrics));
    const groupsRead = new Set(chart.rules.filter((r) => r.record && read.has(r.record)).map((r) => r.group));
    const recordingOnly = chart.groups.filter((g) => g.rules.every((r) => r.record)).map((g) => g.name);
    expect(recordingOnly.length).toBeGreaterThan(0);
    for (const g of recordingOnly) expect(groupsRead.has(g), `${g} is on but no alert reads it`).toBe(true);
  });

  it("record every recorded series an enabled alert reads", () => {
    const recorded = new Set(chart.rules.flatMap((r) => (r.record ? [r.record] : [])));
    for (const a of chart.alerts) {
      const parsed = parsePromql(a.expr);
      expect(parsed.errors, a.alert).toBe(0);
      for (const m of parsed.metrics.filter((x) => x.includes(":")))
        expect(recorded.has(m), `${a.alert} reads ${m}`).toBe(true);
    }
  });
});
