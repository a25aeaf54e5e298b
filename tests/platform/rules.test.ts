import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PRIORITIES } from "../../infra/catalog/alert-levels";
import { toYaml } from "../../infra/artifacts";
import { eckNames } from "../../infra/generators/logging/names";
import {
  COMPONENTS,
  filebeatDaemonSet,
  PLATFORM_ALERTS,
  type PlatformAlertSpec,
  platformRuleFile,
} from "../../infra/generators/platform";
import { alertProblems } from "../../policy/alerts";
import { stackConfig } from "../../scripts/lib/stack-config";
import { rendered, STACKS } from "../helpers/render";
import { runTool, runToolAsync, tempFiles } from "../helpers/tools";
import { thanosHealthy } from "../thanos/series";

/**
 * The platform's rules as rendered (prometheus/platform-rules.yaml): promtool accepts them, every
 * alert has the labels the routing and the policy pack need, and promtool scenarios show each fault
 * firing its priority within the time docs/alerts.md states, and normal operation firing nothing.
 */

describe.each(STACKS)("platform rules (%s)", (stack) => {
  let file: string;
  beforeAll(() => {
    file = rendered(stack).artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content;
  });

  it("are what the generator makes, and promtool accepts them", () => {
    expect(parse(file)).toEqual(platformRuleFile(rendered(stack).config));
    const dir = tempFiles({ "rules.yaml": file });
    const r = runTool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`SUCCESS: ${PLATFORM_ALERTS.length} rules found`));
    expect(r.status).toBe(0);
  });

  it("label every alert with priority, the owner team and its component, with a reason and runbook", () => {
    const config = rendered(stack).config;
    const rules = (parse(file) as ReturnType<typeof platformRuleFile>).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(PLATFORM_ALERTS.map((a) => a.alert));
    for (const r of rules) {
      const spec = PLATFORM_ALERTS.find((a) => a.alert === r.alert)!;
      expect(r.labels, r.alert).toEqual({
        priority: spec.priority,
        team: config.metrics.ownerTeam,
        component: spec.component,
      });
      expect(PRIORITIES).toContain(r.labels?.priority);
      expect(COMPONENTS).toContain(r.labels?.component);
      expect(r.annotations?.description, r.alert).toContain(`Priority ${spec.priority}: ${spec.reason}.`);
      expect(r.annotations?.runbook_url).toBe(`${config.metrics.runbookBaseUrl}/${spec.runbook}.md`);
      // The policy pack's alert-rules-labelled, as it reads a PrometheusRule.
      expect(
        alertProblems({ name: r.alert!, labels: r.labels!, annotations: r.annotations!, expr: r.expr }),
      ).toEqual([]);
    }
  });
});

/** Series of the dev stack's parts as their exporters label them, at 30s steps (the scrape interval). */
const config = stackConfig("dev");
const NS = config.logging.namespace;
const LS = (name: string, labels = "") =>
  `${name}{job="logstash",namespace="${NS}",pod="${eckNames(config).logstash}-ls-0"${labels}}`;
/** Filebeat runs in its own namespace (infra/generators/pod-security). */
const FB_NS = eckNames(config).filebeatNamespace;
const FB = (name: string, node: string) =>
  `${name}{job="filebeat",namespace="${FB_NS}",pod="filebeat-${node}",node="${node}"}`;
/** `steps` samples growing by `by`, then flat (a promtool expanding notation). */
const grows = (by: number, steps: number, then = 0) =>
  then > 0 ? `0+${by}x${steps} ${by * steps}+0x${then}` : `0+${by}x${steps}`;

const MINUTES = 70;
const N = MINUTES * 2;
const ingest = ',pipeline="ingest"';
const archive = ',pipeline="archive"';
const s3 = (t: string) => `${archive},plugin_type="output",plugin="s3",plugin_id="archive-s3-${t}"`;

