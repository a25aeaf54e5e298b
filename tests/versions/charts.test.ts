import { describe, expect, it } from "vitest";
import {
  CRD_UPGRADE_BUSYBOX,
  ECK_OPERATOR,
  GRAFANA_CHART,
  KUBE_PROMETHEUS_STACK,
} from "../../infra/versions";
import { alertmanagerConfig } from "../../infra/generators/metrics/alertmanager";
import { kpsValues } from "../../infra/generators/metrics/kubernetes";
import { stackConfig, stackValue } from "../../scripts/lib/stack-config";
import { ofType, rendered, STACKS } from "../helpers/render";
import {
  at,
  chartData,
  commentedKeys,
  committedCharts,
  isMap,
  missingChartFiles,
  PASSTHROUGH,
  releaseOf,
  unknownValueKeys,
} from "./chart-data";

const RELEASE = "kubernetes:helm.sh/v3:Release";

interface Release {
  stack: string;
  name: string;
  chart: string;
  version: string;
  repo: string;
  values: Record<string, unknown>;
  inputs: Record<string, unknown>;
}

/** Every Helm release each stack renders, with the chart version that stack uses. */
const releases = (): Release[] =>
  STACKS.flatMap((stack) =>
    ofType(rendered(stack), RELEASE).map((r) => ({
      stack,
      name: r.name,
      chart: r.inputs.chart as string,
      version: r.inputs.version as string,
      repo: (r.inputs.repositoryOpts as { repo: string }).repo,
      values: r.inputs.values as Record<string, unknown>,
      inputs: r.inputs,
    })),
  );

/** The pins of infra/versions.ts: a stack that sets no version of its own renders these. */
const PINS = [KUBE_PROMETHEUS_STACK, GRAFANA_CHART, ECK_OPERATOR];

/**
 * Where each `deploys` statement of infra/versions.ts is read in its chart: the image tag's values
 * path; an empty tag means the chart's appVersion (as each of these values.yaml says).
 */
const DEPLOYED_IMAGES: Record<string, Record<string, string>> = {
  [KUBE_PROMETHEUS_STACK.chart]: {
    prometheusOperator: "prometheusOperator.image.tag",
    prometheus: "prometheus.prometheusSpec.image.tag",
    alertmanager: "alertmanager.alertmanagerSpec.image.tag",
  },
  [GRAFANA_CHART.chart]: { grafana: "image.tag" },
};

/** What a chart version deploys, from its committed values.yaml and Chart.yaml. */
function deployedBy(chart: string, version: string): Record<string, string | undefined> {
  const data = chartData(chart, version);
  return Object.fromEntries(
    Object.entries(DEPLOYED_IMAGES[chart] ?? {}).map(([what, path]) => {
      const tag = at(data.values, path);
      const source = typeof tag === "string" && tag !== "" ? tag : String(data.chartYaml.appVersion ?? "");
      return [what, releaseOf(source)];
    }),
  );
}

