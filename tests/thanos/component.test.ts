import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import { BUCKET_USER_ACCOUNTS, THANOS_PARTS } from "../../infra/generators/thanos/names";
import { installMockRuntime, type RecordedResource } from "../../scripts/lib/mock-runtime";
import { stackConfig } from "../../scripts/lib/stack-config";
import { readStackFile } from "../../scripts/lib/stack-file";

/**
 * The Thanos component alone on Pulumi's mock runtime, in the production stack: once with the
 * bucket users' IAM roles (an ARN known now and one still an output), once without any.
 */

const STORE_ROLE = "arn:aws:iam::123456789012:role/thanos-store";
const COMPACT_ROLE = "arn:aws:iam::123456789012:role/thanos-compact";

let resources: RecordedResource[];
const SA = "kubernetes:core/v1:ServiceAccount";
const STS = "kubernetes:apps/v1:StatefulSet";

beforeAll(async () => {
  const file = readStackFile("prod");
  const rt = await installMockRuntime(PROJECT, "prod", file.config, file.secretKeys);
  const { Thanos } = await import("../../infra/components/thanos.js");
  const config = stackConfig("prod");
  // Stands in for kube-prometheus-stack's release: only its ordering matters here.
  class ReleaseStandIn extends pulumi.CustomResource {}
  const release = new ReleaseStandIn("test:index:Release", "kps", {});
  const withRoles = new Thanos("irsa", {
    config,
    metricsRelease: release,
    roleArns: { storeGateway: STORE_ROLE, compactor: pulumi.output(COMPACT_ROLE) },
  });
  const without = new Thanos("plain", { config, metricsRelease: release, roleArns: {} });
  await Promise.all(
    [withRoles, without].map((t) => new Promise((resolve) => pulumi.output(t.outputs).apply(resolve))),
  );
  await rt.settle();
  resources = rt.resources;
});

const of = (component: string, type: string) =>
  resources.filter((r) => r.type === type && r.parent?.endsWith(`::${component}`));
const account = (component: string, name: string) => {
  const found = of(component, SA).filter((r) => (r.inputs.metadata as { name: string }).name === name);
  expect(found, `${component} ${name}`).toHaveLength(1);
  return found[0]!.inputs as {
    metadata: { annotations?: Record<string, string> };
    automountServiceAccountToken: boolean;
  };
};

describe("Thanos component", () => {
  it("annotates the Store Gateway's and Compactor's accounts with the IAM roles given", () => {
    expect(account("irsa", BUCKET_USER_ACCOUNTS.storeGateway).metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": STORE_ROLE,
    });
    expect(account("irsa", BUCKET_USER_ACCOUNTS.compactor).metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": COMPACT_ROLE,
    });
    // The others touch no bucket and call no API: no role, no token.
    for (const part of [THANOS_PARTS.query, THANOS_PARTS.queryFrontend]) {
      expect(account("irsa", part).metadata.annotations ?? {}).toEqual({});
      expect(account("irsa", part).automountServiceAccountToken).toBe(false);
    }
    expect(account("irsa", BUCKET_USER_ACCOUNTS.storeGateway).automountServiceAccountToken).toBe(true);
  });

  it("annotates no account when no role is given", () => {
    for (const part of Object.values(THANOS_PARTS).filter((p) => p !== THANOS_PARTS.sidecar))
      expect(account("plain", part).metadata.annotations ?? {}, part).toEqual({});
  });

  it("creates the same objects either way, the StatefulSets protected and retained in production", () => {
    const kinds = (c: string) =>
      resources
        .filter((r) => r.parent?.endsWith(`::${c}`))
        .map((r) => `${r.type} ${(r.inputs.metadata as { name: string }).name}`)
        .sort();
    expect(kinds("irsa")).toEqual(kinds("plain"));
    expect(kinds("plain")).toHaveLength(19);
    for (const c of ["irsa", "plain"]) {
      const sets = of(c, STS);
      expect(sets.map((s) => (s.inputs.metadata as { name: string }).name).sort()).toEqual([
        THANOS_PARTS.compactor,
        THANOS_PARTS.storeGateway,
      ]);
      for (const s of sets) expect([s.protect, s.retainOnDelete], s.name).toEqual([true, true]);
    }
  });

  it("creates everything after kube-prometheus-stack's release", () => {
    const release = resources.find((r) => r.type === "test:index:Release")!;
    for (const r of resources.filter((x) => x.custom && x.parent?.endsWith("::plain")))
      expect(r.dependencies, r.name).toContain(release.urn);
  });
});
