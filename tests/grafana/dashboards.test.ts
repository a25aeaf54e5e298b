import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  DASHBOARDS,
  dashboardContext,
  KUBE_STATE_METRICS_SERIES,
  PROMETHEUS_BUILTIN_SERIES,
  rolloutExpr,
} from "../../dashboards";
import {
  MISSING_REQUEST_ID_TAG,
  PIPELINE_FIELDS,
  LOG_FIELDS as SCHEMA_FIELDS,
} from "../../infra/catalog/log-schema";
import { contractMetrics, seriesNames } from "../../infra/catalog/metric-contract";
import { ALL_RECORDS, type RuleTopic } from "../../infra/catalog/recording-rules";
import {
  dataSources,
  defaultUpstreams,
  grafanaConcern,
  renderDashboards,
} from "../../infra/generators/grafana";
import { LOG_FIELDS } from "../../dashboards/logs";
import { ELASTICSEARCH_EXPORTER_SERIES } from "../../dashboards/logging-pipeline";
import { FILEBEAT_METRICS } from "../../infra/generators/platform/filebeat";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runTool, tempFiles } from "../helpers/tools";
import { SERVICE_DATA } from "../../infra/generators/metrics/alerts";
import { ruleFile } from "../../infra/generators/metrics/rules";
import { parsePromql, serviceSelectionProblems, substituteVariables } from "./promql";

interface Target {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  expr?: string;
  query?: string;
  metrics?: { type: string }[];
  bucketAggs?: { type: string; field?: string }[];
  queryType?: string;
  hide?: boolean;
  type?: string;
  expression?: string;
}
interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
}
interface Model {
  uid: string;
  title: string;
  tags: string[];
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
  annotations?: { list: (Target & { name: string; titleFormat?: string })[] };
}

const RECORDED = new Set(ALL_RECORDS.map((r) => r.record));
const CONTRACT = new Set(contractMetrics().flatMap(seriesNames));
/**
 * The "Logging pipeline" dashboard reads the platform's exporters: Logstash's (the exporter's own
 * metric list at the pinned tag), Filebeat's (our json_exporter module) and Elasticsearch's
 * (tests/platform/metric-names.test.ts checks each source).
 */
const PLATFORM_SERIES = [
  ...readFileSync(join(__dirname, "../data/exporters/logstash-exporter/v1.9.1/metric_names.txt"), "utf8")
    .split("\n")
    .filter(Boolean),
  ...FILEBEAT_METRICS.map((m) => m.name),
  ...ELASTICSEARCH_EXPORTER_SERIES,
];
const ALLOWED = new Set<string>([
  ...RECORDED,
  ...CONTRACT,
  ...PROMETHEUS_BUILTIN_SERIES,
  ...KUBE_STATE_METRICS_SERIES,
  // The configured services' (namespace, job) pairs: what every query selects services by.
  SERVICE_DATA.info,
  ...PLATFORM_SERIES,
]);
/** Series of a service (its namespace and job) that a dashboard may read. */
const SERVICE_SERIES = new Set<string>([...RECORDED, ...CONTRACT, ...PROMETHEUS_BUILTIN_SERIES]);