describe("chart versions and their committed values.yaml", () => {
  it("has the values.yaml and Chart.yaml of every chart version a stack renders or infra/versions.ts pins", () => {
    const problems = missingChartFiles([
      ...releases().map((r) => ({ ...r, who: `stack ${r.stack} renders` })),
      ...PINS.map((p) => ({ ...p, who: "infra/versions.ts pins" })),
    ]);
    if (problems.length > 0) throw new Error(problems.join("\n\n"));
  });

  it.each(committedCharts())(
    "%s %s: each file is that chart version, under a header naming its source",
    (chart, version) => {
      const data = chartData(chart, version);
      for (const [file, header] of Object.entries(data.header)) {
        expect(header.chart, file).toBe(chart);
        expect(header.version, file).toBe(version);
        expect(header.source, file).toMatch(
          new RegExp(
            `^https://github\\.com/[\\w.-]+/[\\w.-]+ \\S+/${file === "values" ? "values" : "Chart"}\\.yaml$`,
          ),
        );
        expect(header.tag, file).toMatch(/^\S+ \(commit [0-9a-f]{40}\)$/);
      }
      expect(data.chartYaml.name).toBe(chart);
      expect(String(data.chartYaml.version)).toBe(version);
    },
  );

  it("names the file to add, and how, for a chart version that is not committed", () => {
    const problems = missingChartFiles([
      { chart: GRAFANA_CHART.chart, version: "0.0.1", repo: GRAFANA_CHART.repo, who: "stack test renders" },
      { chart: GRAFANA_CHART.chart, version: GRAFANA_CHART.version, repo: GRAFANA_CHART.repo, who: "pinned" },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("stack test renders grafana 0.0.1");
    expect(problems[0]).toContain("tests/data/charts/grafana/0.0.1/values.yaml");
    expect(problems[0]).toContain(`helm show values chart-source/grafana --version 0.0.1`);
    expect(problems[0]).toContain(`helm repo add chart-source ${GRAFANA_CHART.repo}`);
  });

  describe.each(STACKS)("%s", (stack) => {
    it.each(
      releases()
        .filter((r) => r.stack === stack)
        .map((r) => [r.name, r] as const),
    )("%s sets only keys its chart version has", (_, r) => {
      const [missing] = missingChartFiles([{ ...r, who: `stack ${stack} renders` }]);
      if (missing) throw new Error(missing);
      expect(unknownValueKeys(r.values, chartData(r.chart, r.version), PASSTHROUGH[r.chart])).toEqual([]);
    });
  });
});

describe("the values check", () => {
  const kps = () => chartData(KUBE_PROMETHEUS_STACK.chart, KUBE_PROMETHEUS_STACK.version);
  const grafana = () => chartData(GRAFANA_CHART.chart, GRAFANA_CHART.version);

  it("names each unknown key by its full dotted path, also below a {} default that is not a passthrough", () => {
    const values = {
      fullnameOverride: "kps",
      prometheus: {
        prometheusSpec: {
          retention: "7d",
          retentionn: "7d",
          nodeSelector: { disktype: "ssd" },
          resources: { requests: { cpu: "1" } },
        },
      },
      alertmanager: { config: { route: { receiver: "x" }, time_intervals: [], anything: { at: "all" } } },
      grafanaa: { enabled: false },
    };
    expect(unknownValueKeys(values, kps(), PASSTHROUGH[KUBE_PROMETHEUS_STACK.chart])).toEqual([
      "prometheus.prometheusSpec.retentionn",
      "prometheus.prometheusSpec.nodeSelector.disktype",
      "grafanaa",
    ]);
    // Without the passthrough list, the Prometheus resources and Alertmanager's file are unknown too.
    expect(unknownValueKeys(values, kps())).toEqual(
      expect.arrayContaining([
        "prometheus.prometheusSpec.resources.requests",
        "alertmanager.config.time_intervals",
        "alertmanager.config.anything",
      ]),
    );
  });

  it("takes a key the chart documents only in a comment, and nothing else from comments", () => {
    const values = {
      ingress: { enabled: true, ingressClassName: "nginx", ingressClassNam: "typo" },
      podLabels: { environment: "dev" },
      "grafana.ini": { server: { root_url: "https://g" }, anything: { goes: true } },
    };
    expect(unknownValueKeys(values, grafana(), PASSTHROUGH[GRAFANA_CHART.chart])).toEqual([
      "ingress.ingressClassNam",
    ]);
    const text = [
      "a:",
      "  b: 1",
      "  # c: documented",
      "  #   d: an example, indented inside the comment",
      "  script: |",
      "    # e: inside a block scalar",
      "  list:",
      "    - name: x",
      "      # f: inside a list item",
      "# g: {}",
      "h: {}",
    ].join("\n");
    expect([...commentedKeys(text)].sort()).toEqual(["a.c", "g"]);
  });

  it("accepts a passthrough only where the chart has that key, each with its reason", () => {
    for (const [chart, version] of committedCharts()) {
      const data = chartData(chart, version);
      for (const [path, p] of Object.entries(PASSTHROUGH[chart] ?? {})) {
        const value = at(data.values, path);
        expect(value !== undefined || data.commented.has(path), `${chart} ${version}: ${path}`).toBe(true);
        expect(p.why.length, `${chart}: ${path}`).toBeGreaterThan(20);
        // A map passthrough is a field the chart copies as it is: its default has no keys of the chart.
        if (p.kind === "map")
          expect(value === undefined || (isMap(value) && Object.keys(value).length === 0)).toBe(true);
      }
    }
  });
});

describe("what the pinned charts deploy (infra/versions.ts `deploys`)", () => {
  it.each([KUBE_PROMETHEUS_STACK, GRAFANA_CHART].map((p) => [p.chart, p] as const))(
    "%s: each statement is what the chart's values.yaml and Chart.yaml give, and each is checked",
    (chart, pin) => {
      expect(Object.keys(DEPLOYED_IMAGES[chart] ?? {}).sort()).toEqual(Object.keys(pin.deploys).sort());
      expect(deployedBy(chart, pin.version)).toEqual(pin.deploys);
    },
  );

  it.each(
    releases()
      .filter((r) => r.chart in DEPLOYED_IMAGES)
      .map((r) => [r.stack, r.name, r] as const),
  )("%s %s deploys what is stated, with no image of its own", (_, __, r) => {
    const pin = PINS.find((p) => p.chart === r.chart) as { deploys: Record<string, string> };
    expect(deployedBy(r.chart, r.version)).toEqual(pin.deploys);
    for (const path of Object.values(DEPLOYED_IMAGES[r.chart] ?? {}))
      expect(at(r.values, path.replace(/\.tag$/, "")), path).toBeUndefined();
  });
});

describe("kube-prometheus-stack upgrades its CRDs with the chart", () => {
  it.each(
    releases()
      .filter((r) => r.chart === KUBE_PROMETHEUS_STACK.chart)
      .map((r) => [r.stack, r] as const),
  )(
    "%s: the chart installs its CRDs and its upgrade Job applies them on every upgrade, on a pinned image",
    (_, r) => {
      expect(r.inputs.skipCrds).toBe(false);
      // Helm runs hooks unless told not to; the upgrade Job is one. Pulumi's Release passes
      // disableWebhooks as Helm's DisableHooks on install and disableCRDHooks on upgrade.
      expect(r.inputs.disableWebhooks ?? false).toBe(false);
      expect(r.inputs.disableCRDHooks ?? false).toBe(false);
      expect(at(r.values, "crds.enabled") ?? at(chartData(r.chart, r.version).values, "crds.enabled")).toBe(
        true,
      );
      expect(at(r.values, "crds.upgradeJob.enabled")).toBe(true);
      expect(at(r.values, "crds.upgradeJob.image.busybox")).toEqual(CRD_UPGRADE_BUSYBOX);
      expect(CRD_UPGRADE_BUSYBOX.tag).toMatch(/^\d+\.\d+\.\d+$/);
    },
  );

  it("leaves the CRDs to the cluster's operators when metrics.crdUpgradeJob is false", () => {
    const config = stackConfig("prod", {
      metrics: { ...stackValue<object>("prod", "metrics"), crdUpgradeJob: false },
    });
    expect(at(kpsValues(config, alertmanagerConfig(config)), "crds.upgradeJob.enabled")).toBe(false);
  });
});
