import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PROJECT, parseStackConfig } from "../../infra/config";
import { prerequisites } from "../../infra/generators/prerequisites";
import { runProgram } from "../../infra/main";
import { installMockRuntime, type MockAnswers } from "../../scripts/lib/mock-runtime";
import { readStackFile } from "../../scripts/lib/stack-file";

/**
 * The program looks up its prerequisites before it registers anything, on Pulumi's mock runtime:
 * the lookups answer "present" (the mocks' default) or "absent" (MockAnswers.absent), as the
 * Kubernetes provider's read and the AWS provider's function would.
 */
const OIDC_CALL = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass/gp3";
// The prod example serves Grafana through the AWS Load Balancer Controller's class.
const INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass/alb";

/**
 * Runs the real program of a stack with these answers: what it registered and looked up, the error
 * it stopped with, and what it left unhandled. The SDK leaves a failed read's error unhandled on
 * purpose, and Pulumi's language host logs each such error once (cmd/run/run.js); this stands in
 * for that host while the program runs, so that the test sees what a person would.
 */
async function run(
  stack: "dev" | "prod",
  answers: MockAnswers = {},
  overrides: Record<string, unknown> = {},
) {
  const file = readStackFile(stack);
  for (const [key, value] of Object.entries(overrides))
    file.config[`${PROJECT}:${key}`] = JSON.stringify(value);
  const { config } = parseStackConfig(file.config, new Set(file.secretKeys));
  const rt = await installMockRuntime(PROJECT, stack, file.config, file.secretKeys, answers);
  // The host reports an error object once, however many promises it rejected.
  const unhandled = new Set<unknown>();
  const host = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (err) => unhandled.add(err));
  let error: unknown;
  try {
    try {
      await runProgram();
    } catch (err) {
      error = err;
    }
    await rt.settle();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of host) process.on("unhandledRejection", l);
  }
  const messages = [...unhandled].map((e) => (e instanceof Error ? e.message : String(e)));
  return { config, error, unhandled: messages, resources: rt.resources, lookups: rt.lookups };
}

/** The lookups the stack's prerequisites name, as the mocks record them. */
const expectedLookups = (config: Parameters<typeof prerequisites>[0]): string[] =>
  prerequisites(config).flatMap((p) => {
    const l = p.lookup;
    if (!l) return [];
    if (l.kind === "aws-iam-oidc-provider") return [OIDC_CALL];
    const group = l.apiVersion === "v1" ? "core/v1" : l.apiVersion;
    return [`kubernetes:${group}:${l.resource}/${l.namespace ? `${l.namespace}/` : ""}${l.name}`];
  });