describe.each(["dev", "prod"] as const)("dashboards (%s)", (stack) => {
  const config = stackConfig(stack);
  const ctx = dashboardContext(config);
  const models = renderDashboards(config).map((d) => d.model as unknown as Model);
  const targets = models.flatMap((m) =>
    m.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: m.uid, panel: p.title, t }))),
  );
  // Annotation queries are PromQL too, checked like every panel's.
  const annotationTargets = models.flatMap((m) =>
    (m.annotations?.list ?? []).map((a) => ({ dashboard: m.uid, panel: `annotation ${a.name}`, t: a })),
  );
  const promTargets = [...targets, ...annotationTargets].filter((x) => x.t.datasource?.type === "prometheus");

  it("has every dashboard of the spec with a stable uid, title and tags", () => {
    expect(models.map((m) => m.uid)).toEqual([
      "obs-service-overview",
      "obs-database",
      "obs-cache",
      "obs-background-jobs",
      "obs-memory",
      "obs-logs",
      "obs-logging-pipeline",
      "obs-frontend",
      "obs-alerts",
      "obs-business",
    ]);
    for (const m of models) {
      expect(m.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(m.title.length).toBeGreaterThan(3);
      expect(m.tags).toContain("managed-by-pulumi");
      expect(m.tags.length).toBeGreaterThan(2);
    }
  });

  it("lets All match every series in PromQL and expands it for Lucene", () => {
    for (const m of models) {
      const service = m.templating.list.find((v) => v.name === "service") as unknown as { allValue?: string };
      expect(service.allValue, m.uid).toBe(m.uid === "obs-logs" ? undefined : ".*");
    }
  });

  it("gives every dashboard a service and an environment variable", () => {
    for (const m of models) {
      const names = m.templating.list.map((v) => v.name);
      expect(names, m.uid).toEqual(expect.arrayContaining(["service", "environment"]));
    }
    const env = models[0]!.templating.list.find((v) => v.name === "environment") as unknown as {
      query: string;
    };
    expect(env.query).toBe(config.environment);
  });

  it("has the panels the spec asks for", () => {
    for (const def of DASHBOARDS) {
      const m = models.find((x) => x.uid === def.uid)!;
      const titles = m.panels.map((p) => p.title);
      const required = def.requiredPanels(ctx);
      expect(required.length, def.uid).toBeGreaterThan(2);
      expect(titles, def.uid).toEqual(expect.arrayContaining(required));
      for (const p of m.panels.filter((x) => x.type !== "row" && x.type !== "text")) {
        expect(p.targets?.length ?? 0, `${def.uid} / ${p.title}`).toBeGreaterThan(0);
      }
    }
    // The frontend dashboard reads browser data from Sentry in these stacks.
    const frontend = models.find((m) => m.uid === "obs-frontend")!;
    expect(frontend.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        "Page load time (browser)",
        "JavaScript errors",
        "Web Vitals (p75)",
        "API call performance",
        "API calls from the browser",
      ]),
    );
  });

  it("queries Sentry with the plugin's query model: the browser's http.client spans through spansStats", () => {
    // grafana/sentry-datasource src/types.ts: SentryQuery's query types and SentrySpansStatsQuery's fields.
    const PLUGIN_QUERY_TYPES = [
      "issues",
      "events",
      "statsV2",
      "eventsStats",
      "metrics",
      "spans",
      "spansStats",
    ];
    const sentry = targets.filter((x) => x.t.datasource?.type === "grafana-sentry-datasource");
    expect(sentry.length).toBeGreaterThan(0);
    for (const { t } of sentry) expect(PLUGIN_QUERY_TYPES).toContain(t.queryType);
    const spans = sentry.find((x) => x.panel === "API calls from the browser")!.t as Target &
      Record<string, unknown>;
    expect(spans).toMatchObject({
      queryType: "spansStats",
      projectIds: [],
      environments: ["$environment"],
      eventsStatsQuery: "span.op:http.client",
      eventsStatsGroups: [],
    });
    expect(spans.eventsStatsYAxis).toEqual([
      "p50(span.duration)",
      "p75(span.duration)",
      "p95(span.duration)",
    ]);
    // spansStats has no dataset field: the spans dataset is the query type's.
    expect(spans).not.toHaveProperty("eventsDataset");
  });

  it("has one SLO error budget query per service, with that service's target", () => {
    const panel = models
      .find((m) => m.uid === "obs-service-overview")!
      .panels.find((p) => p.title === "SLO error budget remaining")!;
    const services = config.services.filter((s) => s.kind !== "worker");
    expect(panel.targets!.length).toBe(services.length);
    for (const s of services) {
      const t = panel.targets!.find((x) => x.expr!.includes(`namespace="${s.namespace}", job="${s.name}"`))!;
      expect(t.expr).toContain(`[${s.slo.windowDays}d]`);
      expect(t.expr).toContain(`/ ${Number((1 - s.slo.availability).toPrecision(6))})`);
    }
  });

  it("shows each service's rollouts and its P1/P2 alerts as annotations on every service dashboard", () => {
    for (const def of DASHBOARDS) {
      const model = models.find((m) => m.uid === def.uid)!;
      const names = (model.annotations?.list ?? []).map((a) => a.name);
      expect(names, def.uid).toContain("P1/P2 alerts");
      const services = def.services(ctx);
      if (services.length === 0) continue;
      const rollouts = model.annotations!.list.find((a) => a.name === "Deployments")!;
      for (const s of services) {
        expect(rollouts.expr, `${def.uid}: ${s.name}`).toContain(
          `namespace="${s.namespace}",owner_kind="Deployment",owner_name="${s.name}"`,
        );
        expect(rollouts.expr).toContain(`statefulset="${s.name}"`);
      }
    }
  });

  it("writes PromQL that parses with the deployed Prometheus' lezer grammar once Grafana variables are substituted", () => {
    expect(promTargets.length).toBeGreaterThan(25);
    for (const { dashboard, panel, t } of promTargets) {
      const expr = substituteVariables(t.expr!);
      expect(expr, `${dashboard} / ${panel}`).not.toContain("$");
      expect(parsePromql(expr).errors, `${dashboard} / ${panel}: ${expr}`).toBe(0);
    }
  });

  it("selects each service by namespace and job together, never by job alone", () => {
    for (const { dashboard, panel, t } of promTargets)
      expect(
        serviceSelectionProblems(substituteVariables(t.expr!), SERVICE_SERIES, SERVICE_DATA.info),
        `${dashboard} / ${panel}: ${t.expr}`,
      ).toEqual([]);
  });

  it("reads only recording rules, contract metrics, the platform's exporters (and Prometheus' ALERTS)", () => {
    const read = new Set<string>();
    // The business records this stack's rules record (businessMetrics).
    const business = ruleFile(config)
      .groups.filter((g) => g.name === "business.recording")
      .flatMap((g) => g.rules.map((r) => r.record!));
    expect(business.length).toBeGreaterThan(0);
    const allowed = new Set([...ALLOWED, ...business]);
    for (const { dashboard, panel, t } of promTargets) {
      const { metrics } = parsePromql(substituteVariables(t.expr!));
      expect(metrics.length, `${dashboard} / ${panel}`).toBeGreaterThan(0);
      for (const name of metrics) {
        expect(
          allowed.has(name),
          `${dashboard} / ${panel} reads ${name}, which no recording rule or contract metric provides`,
        ).toBe(true);
        read.add(name);
      }
    }
    // Every topic the recording rules cover shows on some dashboard.
    const topics = new Set<RuleTopic>(ALL_RECORDS.filter((r) => read.has(r.record)).map((r) => r.topic));
    expect([...topics].sort()).toEqual([
      "cache",
      "database",
      "dependencies",
      "external",
      "jobs",
      "latency",
      "memory",
      "resources",
      "slo",
      "traffic",
      "usage",
    ]);
    expect(read.has("ALERTS")).toBe(true);
    // Every business record shows on the Business dashboard.
    expect(business.filter((r) => !read.has(r))).toEqual([]);
  });

  it("refers only to data sources that exist", () => {
    const uids = new Set(dataSources(config, defaultUpstreams(config)).map((d) => d.uid));
    for (const m of models) {
      for (const p of m.panels.filter((x) => x.type !== "row" && x.type !== "text")) {
        expect(uids.has(p.datasource!.uid!), `${m.uid} / ${p.title}`).toBe(true);
        for (const t of p.targets ?? []) {
          if (t.datasource?.uid === "__expr__") {
            // A server-side expression reads other queries of the same panel, by refId.
            const refs = new Set((p.targets ?? []).filter((x) => x !== t).map((x) => x.refId));
            const used = [...String(t.expression).matchAll(/\$(\w+)/g)].map((x) => x[1]);
            expect(used.length, `${m.uid} / ${p.title}`).toBeGreaterThan(0);
            for (const u of used) expect(refs.has(u), `${m.uid} / ${p.title}: $${u}`).toBe(true);
          } else expect(t.datasource?.uid, `${m.uid} / ${p.title}`).toBe(p.datasource!.uid);
        }
      }
    }
  });

  it("queries logs by the fields of the log contract, with typed aggregations", () => {
    // The contract's fields and the ones the ingest pipeline adds (`tags`).
    const schema = new Set([...SCHEMA_FIELDS, ...PIPELINE_FIELDS].map((f) => f.name));
    for (const f of Object.values(LOG_FIELDS)) expect(schema.has(f), f).toBe(true);
    const esTargets = targets.filter((x) => x.t.datasource?.type === "elasticsearch");
    // The four of the log views, and the log hygiene's two shares (two counts each) and error rate.
    expect(esTargets.length).toBe(9);
    for (const { t } of esTargets) {
      // Grafana's variable syntax, not a template literal.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable
      expect(t.query).toContain("service:${service:lucene}");
      for (const m of t.metrics ?? []) expect(["count", "logs"]).toContain(m.type);
      for (const b of t.bucketAggs ?? []) if (b.field) expect([...schema, "@timestamp"]).toContain(b.field);
    }
    const byRequest = esTargets.find((x) => x.panel === "Errors by request_id")!;
    expect(byRequest.t.query).toMatch(/level:\(ERROR OR CRITICAL\)/);
    expect(byRequest.t.bucketAggs!.map((b) => b.field)).toEqual(["request_id"]);
    // Shares: the part is the whole plus a filter, per service, and the expression divides them.
    for (const title of ["Lines without request_id", "DEBUG share by service"]) {
      const panel = targets.filter((x) => x.panel === title).map((x) => x.t);
      const [whole, part, ratio] = panel;
      expect(panel.length, title).toBe(3);
      expect(whole?.hide && part?.hide, title).toBe(true);
      expect(part?.query?.startsWith(`${whole?.query} AND `), title).toBe(true);
      for (const t of [whole, part])
        expect(t?.bucketAggs?.map((b) => b.field)).toEqual(["service", "@timestamp"]);
      expect(ratio).toMatchObject({ type: "math", expression: "$B / $A" });
    }
    const missing = targets.find((x) => x.panel === "Lines without request_id" && x.t.refId === "B")!;
    expect(missing.t.query).toContain(`tags:${MISSING_REQUEST_ID_TAG}`);
    expect(missing.t.query).toContain("NOT scope:process");
    const errors = esTargets.find((x) => x.panel === "ERROR and CRITICAL lines per minute by service")!;
    expect(errors.t.query).toMatch(/level:\(ERROR OR CRITICAL\)/);
    expect(errors.t.bucketAggs!.map((b) => b.field)).toEqual(["service", "level", "@timestamp"]);
  });

  it("builds the same JSON every time and renders it as grafana/dashboards/<uid>.json", () => {
    const again = renderDashboards(config).map((d) => d.model);
    expect(JSON.stringify(again)).toBe(JSON.stringify(models));
    const files = grafanaConcern.artifacts(config).filter((f) => f.path.startsWith("grafana/dashboards/"));
    expect(files.map((f) => f.path)).toEqual(models.map((m) => `grafana/dashboards/${m.uid}.json`));
    for (const f of files)
      expect((JSON.parse(f.content) as Model).uid).toBe(f.path.split("/").pop()!.replace(".json", ""));
    expect(grafanaConcern.summary(config)).toContain(
      "| [`obs-service-overview`](grafana/dashboards/obs-service-overview.json) |",
    );
  });
});

