import { beforeAll, describe, expect, it } from "vitest";
import { flows, policedNamespaces } from "../../infra/generators/network-policies";
import { type RenderResult, renderFiles } from "../../scripts/lib/render-files";
import { PROJECT } from "../../infra/config";
import { readStackFile } from "../../scripts/lib/stack-file";
import { render } from "../helpers/variant";
import { ofType, rendered, STACKS } from "../helpers/render";
import { allowed, matches, type Pod, type Policy, type Port } from "./evaluator";
import {
  ingressControllerPods,
  nodeExporterPod,
  type Json,
  release,
  type ServiceModel,
  stackPods,
  stackServices,
} from "./pods";

/**
 * The rendered NetworkPolicies against what the platform needs, both ways. The needs come from the
 * render itself (the URLs Grafana and Thanos use, the ServiceMonitors and PodMonitors Prometheus
 * follows, the chart's own monitors and alerting), the allowed pairs from evaluating the rendered
 * policies over the stack's pods; the flow table must be exactly what the policies allow.
 */

const key = (src: Pod, dst: Pod, p: Port) => `${src.id} -> ${dst.id}:${p.port}/${p.protocol}`;

/** The destinations (`<pod>:<port>/<protocol>`) a caller that is no pod needs. */
const openToAll = (needed: Set<string>): Set<string> =>
  new Set(
    [...needed]
      .filter((k) => k.startsWith(`${API_SERVER.id} -> `) || k.startsWith(`${UNNAMED.id} -> `))
      .map((k) => k.replace(/^.* -> /, "")),
  );

/** The API server: not a pod, in no namespace the policies name. */
const API_SERVER: Pod = { id: "api-server", namespace: "", labels: {}, ports: [] };
/**
 * Callers that are no pod a selector can name: an ALB (`target-type: ip`, from its own addresses
 * in the VPC), an ingress controller in a namespace no config holds, wherever `pulumi up` runs.
 */
const UNNAMED: Pod = { id: "unnamed", namespace: "", labels: {}, ports: [] };