/** Everything healthy for MINUTES: traffic flows, queues stay small, every target is up. */
function healthy(): Record<string, string> {
  const settingsJob = `${eckNames(config).elasticsearch}-settings-0123456789`;
  return {
    [LS("logstash_info_up")]: `1x${N}`,
    [LS("up")]: `1x${N}`,
    [LS("logstash_stats_pipeline_events_in", ingest)]: grows(300, N),
    [LS("logstash_stats_pipeline_events_out", ingest)]: grows(300, N),
    [LS("logstash_stats_pipeline_flow_queue_backpressure_current", ingest)]: `0x${N}`,
    [LS("logstash_stats_pipeline_queue_events_count", ingest)]: `0x${N}`,
    [LS("logstash_stats_pipeline_events_in", archive)]: grows(300, N),
    [LS("logstash_stats_pipeline_events_out", archive)]: grows(300, N),
    [LS("logstash_stats_pipeline_queue_events_count", archive)]: `3+0x${N}`,
    [LS("logstash_stats_pipeline_queue_events_queue_size", archive)]: `10000000+0x${N}`,
    [LS("logstash_stats_pipeline_queue_max_size_in_bytes", archive)]: `1073741824+0x${N}`,
    [LS("logstash_stats_pipeline_plugin_events_out", s3("application"))]: grows(290, N),
    [LS("logstash_stats_pipeline_plugin_events_out", s3("audit"))]: grows(10, N),
    [LS("logstash_stats_pipeline_dead_letter_queue_size_in_bytes", ingest)]: `1+0x${N}`,
    [LS("logstash_stats_pipeline_dead_letter_queue_dropped_events", ingest)]: `0x${N}`,
    [LS("logstash_stats_pipeline_up", ingest)]: `1x${N}`,
    [LS("logstash_stats_pipeline_up", archive)]: `1x${N}`,
    [LS("logstash_stats_pipeline_reloads_failures", ingest)]: `0x${N}`,
    ...Object.fromEntries(
      ["node-a", "node-b"].flatMap((n) => [
        [FB("up", n), `1x${N}`],
        [FB("filebeat_output_events_acked_total", n), grows(150, N)],
        [FB("filebeat_pipeline_events_active", n), `20+0x${N}`],
        // One failed batch, retried: not sustained, no alert.
        [FB("filebeat_output_events_failed_total", n), `0x20 50+0x${N - 21}`],
        [FB("filebeat_output_write_errors_total", n), `0x${N}`],
        [FB("filebeat_output_events_dropped_total", n), `0x${N}`],
        [FB("filebeat_pipeline_events_dropped_total", n), `0x${N}`],
      ]),
    ),
    [`kube_daemonset_status_number_unavailable{namespace="${FB_NS}",daemonset="${filebeatDaemonSet(config)}"}`]: `0x${N}`,
    'probe_success{job="kibana",namespace="monitoring",instance="kibana"}': `1x${N}`,
    'up{job="kibana",namespace="monitoring",instance="kibana"}': `1x${N}`,
    'up{job="eck-operator",namespace="elastic-system",pod="elastic-operator-0"}': `1x${N}`,
    [`kube_job_failed{namespace="${NS}",job_name="${settingsJob}",condition="true"}`]: `0x${N}`,
    [`kube_job_failed{namespace="${NS}",job_name="${settingsJob}",condition="false"}`]: `1x${N}`,
    [`up{job="grafana",namespace="${config.grafana.namespace}",pod="grafana-0"}`]: `1x${N}`,
    [`grafana_alerting_rule_evaluation_failures_total{job="grafana",namespace="${config.grafana.namespace}",pod="grafana-0"}`]: `0x${N}`,
    // Thanos's parts (their faults: tests/thanos/alerts.test.ts).
    ...thanosHealthy(N),
  };
}

const series = (values: Record<string, string>) =>
  Object.entries(values).map(([s, v]) => ({ series: s, values: v }));

const labelsOf = (alert: string) => {
  const spec = PLATFORM_ALERTS.find((a) => a.alert === alert) as PlatformAlertSpec;
  return { priority: spec.priority, team: config.metrics.ownerTeam, component: spec.component };
};

/** An alert as promtool expects it: its labels, and its annotations with `{{ $labels.x }}` filled in. */
function expected(alert: string, labels: Record<string, string>) {
  const rule = platformRuleFile(config)
    .groups.flatMap((g) => g.rules)
    .find((r) => r.alert === alert)!;
  const fill = (t: string) => {
    expect(t, `${alert} templates only labels here`).not.toContain("$value");
    return t.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? "");
  };
  return {
    exp_labels: { ...labelsOf(alert), ...labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, fill(v)])),
  };
}