describe("the PromQL checks themselves", () => {
  it("catch a syntax error and a metric outside the contract", () => {
    expect(parsePromql("sum(rate(foo[5m])").errors).toBeGreaterThan(0);
    const { errors, metrics } = parsePromql(
      'sum by (job) (rate(nginx_requests_total{job=~"api"}[2m])) / job:http_server_requests:rate5m',
    );
    expect(errors).toBe(0);
    expect(metrics).toEqual(["nginx_requests_total", "job:http_server_requests:rate5m"]);
    expect(ALLOWED.has("nginx_requests_total")).toBe(false);
    expect(parsePromql('{__name__=~"secret.*"}').metrics).toEqual(["<selector without a metric name>"]);
    expect(() => substituteVariables("rate(x[$__unknown])")).toThrow(/unknown Grafana variable/);
  });

  it("catch a selection or an aggregation by job alone, and take the join on namespace and job", () => {
    const series = new Set(["x", "ALERTS"]);
    const check = (expr: string) => serviceSelectionProblems(expr, series, "job:service:info");
    expect(check('sum by (job) (x{job=~"api"})')).toHaveLength(2);
    expect(check('x{job="api"}')).toEqual(['x{job="api"} selects services by job alone']);
    // The join must be on both labels, with the info series on its right.
    expect(check('x and on (job) job:service:info{service=~"api"}')).toHaveLength(1);
    expect(check('job:service:info{service=~"api"} and on (namespace, job) x')).toHaveLength(1);
    expect(check('x or on (namespace, job) job:service:info{service=~"api"}')).toHaveLength(1);
    expect(
      check(
        'sum by (namespace, job, le) (rate(x[5m]) and on (namespace, job) job:service:info{service=~"api"})',
      ),
    ).toEqual([]);
    expect(check('x{namespace="apps", job="api"}')).toEqual([]);
    expect(check('ALERTS{job=""} or (ALERTS and on (namespace, job) job:service:info)')).toEqual([]);
  });
});

