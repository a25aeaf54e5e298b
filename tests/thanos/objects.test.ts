import { describe, expect, it } from "vitest";
import { THANOS_PARTS, THANOS_PORTS } from "../../infra/generators/thanos/names";
import { mebibytes } from "../../infra/config/common";
import { THANOS } from "../../infra/versions";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { componentResources, rendered, STACKS } from "../helpers/render";

/** The Thanos objects as each stack renders them: replicas, availability, security, volumes, scrapes. */

type Meta = { name: string; namespace: string; labels: Record<string, string> };
type Container = {
  image: string;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string> };
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
};
type Workload = {
  metadata: Meta;
  spec: {
    replicas: number;
    template: {
      spec: { securityContext: Record<string, unknown>; affinity?: unknown; containers: Container[] };
    };
    volumeClaimTemplates?: {
      spec: { storageClassName: string; resources: { requests: { storage: string } } };
    }[];
  };
};

describe.each(STACKS)("Thanos objects (%s)", (stack) => {
  const r = rendered(stack);
  const config = r.config;
  const mine = componentResources(r, "observability:thanos:Thanos");
  const byKind = (type: string, name: string): RecordedResource | undefined =>
    mine.find((x) => x.type === `kubernetes:${type}` && (x.inputs.metadata as Meta).name === name);
  const workload = (type: string, name: string) => byKind(type, name)!.inputs as unknown as Workload;

  const parts = [
    { part: "query", type: "apps/v1:Deployment", replicas: config.thanos.query.replicas },
    { part: "queryFrontend", type: "apps/v1:Deployment", replicas: config.thanos.queryFrontend.replicas },
    { part: "storeGateway", type: "apps/v1:StatefulSet", replicas: config.thanos.storeGateway.replicas },
    { part: "compactor", type: "apps/v1:StatefulSet", replicas: 1 },
  ] as const;

  it("runs two of each reader in production, one in dev, and always exactly one Compactor", () => {
    for (const p of parts) {
      const w = workload(p.type, THANOS_PARTS[p.part]);
      expect(w.spec.replicas, p.part).toBe(p.replicas);
      if (p.part !== "compactor") expect(w.spec.replicas, p.part).toBe(config.production ? 2 : 1);
      // Several replicas: never two on one node, and a PodDisruptionBudget keeping one up.
      const pdb = byKind("policy/v1:PodDisruptionBudget", THANOS_PARTS[p.part]);
      if (w.spec.replicas > 1) {
        expect(w.spec.template.spec.affinity, p.part).toBeDefined();
        expect(pdb?.inputs.spec, p.part).toMatchObject({ minAvailable: 1 });
      } else expect(pdb, p.part).toBeUndefined();
    }
  });

  it("runs every container on the pinned image, non-root, read-only, no capabilities, probed", () => {
    for (const p of parts) {
      const spec = workload(p.type, THANOS_PARTS[p.part]).spec.template.spec;
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      for (const c of spec.containers) {
        expect(c.image).toBe(`${THANOS.repository}:${THANOS.tag}`);
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(c.livenessProbe.httpGet).toEqual({ path: "/-/healthy", port: "http", scheme: "HTTP" });
        expect(c.readinessProbe.httpGet).toEqual({ path: "/-/ready", port: "http", scheme: "HTTP" });
        const requests = config.thanos[p.part].requests;
        expect(c.resources.requests).toEqual({ cpu: requests.cpu, memory: requests.memory });
      }
    }
  });

  it("gives the Store Gateway and the Compactor volumes of the stack's class and the objstore Secret", () => {
    for (const [part, size] of [
      ["storeGateway", config.thanos.storeGateway.storageSize],
      ["compactor", config.thanos.compactor.storageSize],
    ] as const) {
      const w = workload("apps/v1:StatefulSet", THANOS_PARTS[part]);
      expect(w.spec.volumeClaimTemplates?.[0]?.spec).toMatchObject({
        storageClassName: config.kubernetes.storageClassName,
        resources: { requests: { storage: size } },
      });
      expect(w.spec.template.spec.containers[0]!.env).toEqual([
        {
          name: "OBJSTORE_CONFIG",
          valueFrom: { secretKeyRef: { name: "thanos-objstore", key: "objstore.yaml" } },
        },
      ]);
    }
  });

  it("keeps the fields that replace a StatefulSet free of anything an upgrade changes", () => {
    // Pulumi replaces a StatefulSet on a change to these (and the API server refuses it), and
    // production protects both: a Thanos upgrade must leave them as they are.
    for (const part of ["storeGateway", "compactor"] as const) {
      const w = byKind("apps/v1:StatefulSet", THANOS_PARTS[part])!.inputs as {
        spec: Record<string, unknown> & { template: unknown };
      };
      const { volumeClaimTemplates, serviceName, selector, podManagementPolicy } = w.spec;
      expect(
        JSON.stringify({ volumeClaimTemplates, serviceName, selector, podManagementPolicy }),
      ).not.toContain(THANOS.tag);
      // The pods do carry the version: the check above is not vacuous.
      expect(JSON.stringify(w.spec.template)).toContain(THANOS.tag);
    }
  });

  it("sizes the Store Gateway's chunk pool and index cache within its memory limit", () => {
    const store = workload("apps/v1:StatefulSet", THANOS_PARTS.storeGateway).spec.template.spec
      .containers[0]!;
    const args = (store as unknown as { args: string[] }).args;
    const mb = (flag: string) =>
      Number(/=(\d+)MB$/.exec(args.find((a) => a.startsWith(`--${flag}=`)) ?? "")?.[1]);
    const limit = mebibytes((store.resources as unknown as { limits: { memory: string } }).limits.memory);
    expect(mb("chunk-pool-size")).toBeGreaterThan(0);
    expect(mb("index-cache-size")).toBeGreaterThan(0);
    expect(mb("chunk-pool-size") + mb("index-cache-size")).toBeLessThan(limit / 2);
    for (const part of parts)
      expect(
        (
          workload(part.type, THANOS_PARTS[part.part]).spec.template.spec.containers[0] as unknown as {
            args: string[];
          }
        ).args,
      ).toContain("--enable-auto-gomemlimit");
  });

  it("serves Query and the Store Gateway on gRPC and HTTP, the Store Gateway headless for DNS SRV", () => {
    const ports = (name: string) =>
      (byKind("core/v1:Service", name)!.inputs.spec as { ports: { name: string; port: number }[] }).ports;
    expect(ports(THANOS_PARTS.query)).toEqual([
      expect.objectContaining({ name: "grpc", port: THANOS_PORTS.grpc }),
      expect.objectContaining({ name: "http", port: THANOS_PORTS.http }),
    ]);
    expect(ports(THANOS_PARTS.queryFrontend)).toEqual([expect.objectContaining({ name: "http" })]);
    expect(byKind("core/v1:Service", THANOS_PARTS.storeGateway)!.inputs.spec).toMatchObject({
      clusterIP: "None",
    });
  });

  it("scrapes each part with its job name, in the metrics namespace", () => {
    for (const p of parts) {
      const monitor = byKind("monitoring.coreos.com/v1:ServiceMonitor", THANOS_PARTS[p.part])!;
      const spec = monitor.inputs.spec as {
        namespaceSelector: { matchNames: string[] };
        endpoints: { port: string; relabelings: { targetLabel: string; replacement: string }[] }[];
      };
      expect((monitor.inputs.metadata as Meta).namespace).toBe(config.metrics.namespace);
      expect(spec.namespaceSelector.matchNames).toEqual([config.metrics.namespace]);
      expect(spec.endpoints[0]!.port).toBe("http");
      expect(spec.endpoints[0]!.relabelings).toContainEqual(
        expect.objectContaining({ targetLabel: "job", replacement: THANOS_PARTS[p.part] }),
      );
    }
  });
});
