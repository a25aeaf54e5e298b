import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isRef } from "../../infra/generators/refs";
import { SETTINGS_JOBS } from "../../infra/generators/logging";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { redact } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { rendered, STACKS } from "../helpers/render";

/**
 * What the render shows is what `pulumi up` deploys: every rendered artifact equals the input the
 * program hands to its resource. A `$ref` in an artifact stands for a value only `pulumi up` has
 * (a secret, an ARN), so it matches whatever the resource received there.
 */
function sameAsDeployed(artifact: unknown, deployed: unknown, path = "$"): string[] {
  if (isRef(artifact))
    return deployed === undefined ? [`${path}: nothing deployed for ${artifact.$ref}`] : [];
  if (Array.isArray(artifact)) {
    if (!Array.isArray(deployed) || deployed.length !== artifact.length) return [`${path}: lists differ`];
    return artifact.flatMap((a, i) => sameAsDeployed(a, deployed[i], `${path}[${i}]`));
  }
  if (artifact && typeof artifact === "object") {
    if (!deployed || typeof deployed !== "object") return [`${path}: deployed is not an object`];
    const keys = new Set([...Object.keys(artifact), ...Object.keys(deployed)]);
    return [...keys].flatMap((k) =>
      sameAsDeployed(
        (artifact as Record<string, unknown>)[k],
        (deployed as Record<string, unknown>)[k],
        `${path}.${k}`,
      ),
    );
  }
  return artifact === deployed
    ? []
    : [`${path}: rendered ${JSON.stringify(artifact)}, deployed ${JSON.stringify(deployed)}`];
}