describe("prerequisites are checked before anything is created", () => {
  it("prod: with every prerequisite present, looks up exactly the stated ones, then builds the stack", async () => {
    const r = await run("prod");
    expect(r.error).toBeUndefined();
    expect(r.lookups).toEqual(expect.arrayContaining(expectedLookups(r.config)));
    expect(r.lookups).toEqual(expect.arrayContaining([STORAGE_CLASS, INGRESS_CLASS, OIDC_CALL]));
    // Nothing but prerequisites is read from the cluster (a `.get` is a real read on a first preview).
    expect(r.lookups.filter((l) => l.startsWith("kubernetes:")).sort()).toEqual(
      expectedLookups(r.config)
        .filter((l) => l.startsWith("kubernetes:"))
        .sort(),
    );
    expect(r.resources.length).toBeGreaterThan(100);
    expect(r.unhandled).toEqual([]);
  });

  it("prod: a missing StorageClass and IngressClass stop the run with one line each, before any resource", async () => {
    const r = await run("prod", { absent: [STORAGE_CLASS, INGRESS_CLASS] });
    expect(r.error).toBeInstanceOf(pulumi.RunError);
    const message = (r.error as Error).message;
    const lines = message.split("\n");
    expect(lines[0]).toMatch(/^2 prerequisite\(s\) of this stack are missing; nothing was created/);
    expect(lines.slice(1)).toHaveLength(2);
    expect(lines[1]).toContain("StorageClass gp3");
    expect(lines[1]).toContain("(kubernetes.storageClassName)");
    expect(lines[1]).toContain("kubectl get storageclass gp3");
    expect(lines[2]).toContain("IngressClass alb");
    // One IngressClass, which both of prod's ALBs (Grafana's and Kibana's) need: one line.
    expect(lines[2]).toContain("grafana.ingressClassName");
    expect(lines[2]).toContain("logging.kibana.endpoint.ingressClassName");
    expect(r.resources).toEqual([]);
    // What the language host logs as well: each failed read once, under a name that says what it is.
    expect(r.unhandled.sort()).toEqual([
      expect.stringMatching(
        /^failed to read resource #alb 'prerequisite: IngressClass alb \(grafana\.ingressClassName, grafana\.tls\.source, logging\.kibana\.endpoint\.ingressClassName, logging\.kibana\.endpoint\.tls\.source\)'.*does not exist$/,
      ),
      expect.stringMatching(
        /^failed to read resource #gp3 'prerequisite: StorageClass gp3 \(kubernetes\.storageClassName\)'.*does not exist$/,
      ),
    ]);
  });

  it("an IngressClass run by another controller than the Ingress's annotations are written for stops the run", async () => {
    // Kibana's backend speaks HTTPS, which only ingress-nginx's annotation tells it.
    const file = readStackFile("prod");
    const logging = JSON.parse(file.config[`${PROJECT}:logging`] ?? "{}") as Record<
      string,
      Record<string, unknown>
    >;
    const nginx = {
      ...logging,
      kibana: {
        ...logging.kibana,
        endpoint: {
          hostname: "kibana.acme.example.com",
          ingressClassName: "nginx",
          tls: { source: "cert-manager", clusterIssuer: "letsencrypt-prod" },
          dns: { source: "external-dns" },
        },
      },
    };
    const traefik = "kubernetes:networking.k8s.io/v1:IngressClass/nginx";
    const r = await run(
      "prod",
      { reads: { [traefik]: { spec: { controller: "traefik.io/ingress-controller" } } } },
      { logging: nginx },
    );
    expect(r.lookups).toContain(traefik);
    expect(r.error).toBeInstanceOf(pulumi.RunError);
    const lines = (r.error as Error).message.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("ingress-nginx serving IngressClass nginx");
    expect(lines[1]).toContain("(logging.kibana.endpoint.ingressClassName)");
    expect(lines[1]).toContain("its controller is traefik.io/ingress-controller, not k8s.io/ingress-nginx");
    expect(r.resources).toEqual([]);
    // ingress-nginx's own class passes.
    const ok = await run("prod", {}, { logging: nginx });
    expect(ok.error).toBeUndefined();
  });

  it("dev: a missing OIDC provider is named with its ARN; dev has no Ingress, so no IngressClass is read", async () => {
    const r = await run("dev", { absent: [OIDC_CALL] });
    expect(r.lookups).not.toContain(INGRESS_CLASS);
    expect(r.error).toBeInstanceOf(pulumi.RunError);
    const message = (r.error as Error).message;
    expect(message.split("\n")).toHaveLength(2);
    expect(message).toContain(r.config.kubernetes.oidcProvider.arn);
    expect(message).toContain("kubernetes.oidcProvider.arn");
    expect(r.resources).toEqual([]);
  });

  it("dev: an OIDC provider without the STS audience is a missing prerequisite too", async () => {
    const r = await run("dev", {
      calls: { [OIDC_CALL]: { clientIdLists: ["other"], thumbprintLists: [], url: "x", tags: {} } },
    });
    expect(r.error).toBeInstanceOf(pulumi.RunError);
    expect((r.error as Error).message).toContain("without sts.amazonaws.com");
    expect(r.resources).toEqual([]);
  });
});
