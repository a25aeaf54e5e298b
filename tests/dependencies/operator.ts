/**
 * What prometheus-operator makes of a Probe with static targets: the scrape config of
 * `generateProbeConfig` in pkg/prometheus/promcfg.go at v0.93.0 (the operator the pinned chart
 * deploys, 0.93.1, changed no Probe handling), with the parts our Probes use. The job is
 * `probe/<namespace>/<name>` until `jobName` replaces the label; the static labels gain the Probe's
 * `namespace` unless they set one; the target becomes the `target` parameter and `instance`, and
 * the prober's address the one scraped. Tests point the prober and the targets at loopback
 * stand-ins and scrape faster; nothing else changes.
 */

export interface ProbeObject {
  metadata: { name: string; namespace: string };
  spec: {
    jobName?: string;
    interval?: string;
    module?: string;
    prober: { url: string; path?: string };
    targets: { staticConfig: { static: string[]; labels?: Record<string, string> } };
  };
}

export function operatorScrapeConfig(
  p: ProbeObject,
  opts: { prober?: string; targets?: string[]; interval?: string } = {},
) {
  const labels = p.spec.targets.staticConfig.labels ?? {};
  return {
    job_name: `probe/${p.metadata.namespace}/${p.metadata.name}`,
    honor_timestamps: true,
    metrics_path: p.spec.prober.path ?? "/probe",
    ...((opts.interval ?? p.spec.interval) ? { scrape_interval: opts.interval ?? p.spec.interval } : {}),
    ...(p.spec.module ? { params: { module: [p.spec.module] } } : {}),
    static_configs: [
      {
        targets: opts.targets ?? p.spec.targets.staticConfig.static,
        labels: { ...labels, namespace: labels.namespace ?? p.metadata.namespace },
      },
    ],
    relabel_configs: [
      { source_labels: ["job"], target_label: "__tmp_prometheus_job_name" },
      ...(p.spec.jobName ? [{ target_label: "job", replacement: p.spec.jobName }] : []),
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { target_label: "__address__", replacement: opts.prober ?? p.spec.prober.url },
    ],
  };
}
