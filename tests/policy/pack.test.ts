// The real pack, end to end: policy/index.ts runs in its own process as `pulumi preview
// --policy-pack policy` would start it (ts-node with type checking, the pack's own dependencies), and this test talks to it over the analyzer gRPC protocol
// the Pulumi engine uses, sending the resources of the dev render.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_POLICIES } from "../../policy/policies";
import type { RecordedResource } from "../../scripts/lib/recorded";
import { rendered } from "../helpers/render";
import { resource, secretValue, withStackResource } from "./harness";

// biome-ignore lint/suspicious/noExplicitAny: generated protobuf modules without typings for require.
const analyzerRpc: any = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// biome-ignore lint/suspicious/noExplicitAny: as above.
const analyzerPb: any = require("@pulumi/pulumi/proto/analyzer_pb");
// biome-ignore lint/suspicious/noExplicitAny: as above.
const { Struct }: any = require("google-protobuf/google/protobuf/struct_pb");
// biome-ignore lint/suspicious/noExplicitAny: as above.
const { Empty }: any = require("google-protobuf/google/protobuf/empty_pb");

const MANDATORY = 1;

function toAnalyzerResource(r: RecordedResource) {
  const opts = new analyzerPb.AnalyzerResourceOptions();
  opts.setProtect(r.protect);
  if (r.parent) opts.setParent(r.parent);
  const res = new analyzerPb.AnalyzerResource();
  res.setType(r.type);
  res.setName(r.name);
  res.setUrn(r.urn);
  res.setProperties(Struct.fromJavaScript(r.inputs));
  res.setOptions(opts);
  if (r.parent) res.setParent(r.parent);
  return res;
}

// biome-ignore lint/suspicious/noExplicitAny: gRPC client methods are generated.
const call = <T>(client: any, method: string, req: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
  );

interface Diagnostic {
  policy: string;
  level: number;
  message: string;
}
interface DiagnosticMessage {
  getPolicyname(): string;
  getEnforcementlevel(): number;
  getMessage(): string;
}
const diagnostics = (res: { getDiagnosticsList(): DiagnosticMessage[] }): Diagnostic[] =>
  res
    .getDiagnosticsList()
    .map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));

describe("the policy pack served over the analyzer protocol", () => {
  let pack: ChildProcess;
  // biome-ignore lint/suspicious/noExplicitAny: generated client.
  let client: any;
  let stderr = "";

  beforeAll(async () => {
    // As @pulumi/pulumi's run-policy-pack does: ts-node from the pack's own node_modules, type-checking.
    const dir = join(__dirname, "../../policy");
    if (!existsSync(join(dir, "node_modules/ts-node")))
      throw new Error("the policy pack's dependencies are not installed; run: (cd policy && npm ci)");
    const boot = [
      'const tsn = require(require.resolve("ts-node", { paths: [process.cwd()] }));',
      'tsn.register({ typeCheck: true, compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node" } });',
      'require(require("node:path").join(process.cwd(), "index.ts"));',
    ].join("\n");
    pack = spawn(process.execPath, ["-e", boot], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    pack.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      pack.stdout?.on("data", (d) => {
        out += String(d);
        const line = out.split("\n")[0]?.trim();
        if (out.includes("\n") && line) resolve(line);
      });
      pack.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    });
    expect(port).toMatch(/^\d+$/);
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    client?.close();
    pack?.kill();
  });

  it("announces every policy of the pack with its enforcement level", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: protobuf message.
    const info: any = await call(client, "getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("observability");
    // biome-ignore lint/suspicious/noExplicitAny: protobuf message.
    const policies = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
    expect(policies).toEqual(
      ALL_POLICIES.map((p) => [p.name, p.enforcementLevel === "mandatory" ? MANDATORY : 0]),
    );
  });

  it("passes the dev program's resources, and flags the same stack with a public bucket added", async () => {
    const dev = rendered("dev");
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList(withStackResource(dev).map(toAnalyzerResource));
    expect(
      diagnostics(await call<{ getDiagnosticsList(): DiagnosticMessage[] }>(client, "analyzeStack", req)),
    ).toEqual([]);

    const open = resource("aws:s3/bucket:Bucket", "open", { bucket: "open" });
    req.setResourcesList([...withStackResource(dev), open].map(toAnalyzerResource));
    const found = diagnostics(
      await call<{ getDiagnosticsList(): DiagnosticMessage[] }>(client, "analyzeStack", req),
    );
    expect(found).toContainEqual({
      policy: "s3-public-access-blocked",
      level: MANDATORY,
      message: expect.stringContaining("bucket open has no public access block"),
    });
  });

  it("reads the stack outputs from the root stack resource", async () => {
    const root = resource("pulumi:pulumi:Stack", "observability-dev", {
      sentry: { projects: { backend: { sdk: { tracesSampleRate: 5 } } } },
    });
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList([root].map(toAnalyzerResource));
    expect(
      diagnostics(await call<{ getDiagnosticsList(): DiagnosticMessage[] }>(client, "analyzeStack", req)),
    ).toEqual([
      {
        policy: "sentry-sample-rates",
        level: 0,
        // The server prefixes the policy's description.
        message: expect.stringMatching(
          /\noutputs\.sentry\.projects\.backend\.sdk\.tracesSampleRate = 5 is outside \[0\.01, 1\]$/,
        ),
      },
    ]);
  });

  it("sees secret values unwrapped, as the harness feeds them to policies", async () => {
    const req = new analyzerPb.AnalyzeRequest();
    const secret = resource("kubernetes:core/v1:Secret", "grafana-admin", {
      stringData: { "admin-password": secretValue("prom-operator") },
    });
    const r = toAnalyzerResource(secret);
    req.setType(r.getType());
    req.setUrn(r.getUrn());
    req.setName(r.getName());
    req.setProperties(r.getProperties());
    req.setOptions(r.getOptions());
    expect(
      diagnostics(await call<{ getDiagnosticsList(): DiagnosticMessage[] }>(client, "analyze", req)),
    ).toEqual([
      {
        policy: "no-plaintext-secrets",
        level: MANDATORY,
        message: expect.stringContaining("stringData.admin-password holds a well-known default password"),
      },
    ]);
  });
});