describe.each(STACKS)("rendered artifacts of %s are the deployed values", (stack) => {
  let result: RenderResult;
  const artifact = (path: string): string => {
    const a = result.artifacts.find((x) => x.path === path);
    if (!a) throw new Error(`no artifact ${path}`);
    return a.content;
  };
  const inputs = (type: string, name?: string): RecordedResource["inputs"][] =>
    result.resources
      .filter((r) => r.type === type && (name === undefined || r.name === name))
      .map((r) => redact(r.inputs) as RecordedResource["inputs"]);
  beforeAll(() => {
    result = rendered(stack);
  });

  it("s3/<bucket>-lifecycle.json: the rules of that bucket's lifecycle configuration", () => {
    const configs = inputs("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    const files = result.artifacts.filter((a) => a.path.startsWith("s3/"));
    expect(files.length).toBe(configs.length);
    for (const f of files) {
      const bucket = f.path.slice("s3/".length, -"-lifecycle.json".length);
      const deployed = configs.find((c) => c.bucket === bucket);
      expect(deployed, f.path).toBeDefined();
      const { bucket: _, ...rest } = deployed!;
      expect(sameAsDeployed(JSON.parse(f.content), rest), f.path).toEqual([]);
    }
  });

  it("prometheus/rules.yaml: the groups of the Metrics component's PrometheusRules, in order", () => {
    const rules = result.resources
      .filter(
        (r) =>
          r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && r.name.startsWith("metrics-"),
      )
      .map((r) => redact(r.inputs) as RecordedResource["inputs"]);
    expect(rules.length).toBeGreaterThan(0);
    const groups = rules.flatMap((r) => (r.spec as { groups: unknown[] }).groups);
    expect(sameAsDeployed(parse(artifact("prometheus/rules.yaml")), { groups })).toEqual([]);
  });

  it("prometheus/platform-rules.yaml: the platform's PrometheusRule", () => {
    const [rule] = inputs("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "platform-rules");
    expect(sameAsDeployed(parse(artifact("prometheus/platform-rules.yaml")), rule!.spec)).toEqual([]);
  });

  it("exporters/*: the modules the blackbox exporter and Filebeat's json_exporter read", () => {
    const [blackbox] = inputs("kubernetes:core/v1:ConfigMap", "platform-blackbox-config");
    expect((blackbox!.data as Record<string, string>)["blackbox.yml"]).toBe(
      artifact("exporters/blackbox.yml"),
    );
    const [stats] = inputs("kubernetes:core/v1:ConfigMap", "logging-filebeat-json-exporter");
    expect((stats!.data as Record<string, string>)["config.yml"]).toBe(
      artifact("exporters/json-exporter.yml"),
    );
  });

  it("alertmanager/alertmanager.yaml: the Alertmanager config in the chart's values", () => {
    const [release] = inputs("kubernetes:helm.sh/v3:Release", "metrics-kps");
    const values = release!.values as { alertmanager: { config: unknown } };
    expect(
      sameAsDeployed(parse(artifact("alertmanager/alertmanager.yaml")), values.alertmanager.config),
    ).toEqual([]);
  });

  it("grafana/dashboards/<uid>.json: each Dashboard's configJson", () => {
    const dashboards = inputs("grafana:oss/dashboard:Dashboard");
    const files = result.artifacts.filter((a) => a.path.startsWith("grafana/dashboards/"));
    expect(files.length).toBe(dashboards.length);
    for (const d of dashboards) {
      const model = JSON.parse(d.configJson as string) as { uid: string };
      expect(sameAsDeployed(JSON.parse(artifact(`grafana/dashboards/${model.uid}.json`)), model)).toEqual([]);
    }
  });

  it("elasticsearch/<kind>/<name>.json: the bodies of the settings Jobs' plans", () => {
    const plan = SETTINGS_JOBS.map((j) => `logging-${j}`).flatMap((name) => {
      const [configMap] = inputs("kubernetes:core/v1:ConfigMap", name);
      return JSON.parse((configMap!.data as Record<string, string>)["plan.json"]!) as {
        kind: string;
        name: string;
        body: unknown;
      }[];
    });
    const files = result.artifacts.filter((a) => a.path.startsWith("elasticsearch/"));
    expect(files.length).toBe(plan.length);
    for (const step of plan) {
      const file = `elasticsearch/${step.kind}/${step.name.replace(/[^A-Za-z0-9@._-]/g, "_")}.json`;
      expect(sameAsDeployed(JSON.parse(artifact(file)), step.body), file).toEqual([]);
    }
  });

  it("sentry/<project>-scrubbing.json: each project's scrubbing settings", () => {
    for (const s of inputs("pulumi-nodejs:dynamic/sentry:DataScrubbing")) {
      const file = `sentry/${s.project as string}-scrubbing.json`;
      expect(sameAsDeployed(JSON.parse(artifact(file)), s.settings), file).toEqual([]);
    }
  });

  it("sentry/alert-rules.json: every issue alert and metric alert rule", () => {
    const rules = JSON.parse(artifact("sentry/alert-rules.json")) as Record<string, Record<string, unknown>>;
    for (const [kind, type] of [
      ["issueAlerts", "sentry:index/sentryIssueAlert:SentryIssueAlert"],
      ["metricAlerts", "pulumi-nodejs:dynamic/sentry:MetricAlertRule"],
    ] as const) {
      const deployed = result.resources.filter((r) => r.type === type);
      expect(deployed.map((r) => r.name).sort()).toEqual(
        Object.keys(rules[kind]!)
          .map((id) => `sentry-${id}`)
          .sort(),
      );
      for (const r of deployed)
        expect(
          // The REST provider's code travels with each of its resources; the render shows its file.
          sameAsDeployed(
            rules[kind]![r.name.slice("sentry-".length)],
            redact({ ...r.inputs, __provider: undefined }),
          ),
          r.name,
        ).toEqual([]);
    }
  });

  it("newrelic/alerts.json: every New Relic resource, when New Relic is on", () => {
    const nr = result.artifacts.find((a) => a.path === "newrelic/alerts.json");
    const deployed = result.resources.filter((r) => r.type.startsWith("newrelic:index/"));
    if (!result.config.frontend.newRelic.enabled) {
      expect(nr).toBeUndefined();
      expect(deployed).toEqual([]);
      return;
    }
    const doc = JSON.parse(nr!.content) as {
      browserApplication: unknown;
      priorities: {
        priority: string;
        policy: unknown;
        conditions: Record<string, unknown>;
        destination: unknown;
        channels: Record<string, unknown>;
        workflow: unknown;
      }[];
    };
    const one = (name: string) => redact(deployed.find((r) => r.name === name)?.inputs);
    const expected: [string, unknown][] = [["frontend-browser", doc.browserApplication]];
    for (const p of doc.priorities) {
      const prefix = `frontend-${p.priority.toLowerCase()}`;
      expected.push(
        [`${prefix}-policy`, p.policy],
        [`${prefix}-destination`, p.destination],
        [`${prefix}-workflow`, p.workflow],
      );
      for (const [key, c] of Object.entries(p.conditions)) expected.push([`frontend-${key}`, c]);
      for (const [suffix, c] of Object.entries(p.channels)) expected.push([`${prefix}-${suffix}`, c]);
    }
    expect(deployed.map((r) => r.name).sort()).toEqual(expected.map(([n]) => n).sort());
    for (const [name, args] of expected) expect(sameAsDeployed(args, one(name)), name).toEqual([]);
  });
});

describe.each(STACKS)("rendered YAML of %s", (stack) => {
  // YAML 1.1 readers (PyYAML) read `1:7` as 67 and `02:00` as 120 (base 60): every string
  // that could be read as something else is quoted, so both generations read the same document.
  it("reads the same under YAML 1.1 as under YAML 1.2", () => {
    const files = rendered(stack).artifacts.filter((a) => /\.ya?ml$/.test(a.path));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(parse(f.content, { version: "1.1" }), f.path).toEqual(parse(f.content));
  });
});
