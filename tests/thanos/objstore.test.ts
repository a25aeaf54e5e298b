import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isRef } from "../../infra/generators/refs";
import { OBJSTORE_ARTIFACT, OBJSTORE_SECRET, s3Endpoint } from "../../infra/generators/thanos";
import { reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { one, rendered, STACKS } from "../helpers/render";

/**
 * The objstore config against Thanos's own S3 schema at the pinned release: the S3 block of
 * docs/storage.md at v0.42.4 (generated from objstore's s3.Config), committed under
 * tests/data/thanos/ with its source. Thanos parses the file with yaml.UnmarshalStrict, so a key
 * that is not there stops every part; objstore's validate() adds the rules checked below
 * (providers/s3/s3.go at the objstore version v0.42.4 pins).
 */

const DATA = join(__dirname, "..", "data", "thanos", "storage-s3.yaml");
const text = readFileSync(DATA, "utf8");
const schema = parse(text) as Record<string, unknown>;

const kind = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "list" : typeof v === "object" ? "map" : typeof v;

/** Keys of `doc` that the schema does not have, or whose value has another type, by dotted path. */
function schemaProblems(doc: unknown, shape: unknown = schema, path = ""): string[] {
  if (kind(doc) !== "map" || kind(shape) !== "map") return [];
  return Object.entries(doc as Record<string, unknown>).flatMap(([k, v]) => {
    const p = path ? `${path}.${k}` : k;
    const s = shape as Record<string, unknown>;
    if (!(k in s)) return [`${p}: not a key of Thanos's S3 config`];
    const want = kind(s[k]);
    // An empty map in the schema is a map of strings (put_user_metadata, kms_encryption_context).
    if (want !== kind(v)) return [`${p}: expected a ${want}, found a ${kind(v)}`];
    return want === "map" && Object.keys(s[k] as object).length > 0 ? schemaProblems(v, s[k], p) : [];
  });
}

/** objstore's validate() for S3 (and what this stack adds: no credential in the file). */
function validateProblems(doc: Record<string, unknown>): string[] {
  const c = (doc.config ?? {}) as Record<string, unknown>;
  const sse = (c.sse_config ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (doc.type !== "S3") problems.push("type must be S3");
  if (!c.endpoint) problems.push("no s3 endpoint in config file");
  if (c.aws_sdk_auth && c.access_key) problems.push("aws_sdk_auth and access_key are mutually exclusive");
  if (!!c.access_key !== !!c.secret_key) problems.push("access_key and secret_key must come together");
  if (sse.type !== undefined && !["SSE-S3", "SSE-KMS", "SSE-C"].includes(String(sse.type)))
    problems.push(`unsupported sse_config.type ${String(sse.type)}`);
  if (sse.type === "SSE-KMS" && !sse.kms_key_id)
    problems.push("kms_key_id must be set if sse_config.type is set to 'SSE-KMS'");
  for (const k of ["access_key", "secret_key", "session_token"])
    if (c[k]) problems.push(`${k}: a credential in the file (IRSA gives the pods theirs)`);
  return problems;
}

describe("the committed S3 schema", () => {
  it("names its source, tag, commit and blob, and is the S3 block", () => {
    expect(text).toMatch(/^# source: https:\/\/github\.com\/thanos-io\/thanos docs\/storage\.md/);
    expect(text).toMatch(
      /^# tag: v0\.42\.4 \(commit 45c4f39487e1653e606307d3952a6259fb96acae\), blob [0-9a-f]{40}$/m,
    );
    expect(schema.type).toBe("S3");
    expect(Object.keys(schema.config as object)).toEqual(
      expect.arrayContaining(["bucket", "endpoint", "region", "sse_config", "aws_sdk_auth", "access_key"]),
    );
  });

  it("catches what Thanos would refuse", () => {
    const bad = {
      type: "S3",
      config: { bucket: "b", endpont: "x", region: 1, sse_config: { type: "SSE-KMS", kms_key: "k" } },
    };
    expect(schemaProblems(bad)).toEqual([
      "config.endpont: not a key of Thanos's S3 config",
      "config.region: expected a string, found a number",
      "config.sse_config.kms_key: not a key of Thanos's S3 config",
    ]);
    expect(validateProblems(bad)).toEqual([
      "no s3 endpoint in config file",
      "kms_key_id must be set if sse_config.type is set to 'SSE-KMS'",
    ]);
    expect(validateProblems({ type: "S3", config: { endpoint: "e", access_key: "AKIA" } })).toEqual([
      "access_key and secret_key must come together",
      "access_key: a credential in the file (IRSA gives the pods theirs)",
    ]);
  });
});

describe.each(STACKS)("the objstore config (%s)", (stack) => {
  let r: RenderResult;
  let deployed: Record<string, unknown>;
  beforeAll(() => {
    r = rendered(stack);
    const secret = reveal(one(r, "kubernetes:core/v1:Secret", "metrics-thanos-objstore").inputs) as {
      metadata: { name: string; namespace: string };
      stringData: Record<string, string>;
    };
    expect(secret.metadata).toMatchObject({
      name: OBJSTORE_SECRET.name,
      namespace: r.config.metrics.namespace,
    });
    deployed = parse(secret.stringData[OBJSTORE_SECRET.key]!) as Record<string, unknown>;
  });

  it("has only keys of Thanos's S3 config, of their types, and passes its validation", () => {
    expect(schemaProblems(deployed)).toEqual([]);
    expect(validateProblems(deployed)).toEqual([]);
  });

  it("names the metrics bucket, the region's endpoint and the archive's key, and no credential", () => {
    const bucket = one(r, "aws:s3/bucket:Bucket", "thanos-bucket");
    const key = one(r, "aws:kms/key:Key", "log-archive-key");
    // The mock runtime's AWS provider runs in us-east-1 (aws.getRegion).
    expect(deployed).toEqual({
      type: "S3",
      config: {
        bucket: r.config.thanos.bucketName,
        endpoint: "s3.us-east-1.amazonaws.com",
        region: "us-east-1",
        sse_config: { type: "SSE-KMS", kms_key_id: expect.stringMatching(/^arn:aws:kms:/) },
      },
    });
    expect(bucket.inputs.bucket).toBe(r.config.thanos.bucketName);
    expect(key).toBeDefined();
  });

  it("is the rendered thanos/objstore.yaml with its references filled", () => {
    const artifact = r.artifacts.find((a) => a.path === OBJSTORE_ARTIFACT);
    expect(artifact).toBeDefined();
    const template = parse(artifact!.content) as Record<string, unknown>;
    const c = deployed.config as Record<string, Record<string, unknown>>;
    const values: Record<string, unknown> = {
      bucket: c.bucket,
      region: c.region,
      s3Endpoint: c.endpoint,
      kmsKeyArn: c.sse_config!.kms_key_id,
    };
    const fill = (v: unknown): unknown =>
      isRef(v)
        ? values[v.$ref]
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
          : v;
    expect(fill(template)).toEqual(deployed);
  });
});

describe("s3Endpoint", () => {
  it("is the region's S3 endpoint, under amazonaws.com.cn in China", () => {
    expect(s3Endpoint("eu-central-1")).toBe("s3.eu-central-1.amazonaws.com");
    expect(s3Endpoint("us-gov-west-1")).toBe("s3.us-gov-west-1.amazonaws.com");
    expect(s3Endpoint("cn-north-1")).toBe("s3.cn-north-1.amazonaws.com.cn");
  });
});