describe("rollout annotations in Prometheus (promtool's simulated time)", () => {
  it("mark a new ReplicaSet or StatefulSet revision for five minutes, and not a scale-up", () => {
    const services = [
      { name: "api", namespace: "apps" },
      { name: "db", namespace: "data" },
    ] as Parameters<typeof rolloutExpr>[0];
    const expr = rolloutExpr(services).replaceAll("$service", ".*");
    const rs = (name: string) =>
      `kube_replicaset_owner{namespace="apps",owner_kind="Deployment",owner_name="api",owner_is_controller="true",replicaset="${name}"}`;
    const sts = (revision: string) =>
      `kube_statefulset_status_update_revision{namespace="data",statefulset="db",revision="${revision}"}`;
    const test = {
      rule_files: [],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            // api's first ReplicaSet exists all along; a rollout at minute 30 creates the second.
            { series: rs("api-1"), values: "1x60" },
            { series: rs("api-2"), values: `${"_ ".repeat(30)}1x30` },
            // db rolls to revision db-2 at minute 40; a ReplicaSet of another namespace never shows.
            { series: sts("db-1"), values: "1x60" },
            { series: sts("db-2"), values: `${"_ ".repeat(40)}1x20` },
            {
              series: `kube_replicaset_owner{namespace="other",owner_kind="Deployment",owner_name="api",replicaset="x"}`,
              values: `${"_ ".repeat(30)}1x30`,
            },
          ],
          promql_expr_test: [
            { expr, eval_time: "20m", exp_samples: [] },
            { expr, eval_time: "32m", exp_samples: [{ labels: rs("api-2"), value: 1 }] },
            { expr, eval_time: "37m", exp_samples: [] },
            { expr, eval_time: "42m", exp_samples: [{ labels: sts("db-2"), value: 1 }] },
          ],
        },
      ],
    };
    const dir = tempFiles({ "test.yaml": stringify(test) });
    const r = runTool("promtool", ["test", "rules", join(dir, "test.yaml")]);
    expect(r.stdout + r.stderr).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});