/** Minutes as promtool's eval_time. */
const at = (minutes: number) => `${minutes}m`;
const FAULT = 10;

/** One promtool run for every scenario: a test group each. */
function scenarios() {
  const quiet = (minutes: number) =>
    PLATFORM_ALERTS.map((a) => ({ eval_time: at(minutes), alertname: a.alert, exp_alerts: [] }));
  const stalled = healthy();
  // The ingest pipeline's output blocks (Elasticsearch refuses writes): nothing leaves, the inputs
  // block on the full memory queue (`in` stops too), backpressure shows it.
  stalled[LS("logstash_stats_pipeline_events_out", ingest)] = grows(300, FAULT * 2, N - FAULT * 2);
  stalled[LS("logstash_stats_pipeline_events_in", ingest)] = grows(300, FAULT * 2, N - FAULT * 2);
  stalled[LS("logstash_stats_pipeline_flow_queue_backpressure_current", ingest)] =
    `0x${FAULT * 2} 1+0x${N - FAULT * 2}`;
  const archiveDown = healthy();
  // S3 uploads fail: the S3 outputs stop, the persisted queue takes in what the ingest pipeline sends.
  archiveDown[LS("logstash_stats_pipeline_plugin_events_out", s3("application"))] = grows(
    290,
    FAULT * 2,
    N - FAULT * 2,
  );
  archiveDown[LS("logstash_stats_pipeline_plugin_events_out", s3("audit"))] = grows(
    10,
    FAULT * 2,
    N - FAULT * 2,
  );
  archiveDown[LS("logstash_stats_pipeline_events_out", archive)] = grows(300, FAULT * 2, N - FAULT * 2);
  archiveDown[LS("logstash_stats_pipeline_queue_events_count", archive)] =
    `3+0x${FAULT * 2} 3+300x${N - FAULT * 2}`;
  const nodeSilent = healthy();
  nodeSilent[FB("filebeat_output_events_acked_total", "node-a")] = grows(150, FAULT * 2, N - FAULT * 2);
  nodeSilent[FB("filebeat_pipeline_events_active", "node-a")] = `20+0x${FAULT * 2} 20+50x${N - FAULT * 2}`;
  const kibanaDown = healthy();
  kibanaDown[`probe_success{job="kibana",namespace="monitoring",instance="kibana"}`] =
    `1x${FAULT * 2} 0x${N - FAULT * 2}`;
  const jobFailed = healthy();
  const job = `${eckNames(config).elasticsearch}-settings-0123456789`;
  jobFailed[`kube_job_failed{namespace="${NS}",job_name="${job}",condition="true"}`] =
    `0x${FAULT * 2} 1x${N - FAULT * 2}`;

  const fires = (
    alert: string,
    within: number,
    labels: Record<string, string>,
  ): Record<string, unknown>[] => [
    // Not before the fault's first window has passed, and by the stated time.
    { eval_time: at(FAULT + 3), alertname: alert, exp_alerts: [] },
    { eval_time: at(FAULT + within), alertname: alert, exp_alerts: [expected(alert, labels)] },
  ];
  const pod = `${eckNames(config).logstash}-ls-0`;
  return [
    { name: "healthy", values: healthy(), alerts: [...quiet(10), ...quiet(30), ...quiet(MINUTES - 1)] },
    {
      name: "stalled ingest pipeline: P1 within 11 minutes",
      values: stalled,
      alerts: [
        ...fires("LogstashPipelineStalled", 11, { namespace: NS, pod, pipeline: "ingest" }),
        { eval_time: at(FAULT + 30), alertname: "ArchiveOutputFailing", exp_alerts: [] },
      ],
    },
    {
      name: "archive output blocked: P1 within 16 minutes",
      values: archiveDown,
      alerts: [
        ...fires("ArchiveOutputFailing", 16, { namespace: NS, pod }),
        // One page per cause: the archive pipeline does not also page as stalled.
        { eval_time: at(FAULT + 30), alertname: "LogstashPipelineStalled", exp_alerts: [] },
      ],
    },
    {
      name: "a node whose Filebeat ships nothing: P2 within 21 minutes",
      values: nodeSilent,
      alerts: fires("FilebeatNodeShipsNothing", 21, {
        namespace: FB_NS,
        pod: "filebeat-node-a",
        node: "node-a",
      }),
    },
    {
      name: "Kibana answers 503: P2 within 6 minutes",
      values: kibanaDown,
      alerts: fires("KibanaUnavailable", 6, { instance: "kibana" }),
    },
    {
      name: "the settings Job fails: P2 within 2 minutes",
      values: jobFailed,
      alerts: [
        {
          eval_time: at(FAULT + 2),
          alertname: "LoggingSettingsJobFailed",
          exp_alerts: [expected("LoggingSettingsJobFailed", { namespace: NS, job_name: job })],
        },
      ],
    },
  ];
}

