import { describe, expect, it } from "vitest";
import {
  DATABASE_SECRET,
  DATABASE_SECRET_KEYS,
  databaseSecret,
  GOSSIP_PORT,
  GRAFANA_RELEASE,
  grafanaAuthEnv,
  grafanaValues,
} from "../../infra/generators/grafana";
import { GRAFANA_CHART } from "../../infra/versions";
import { stackConfig } from "../../scripts/lib/stack-config";
import { renderFiles } from "../../scripts/lib/render-files";
import { one, rendered, STACKS } from "../helpers/render";
import { at, chartData } from "../versions/chart-data";

type Json = Record<string, unknown>;

/** The chart's names for this release (its _helpers.tpl): the fullname, and the pods' selector labels. */
function chartNames(release: string, values: Json) {
  const chart = chartData(GRAFANA_CHART.chart, GRAFANA_CHART.version).chartYaml.name;
  // We override neither, so the chart derives them from the release and its own name.
  expect(values.nameOverride ?? values.fullnameOverride).toBeUndefined();
  return {
    fullname: release.includes(chart) ? release : `${release}-${chart}`,
    selector: { "app.kubernetes.io/name": chart, "app.kubernetes.io/instance": release },
  };
}

const releaseOf = (stack: (typeof STACKS)[number]) => {
  const r = one(rendered(stack), "kubernetes:helm.sh/v3:Release", "grafana-release");
  return { name: r.inputs.name as string, values: r.inputs.values as Json };
};

const HA_STACKS = STACKS.filter((s) => (stackConfig(s).grafana.replicas ?? 1) > 1);
const SQLITE_STACKS = STACKS.filter((s) => stackConfig(s).grafana.database === undefined);

describe("the stacks", () => {
  it("run Grafana highly available in production and on SQLite elsewhere", () => {
    for (const s of STACKS) {
      const c = stackConfig(s);
      if (c.production) expect(HA_STACKS, s).toContain(s);
    }
    expect(HA_STACKS.length).toBeGreaterThan(0);
    expect(SQLITE_STACKS.length).toBeGreaterThan(0);
  });
});

describe.each(HA_STACKS)("Grafana in %s survives losing a pod", (stack) => {
  it("runs the configured replicas on the shared PostgreSQL database, with no volume", () => {
    const { values } = releaseOf(stack);
    const config = rendered(stack).config;
    expect(values.replicas).toBe(config.grafana.replicas);
    expect(values.replicas).toBeGreaterThanOrEqual(2);
    expect(values.persistence).toEqual({ enabled: false, disableWarning: true });
    const db = at(values, "grafana.ini.database") as Json;
    expect(db).toMatchObject({ type: "postgres", ssl_mode: "require", name: "grafana", user: "grafana" });
    // The password is not in grafana.ini (a ConfigMap): it comes from the Secret, as an env override.
    expect(db).not.toHaveProperty("password");
    // One map with single sign-on's entry (access.ts), whose secret_key is the database's here.
    expect(values.envValueFrom).toEqual({
      GF_DATABASE_PASSWORD: { secretKeyRef: { name: DATABASE_SECRET, key: DATABASE_SECRET_KEYS.password } },
      GF_SECURITY_SECRET_KEY: {
        secretKeyRef: { name: DATABASE_SECRET, key: DATABASE_SECRET_KEYS.secretKey },
      },
      ...grafanaAuthEnv(config),
    });
    // The keys Grafana reads are the keys the Secret holds.
    const secretKeys = Object.keys(databaseSecret(config).stringData).sort();
    const referenced = Object.values(
      values.envValueFrom as Record<string, { secretKeyRef: { key: string; name: string } }>,
    )
      .filter((v) => v.secretKeyRef.name === DATABASE_SECRET)
      .map((v) => v.secretKeyRef.key)
      .sort();
    expect(referenced).toEqual(secretKeys);
  });

  it("deduplicates alert notifications over the chart's headless Service, gossiping from the pod IP", () => {
    const { name, values } = releaseOf(stack);
    expect(values.headlessService).toBe(true);
    const { fullname } = chartNames(name, values);
    expect(at(values, "grafana.ini.unified_alerting")).toEqual({
      enabled: true,
      // The headless Service's fully qualified name, in Grafana's namespace.
      ha_peers: `${fullname}-headless.${rendered(stack).config.grafana.namespace}.svc.cluster.local:${GOSSIP_PORT}`,
      ha_listen_address: `\${POD_IP}:${GOSSIP_PORT}`,
      ha_advertise_address: `\${POD_IP}:${GOSSIP_PORT}`,
    });
  });

  it("keeps a replica up through drains and updates, never two on one node", () => {
    const { name, values } = releaseOf(stack);
    const { selector } = chartNames(name, values);
    expect(values.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(values.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    });
    expect(values.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
      },
    ]);
    // No surge: with required anti-affinity a surge pod would need a node without Grafana.
    expect(values.deploymentStrategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
  });
});

describe.each(SQLITE_STACKS)("Grafana in %s, on SQLite", (stack) => {
  it("runs one replica on its volume, recreated on update, with no HA objects", () => {
    const { values } = releaseOf(stack);
    const g = rendered(stack).config.grafana;
    expect(values.replicas).toBe(1);
    expect(values.persistence).toEqual({
      enabled: true,
      size: g.storageSize,
      type: "pvc",
      storageClassName: rendered(stack).config.kubernetes.storageClassName,
    });
    expect(values.deploymentStrategy).toEqual({ type: "Recreate", rollingUpdate: null });
    expect(at(values, "grafana.ini.unified_alerting")).toEqual({ enabled: true });
    for (const key of ["headlessService", "podDisruptionBudget", "affinity", "envValueFrom"])
      expect(values, key).not.toHaveProperty(key);
    expect(at(values, "grafana.ini.database")).toBeUndefined();
  });
});

const summaryOf = (stack: (typeof STACKS)[number]) =>
  renderFiles(rendered(stack)).find((f) => f.path === "summary.md")!.content;

describe.each(STACKS)("summary.md of %s", (stack) => {
  it("says how Grafana survives losing a pod, or that it does not", () => {
    const summary = summaryOf(stack);
    if (SQLITE_STACKS.includes(stack))
      expect(summary).toMatch(/Not highly available: one replica on SQLite on a \S+ volume/);
    else {
      const g = rendered(stack).config.grafana;
      expect(summary).toContain(`Highly available: ${g.replicas} replicas`);
      expect(summary).toContain("PodDisruptionBudget");
      expect(summary).toMatch(/Its database is PostgreSQL \d+ on Amazon RDS \(`[^`]+`, Multi-AZ over /);
      expect(summary).toContain("deletion-protected, protected and kept on delete in Pulumi");
      expect(summary).toContain("`ha_peers`");
    }
  });
});

describe("one replica on the database (not production)", () => {
  it("drops the HA objects but keeps the database", () => {
    const prod = stackConfig("prod", { production: false });
    const one = stackConfig("prod", {
      production: false,
      grafana: { ...(prod.grafana as unknown as Json), replicas: 1 },
    });
    const values = grafanaValues(one);
    expect(values.replicas).toBe(1);
    expect(at(values, "grafana.ini.database.type")).toBe("postgres");
    expect(at(values, "grafana.ini.unified_alerting")).toEqual({ enabled: true });
    expect(values).not.toHaveProperty("podDisruptionBudget");
    expect(values).not.toHaveProperty("headlessService");
    expect(values.envValueFrom).toBeDefined();
    expect(GRAFANA_RELEASE).toBe(releaseOf("prod").name);
  });
});