function setup(result: RenderResult) {
  const policies = ofType(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(
    (r) => r.inputs as unknown as Policy,
  );
  const pods = stackPods(result);
  const services = stackServices(result);
  const policed = new Set(
    policies
      .filter((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress)
      .map((p) => p.metadata.namespace),
  );
  const sources = [...pods, API_SERVER, UNNAMED];
  const targets = pods.filter((p) => policed.has(p.namespace));
  const podsOf = (ns: string, selector: Record<string, string>) => {
    const found = pods.filter((p) => p.namespace === ns && matches({ matchLabels: selector }, p.labels));
    if (found.length === 0) throw new Error(`no pod in ${ns} matches ${JSON.stringify(selector)}`);
    return found;
  };
  /** A pod's container port by number or name. */
  const portOf = (pod: Pod, target: number | string, protocol = "TCP") => {
    const p = pod.ports.find(
      (x) => (typeof target === "number" ? x.port === target : x.name === target) && x.protocol === protocol,
    );
    if (!p) throw new Error(`${pod.id} has no ${protocol} port ${target}`);
    return p;
  };
  const service = (ns: string, name: string): ServiceModel => {
    const s = services.find((x) => x.namespace === ns && x.name === name);
    if (!s) throw new Error(`no Service ${ns}/${name}`);
    return s;
  };
  /** `http(s)://<svc>.<ns>.svc[...][:<port>]` or `dnssrv+_<port name>._tcp.<svc>.<ns>.svc...`: the pods and ports behind it. */
  const behind = (address: string): [Pod, Port][] => {
    const srv = /^dnssrv\+_([a-z0-9-]+)\._tcp\.([a-z0-9-]+)\.([a-z0-9-]+)\.svc/.exec(address);
    // A URL without a port names its scheme's.
    const withPort = /^[a-z]+:\/\/[a-z0-9.-]+(\/|$)/.test(address)
      ? address.replace(
          /^(https?):\/\/([a-z0-9.-]+)/,
          (_, scheme, host) => `${scheme}://${host}:${scheme === "https" ? 443 : 80}`,
        )
      : address;
    const url = /^[a-z]+:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc[a-z.]*:(\d+)/.exec(withPort);
    if (!srv && !url) return [];
    // Only the policed namespaces' Services matter (and only they are all rendered or modelled).
    if (!policed.has((srv ? srv[3] : url![2])!)) return [];
    const s = srv ? service(srv[3]!, srv[2]!) : service(url![2]!, url![1]!);
    const sp = s.ports.find((p) => (srv ? p.name === srv[1] : p.port === Number(url![3])));
    if (!sp) throw new Error(`Service ${s.namespace}/${s.name} has no port for ${address}`);
    return podsOf(s.namespace, s.selector).map((pod) => [pod, portOf(pod, sp.targetPort)]);
  };
  return { policies, pods, services, policed, sources, targets, podsOf, portOf, behind };
}

/** Every flow the platform needs into a policed namespace, derived from the render. */
function needs(result: RenderResult, s: ReturnType<typeof setup>): Set<string> {
  const out = new Set<string>();
  const add = (srcs: Pod[], pairs: [Pod, Port][]) => {
    for (const src of srcs)
      for (const [dst, p] of pairs) if (s.policed.has(dst.namespace)) out.add(key(src, dst, p));
  };
  const kps = release(result, "kube-prometheus-stack").inputs as Json;
  const grafana = release(result, "grafana").inputs as Json;
  const prometheus = s.podsOf(kps.namespace, { "app.kubernetes.io/name": "prometheus" });
  const alertmanager = s.podsOf(kps.namespace, { "app.kubernetes.io/name": "alertmanager" });
  const grafanaPods = s.podsOf(grafana.namespace, { "app.kubernetes.io/instance": grafana.name });

  // Grafana's data sources.
  for (const ds of ofType(result, "grafana:oss/dataSource:DataSource"))
    add(grafanaPods, s.behind((ds.inputs as Json).url));
  // Thanos: the Query Frontend's downstream, Query's StoreAPI endpoints.
  for (const pod of s.pods)
    for (const arg of pod.id.startsWith(`${kps.namespace}/thanos`) ? argsOf(result, pod.id) : []) {
      const downstream = /^--query-frontend\.downstream-url=(.+)$/.exec(arg)?.[1];
      if (downstream) add([pod], s.behind(downstream));
      for (const m of arg.matchAll(/address: (dnssrv\+\S+)/g)) add([pod], s.behind(m[1]!));
    }
  // The rendered ServiceMonitors and PodMonitors.
  for (const r of ofType(result, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")) {
    const i = r.inputs as Json;
    for (const ns of i.spec.namespaceSelector?.matchNames ?? [i.metadata.namespace])
      for (const svc of s.services.filter(
        (x) => x.namespace === ns && matches({ matchLabels: i.spec.selector.matchLabels }, x.selector),
      ))
        for (const ep of i.spec.endpoints) {
          const sp = svc.ports.find((p) => p.name === ep.port)!;
          add(
            prometheus,
            s.podsOf(ns, svc.selector).map((pod) => [pod, s.portOf(pod, sp.targetPort)]),
          );
        }
  }
  for (const r of ofType(result, "kubernetes:monitoring.coreos.com/v1:PodMonitor")) {
    const i = r.inputs as Json;
    for (const ns of i.spec.namespaceSelector?.matchNames ?? [i.metadata.namespace])
      if (s.policed.has(ns))
        for (const ep of i.spec.podMetricsEndpoints)
          add(
            prometheus,
            s.podsOf(ns, i.spec.selector.matchLabels).map((pod) => [pod, s.portOf(pod, ep.port)]),
          );
  }
  // The rendered Probes: Prometheus calls the prober, the prober calls each target.
  for (const r of ofType(result, "kubernetes:monitoring.coreos.com/v1:Probe")) {
    const i = r.inputs as Json;
    const prober = s.behind(`http://${i.spec.prober.url}`);
    add(prometheus, prober);
    for (const target of i.spec.targets?.staticConfig?.static ?? [])
      add(
        prober.map(([pod]) => pod),
        s.behind(target),
      );
  }
  // The program's own workloads: every in-cluster URL in their arguments and environment.
  for (const pod of s.pods)
    for (const text of urlsOf(result, pod.id))
      for (const m of text.matchAll(/[a-z]+:\/\/[a-z0-9.-]+:\d+/g)) add([pod], s.behind(m[0]));
  // ECK: what its resources are wired to, and the operator managing each Elasticsearch.
  const eck = (kind: string) =>
    result.resources
      .filter((r) => r.type.endsWith(`:${kind}`) && r.type.includes(".k8s.elastic.co/"))
      .map((r) => r.inputs as Json);
  const esHttp = (name: string, ns: string) => s.behind(`https://${name}-es-http.${ns}.svc:9200`);
  const eckOperator = release(result, "eck-operator").inputs as Json;
  const operatorPods = s.podsOf(eckOperator.namespace, { "app.kubernetes.io/instance": eckOperator.name });
  for (const es of eck("Elasticsearch")) {
    const ns = es.metadata.namespace;
    const nodes = s.podsOf(ns, { "elasticsearch.k8s.elastic.co/cluster-name": es.metadata.name });
    add(
      nodes,
      nodes.map((pod) => [pod, s.portOf(pod, "transport")] as [Pod, Port]),
    );
    add(operatorPods, esHttp(es.metadata.name, ns));
  }
  for (const kb of eck("Kibana"))
    if (kb.spec.elasticsearchRef)
      add(
        s.podsOf(kb.metadata.namespace, { "kibana.k8s.elastic.co/name": kb.metadata.name }),
        esHttp(kb.spec.elasticsearchRef.name, kb.spec.elasticsearchRef.namespace ?? kb.metadata.namespace),
      );
  for (const ls of eck("Logstash"))
    for (const ref of ls.spec.elasticsearchRefs ?? [])
      add(
        s.podsOf(ls.metadata.namespace, { "logstash.k8s.elastic.co/name": ls.metadata.name }),
        esHttp(ref.name, ref.namespace ?? ls.metadata.namespace),
      );
  for (const beat of eck("Beat"))
    for (const host of beat.spec.config?.["output.logstash"]?.hosts ?? [])
      add(
        s.podsOf(beat.metadata.namespace, { "beat.k8s.elastic.co/name": beat.metadata.name }),
        s.behind(`tcp://${host}`),
      );
  // Grafana's replicas gossip alerting state when highly available (ha_listen_address set).
  const grafanaGossip = grafanaPods.flatMap((pod) =>
    pod.ports.filter((p) => p.name?.startsWith("gossip-")).map((p) => [pod, p] as [Pod, Port]),
  );
  add(grafanaPods, grafanaGossip);
  // The chart's own monitors (selfMonitor on by default), the sidecar's, and alerting.
  const ksm = s.podsOf(kps.namespace, { "app.kubernetes.io/name": "kube-state-metrics" });
  const nodeExporter = nodeExporterPod(kps);
  const nodeExporters = s.podsOf(nodeExporter.namespace, nodeExporter.labels);
  const operator = s.podsOf(kps.namespace, { app: "kube-prometheus-stack-operator" });
  const scrape = (pods: Pod[], ports: string[]) =>
    add(
      prometheus,
      pods.flatMap((pod) => ports.map((n) => [pod, s.portOf(pod, n)] as [Pod, Port])),
    );
  scrape(prometheus, [
    "web",
    "reloader-web",
    ...(kps.values.prometheus?.thanosServiceMonitor?.enabled ? ["http"] : []),
  ]);
  scrape(alertmanager, ["web", "reloader-web"]);
  scrape(operator, ["https"]);
  scrape(ksm, ["http"]);
  // The node-exporter subchart's ServiceMonitor (prometheus.monitor.enabled in kube-prometheus-stack's values).
  scrape(nodeExporters, ["http-metrics"]);
  add(prometheus, s.behind(`http://${alertmanager[0]!.labels.alertmanager}.${kps.namespace}.svc:9093`));
  // Alertmanager's cluster: each replica gossips with the others.
  add(
    alertmanager,
    alertmanager.flatMap(
      (pod) =>
        [
          [pod, s.portOf(pod, "mesh-tcp")],
          [pod, s.portOf(pod, "mesh-udp", "UDP")],
        ] as [Pod, Port][],
    ),
  );
  // The API server calls the operators' admission webhooks.
  add(
    [API_SERVER],
    operator.map((pod) => [pod, s.portOf(pod, "https")]),
  );
  add(
    [API_SERVER],
    operatorPods.map((pod) => [pod, s.portOf(pod, "https-webhook")]),
  );
  // The endpoints: each Ingress's controller reaches its backend (ingress-nginx's pods where the
  // config names their namespace, else a caller no selector names), and the Grafana provider
  // calls its URL from wherever `pulumi up` runs.
  const controllers = ingressControllerPods(result);
  for (const r of ofType(result, "kubernetes:networking.k8s.io/v1:Ingress")) {
    const i = r.inputs as Json;
    const from = i.spec.ingressClassName !== "alb" && controllers.length > 0 ? controllers : [UNNAMED];
    for (const rule of i.spec.rules)
      for (const path of rule.http.paths) {
        const svc = path.backend.service;
        add(from, s.behind(`https://${svc.name}.${i.metadata.namespace}.svc:${svc.port.number}`));
      }
  }
  for (const p of ofType(result, "pulumi:providers:grafana"))
    add([UNNAMED], s.behind((p.inputs as Json).url));
  return out;
}

/** A program workload's container arguments and environment values (where its in-cluster URLs are). */
function urlsOf(result: RenderResult, id: string): string[] {
  const [ns, name] = id.split("/");
  const w = result.resources.find(
    (r) =>
      WORKLOAD_TYPES.includes(r.type) &&
      (r.inputs as Json).metadata.name === name &&
      (r.inputs as Json).metadata.namespace === ns,
  );
  return ((w?.inputs as Json | undefined)?.spec.template.spec.containers ?? []).flatMap((c: Json) => [
    ...(c.args ?? []),
    ...(c.env ?? []).map((e: Json) => e.value ?? ""),
  ]);
}

const WORKLOAD_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:batch/v1:Job",
];

function argsOf(result: RenderResult, id: string): string[] {
  const [ns, name] = id.split("/");
  const w = result.resources.find(
    (r) =>
      (r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet") &&
      (r.inputs as Json).metadata.name === name &&
      (r.inputs as Json).metadata.namespace === ns,
  );
  return ((w?.inputs as Json | undefined)?.spec.template.spec.containers ?? []).flatMap(
    (c: Json) => c.args ?? [],
  );
}

/**
 * The checks over one render: each stack's, and variants (an endpoint through an ingress
 * controller whose namespace the config names).
 */
function policySuite(result: () => RenderResult) {
  // Set up once per render: the chart files the pods are modelled from are large to parse.
  let prepared: ReturnType<typeof setup> | undefined;
  const s = () => {
    prepared ??= setup(result());
    return prepared;
  };
  let cached: Set<string> | undefined;
  const allowedSet = () => {
    if (cached) return cached;
    const out = new Set<string>();
    const { policies, sources, targets } = s();
    for (const dst of targets)
      for (const p of dst.ports)
        for (const src of sources) if (allowed(policies, src, dst, p)) out.add(key(src, dst, p));
    return out;
  };

  it("deny ingress by default in every namespace the table polices: the metrics, logging, Grafana and ECK operator namespaces, node-exporter's and Filebeat's", () => {
    const kps = release(result(), "kube-prometheus-stack").inputs as Json;
    const grafana = release(result(), "grafana").inputs as Json;
    const eckOperator = release(result(), "eck-operator").inputs as Json;
    const eck = (kind: string) =>
      ofType(result(), `kubernetes:${kind}`).map((r) => (r.inputs as Json).metadata.namespace);
    const es = eck("elasticsearch.k8s.elastic.co/v1:Elasticsearch");
    const beats = eck("beat.k8s.elastic.co/v1beta1:Beat");
    expect([...s().policed].sort()).toEqual([...policedNamespaces(result().config)].sort());
    expect([...s().policed].sort()).toEqual(
      [
        ...new Set([
          kps.namespace,
          nodeExporterPod(kps).namespace,
          grafana.namespace,
          eckOperator.namespace,
          ...es,
          ...beats,
        ]),
      ].sort(),
    );
  });

  it("allow every flow the platform needs (from the render's URLs, monitors and charts)", () => {
    const missing = [...needs(result(), s())].filter((n) => !allowedSet().has(n));
    expect(missing).toEqual([]);
  });

  it("allow exactly the flow table, and every flow of it reaches a real pod's port", () => {
    const { sources, targets } = s();
    const fromTable = new Set<string>();
    for (const f of flows(result().config)) {
      const srcs =
        "anywhere" in f.from
          ? sources
          : sources.filter(
              (p) =>
                p.namespace === (f.from as { pods: { namespace: string } }).pods.namespace &&
                matches(
                  {
                    matchLabels: { ...(f.from as { pods: { labels: Record<string, string> } }).pods.labels },
                  },
                  p.labels,
                ),
            );
      const dsts = targets.filter(
        (p) => p.namespace === f.to.namespace && matches({ matchLabels: { ...f.to.labels } }, p.labels),
      );
      expect(srcs.length, `${f.name}: sources`).toBeGreaterThan(0);
      expect(dsts.length, `${f.name}: destinations`).toBeGreaterThan(0);
      for (const fp of f.ports) {
        const hits = dsts.flatMap((d) =>
          d.ports.filter((p) => p.port === fp.port && p.protocol === fp.protocol).map((p) => [d, p] as const),
        );
        expect(hits.length, `${f.name}: nothing listens on ${fp.port}/${fp.protocol}`).toBeGreaterThan(0);
        for (const src of srcs) for (const [d, p] of hits) fromTable.add(key(src, d, p));
      }
    }
    const allowedNow = allowedSet();
    expect([...allowedNow].filter((k) => !fromTable.has(k))).toEqual([]);
    expect([...fromTable].filter((k) => !allowedNow.has(k))).toEqual([]);
    // And nothing the platform does not need but the ports a caller that is no pod needs (found
    // in the render: the operators' webhooks, Ingress backends behind an ALB or a controller in a
    // namespace no config holds, the Grafana provider's in-cluster URL), which are then open to
    // every source; Grafana and Kibana authenticate every request.
    const needed = needs(result(), s());
    const open = openToAll(needed);
    const extra = [...allowedNow].filter((k) => !needed.has(k) && !open.has(k.replace(/^.* -> /, "")));
    expect(extra).toEqual([]);
  });

  it("deny an application pod Alertmanager and Prometheus, and Grafana what it does not read", () => {
    const { policies, pods } = s();
    const find = (id: string) => pods.find((p) => p.id.endsWith(id))!;
    const app = pods.find((p) => p.id.endsWith("/application"))!;
    expect(s().policed.has(app.namespace)).toBe(false);
    const am = find("/alertmanager");
    const prom = find("/prometheus");
    const grafana = find("/grafana");
    const frontend = find("/thanos-query-frontend");
    const port = (pod: Pod, n: number, proto = "TCP") =>
      pod.ports.find((p) => p.port === n && p.protocol === proto)!;
    expect(allowed(policies, app, am, port(am, 9093))).toBe(false);
    expect(allowed(policies, app, am, port(am, 9094))).toBe(false);
    expect(allowed(policies, app, prom, port(prom, 9090))).toBe(false);
    expect(allowed(policies, app, prom, port(prom, 10901))).toBe(false);
    expect(allowed(policies, app, frontend, port(frontend, 10902))).toBe(false);
    expect(allowed(policies, grafana, prom, port(prom, 9090))).toBe(false);
    expect(allowed(policies, grafana, am, port(am, 9094, "UDP"))).toBe(false);
    // The same pairs the other way round are the platform's own.
    expect(allowed(policies, grafana, am, port(am, 9093))).toBe(true);
    expect(allowed(policies, prom, am, port(am, 9093))).toBe(true);
  });

  it("deny an application pod Elasticsearch, Kibana, Logstash and Grafana's gossip, and Grafana Elasticsearch's transport", () => {
    const { policies, pods } = s();
    const app = pods.find((p) => p.id.endsWith("/application"))!;
    const grafana = pods.find((p) => p.id.endsWith("/grafana"))!;
    const logging = result().config.logging.namespace;
    const es = pods.filter(
      (p) => p.namespace === logging && p.labels["common.k8s.elastic.co/type"] === "elasticsearch",
    );
    const kibana = pods.find((p) => p.id === `${logging}/kibana`)!;
    const logstash = pods.find((p) => p.id === `${logging}/logstash`)!;
    const filebeat = pods.find((p) => p.labels["common.k8s.elastic.co/type"] === "beat")!;
    expect(filebeat.namespace).not.toBe(logging);
    const jobs = pods.filter((p) => p.labels["app.kubernetes.io/name"] === "logging-settings");
    const port = (pod: Pod, n: number, proto: "TCP" | "UDP" = "TCP"): Port =>
      pod.ports.find((p) => p.port === n && p.protocol === proto) ?? { port: n, protocol: proto };
    expect(es.length).toBeGreaterThan(0);
    expect(jobs.map((j) => j.labels["app.kubernetes.io/component"]).sort()).toEqual([
      "extras",
      "settings",
      "users",
    ]);
    // Exposed through an ALB (or a controller in a namespace no config holds), Kibana's port is
    // open to every source, as Grafana's is: only then may an application pod reach it.
    const kibanaOpen = openToAll(needs(result(), s())).has(`${kibana.id}:5601/TCP`);
    for (const node of es) {
      expect(allowed(policies, app, node, port(node, 9200))).toBe(false);
      expect(allowed(policies, app, node, port(node, 9300))).toBe(false);
      expect(allowed(policies, grafana, node, port(node, 9300))).toBe(false);
      expect(allowed(policies, filebeat, node, port(node, 9200))).toBe(false);
      // Its real clients do reach it.
      expect(allowed(policies, grafana, node, port(node, 9200))).toBe(true);
      for (const job of jobs) expect(allowed(policies, job, node, port(node, 9200))).toBe(true);
    }
    expect(allowed(policies, app, kibana, port(kibana, 5601))).toBe(kibanaOpen);
    expect(allowed(policies, app, logstash, port(logstash, 5044))).toBe(false);
    expect(allowed(policies, app, logstash, port(logstash, 9600))).toBe(false);
    expect(allowed(policies, filebeat, logstash, port(logstash, 5044))).toBe(true);
    // Only the Job with Kibana steps reaches Kibana (unless everyone does).
    for (const job of jobs)
      expect(allowed(policies, job, kibana, port(kibana, 5601))).toBe(
        job.labels["app.kubernetes.io/component"] === "extras" || kibanaOpen,
      );
    // Grafana's gossip port is denied to all but Grafana, whether or not it runs highly available.
    for (const proto of ["TCP", "UDP"] as const) {
      expect(allowed(policies, app, grafana, port(grafana, 9094, proto))).toBe(false);
      expect(allowed(policies, es[0]!, grafana, port(grafana, 9094, proto))).toBe(false);
    }
  });

  it("let Grafana's replicas gossip exactly when it runs highly available", () => {
    const { policies, pods } = s();
    const grafana = pods.find((p) => p.id.endsWith("/grafana"))!;
    const gossip = grafana.ports.filter((p) => p.name?.startsWith("gossip-"));
    const ha = (release(result(), "grafana").inputs as Json).values.replicas > 1;
    expect(gossip.length > 0).toBe(ha);
    for (const p of gossip) expect(allowed(policies, grafana, grafana, p)).toBe(true);
    expect(allowed(policies, grafana, grafana, { port: 9094, protocol: "TCP" })).toBe(ha);
  });

  it("let the API server call the ECK operator's webhook, behind a default-deny of its namespace", () => {
    const { policies, pods } = s();
    const operator = pods.find((p) => p.id.endsWith("/elastic-operator"))!;
    const prom = pods.find((p) => p.id.endsWith("/prometheus"))!;
    const app = pods.find((p) => p.id.endsWith("/application"))!;
    const webhook = operator.ports.find((p) => p.name === "https-webhook")!;
    const metrics = operator.ports.find((p) => p.name === "metrics")!;
    expect(webhook.port).toBe(9443);
    expect(allowed(policies, API_SERVER, operator, webhook)).toBe(true);
    expect(allowed(policies, prom, operator, metrics)).toBe(true);
    // Its metrics are Prometheus's alone; nothing else of the operator is open.
    expect(allowed(policies, app, operator, metrics)).toBe(false);
    expect(allowed(policies, app, operator, { port: 8080, protocol: "TCP" })).toBe(false);
  });
}

describe.each(STACKS)("network policies of %s", (stack) => {
  policySuite(() => rendered(stack));
});

describe("network policies with Kibana and Grafana behind ingress-nginx in a named namespace", () => {
  let result: RenderResult;
  beforeAll(async () => {
    const file = readStackFile("dev").config;
    const raw = (key: string) => JSON.parse(file[`${PROJECT}:${key}`] ?? "{}") as Record<string, Json>;
    const logging = raw("logging");
    result = await render("dev", {
      kubernetes: { ...raw("kubernetes"), ingressControllerNamespace: "ingress-nginx" },
      logging: {
        ...logging,
        kibana: {
          ...logging.kibana,
          endpoint: {
            hostname: "kibana.dev.acme.example.com",
            ingressClassName: "nginx",
            tls: { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
            dns: { source: "external-dns" },
          },
        },
      },
    });
  });
  policySuite(() => result);

  it("let only the ingress controller (and Prometheus's scrape) reach Grafana's and Kibana's HTTP ports", () => {
    const { policies, pods } = setup(result);
    const find = (id: string) => pods.find((p) => p.id.endsWith(id))!;
    const controller = find("/ingress-nginx-controller");
    const app = find("/application");
    const prom = find("/prometheus");
    const kibana = find("/kibana");
    const grafana = find("/grafana");
    const http = (pod: Pod, n: number) => pod.ports.find((p) => p.port === n)!;
    expect(allowed(policies, controller, kibana, http(kibana, 5601))).toBe(true);
    expect(allowed(policies, controller, grafana, http(grafana, 3000))).toBe(true);
    expect(allowed(policies, prom, grafana, http(grafana, 3000))).toBe(true);
    for (const [dst, port] of [
      [kibana, 5601],
      [grafana, 3000],
    ] as const) {
      expect(allowed(policies, app, dst, http(dst, port)), dst.id).toBe(false);
      expect(allowed(policies, UNNAMED, dst, http(dst, port)), dst.id).toBe(false);
    }
  });
});

describe("kubernetes.networkPolicies off", () => {
  it("renders no NetworkPolicy and warns in summary.md that Prometheus and Alertmanager are open", async () => {
    const base = rendered("dev").config.kubernetes;
    const off = await render("dev", { kubernetes: { ...readStackKubernetes(), networkPolicies: false } });
    expect(base.networkPolicies).toBe(true);
    expect(ofType(off, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
    const summary = renderFiles(off).find((f) => f.path === "summary.md")!.content;
    const section = summary.slice(summary.indexOf("## Network policies"));
    expect(section).toMatch(/^> \*\*Warning:\*\* `kubernetes\.networkPolicies` is off/m);
    expect(section).toContain("create silences in Alertmanager");
    const on = renderFiles(rendered("dev")).find((f) => f.path === "summary.md")!.content;
    expect(on).not.toContain("`kubernetes.networkPolicies` is off");
  });
});

/** The dev stack file's raw `kubernetes` block. */
function readStackKubernetes(): Record<string, unknown> {
  return JSON.parse(readStackFile("dev").config[`${PROJECT}:kubernetes`] ?? "{}") as Record<string, unknown>;
}