describe("platform alert scenarios (promtool, dev)", () => {
  it("fire the intended priority within the stated time, and nothing while everything is healthy", async () => {
    const rules = rendered("dev").artifacts.find((a) => a.path === "prometheus/platform-rules.yaml")!.content;
    const all = scenarios();
    const test = {
      rule_files: [join(tempFiles({ "rules.yaml": rules }), "rules.yaml")],
      // The deployed evaluation interval (metrics.prometheus.evaluationInterval).
      evaluation_interval: config.metrics.prometheus.evaluationInterval,
      tests: all.map((s) => ({
        name: s.name,
        interval: "30s",
        input_series: series(s.values),
        alert_rule_test: s.alerts,
      })),
    };
    const dir = tempFiles({ "t.yaml": toYaml(test) });
    const r = await runToolAsync("promtool", ["test", "rules", join(dir, "t.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The stated times are the ones docs/alerts.md shows.
    for (const [alert, minutes] of [
      ["LogstashPipelineStalled", 11],
      ["ArchiveOutputFailing", 16],
      ["FilebeatNodeShipsNothing", 21],
      ["KibanaUnavailable", 6],
      ["LoggingSettingsJobFailed", 2],
    ] as const)
      expect(PLATFORM_ALERTS.find((a) => a.alert === alert)!.firesWithin).toMatch(new RegExp(`^${minutes}m`));
  });
});

describe("edge values the schema accepts become platform rules the tools accept", () => {
  it("the longest names of the logging cluster, its namespace, Grafana's and the services", async () => {
    const { readStackFile } = await import("../../scripts/lib/stack-file.js");
    const section = (key: string) =>
      JSON.parse(readStackFile("dev").config[`observability:${key}`]!) as Record<string, unknown>;
    const long = (n: number, first = "z") => `${first}${"9-".repeat(n).slice(0, n - 2)}z`;
    const edge = stackConfig("dev", {
      logging: { ...section("logging"), clusterName: long(36), namespace: long(40) },
      // Each namespace of the stack has a name of its own.
      grafana: { ...section("grafana"), namespace: long(40, "g") },
      services: [{ name: long(40), team: "platform", namespace: long(40, "y") }],
    });
    const dir = tempFiles({ "rules.yaml": toYaml(platformRuleFile(edge)) });
    const r = runTool("promtool", ["check", "rules", join(dir, "rules.yaml")]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
    // The settings Jobs' names are matched exactly, whatever the cluster is called.
    const failed = platformRuleFile(edge)
      .groups.flatMap((g) => g.rules)
      .find((x) => x.alert === "LoggingSettingsJobFailed")!;
    expect(failed.expr).toContain(`job_name=~"${long(36)}-(settings|extras|users)-[0-9a-f]{10}"`);
  });
});

describe("the platform's scrape jobs", () => {
  it("are reserved: no configured service may take one of their `job` names", async () => {
    const { RESERVED_JOBS } = await import("../../infra/config/services.js");
    const { PLATFORM_JOBS } = await import("../../infra/generators/platform/index.js");
    for (const job of Object.values(PLATFORM_JOBS)) expect(RESERVED_JOBS).toContain(job);
    expect(() => stackConfig("dev", { services: [{ name: "kibana", team: "platform" }] })).toThrow(
      /services\[0\]\.name: expected a name that is not a job of the platform itself/,
    );
  });
});
