import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApplyError, applyPlan, type PlanStep } from "../../infra/components/logging-applier.mjs";
import { dataStreamName } from "../../infra/catalog/log-schema";
import { ilmPolicyName, indexTemplateName, settingsPlans } from "../../infra/generators/logging";
import { stackConfig } from "../../scripts/lib/stack-config";
import { runJob } from "./job";
import { BUILT_IN_LOGS_POLICY, type Recorded, RecordingServer } from "./recorder";

/**
 * Data streams created before their index template (a shipper that started first, or an earlier
 * version of this stack): the settings Job rolls each over onto our template and puts its older
 * backing indices under our ILM policy, once; against a loopback stand-in that keeps data streams
 * as Elasticsearch does, and checked against the official client's requests.
 */
const prod = stackConfig("prod");
const plan: PlanStep[] = settingsPlans(prod).settings;
const STREAM = dataStreamName("application", "prod");
const POLICY = ilmPolicyName("application");
const OLD = `.ds-${STREAM}-2025.12.31-000001`;

const server = new RecordingServer();
let url = "";
const options = () => ({
  elasticsearchUrl: url,
  username: "elastic",
  password: "test-password",
  readyTimeoutMs: 5000,
  retryDelayMs: 10,
  retryMaxDelayMs: 40,
});
/** The requests of the settings Job that touch data streams or backing indices. */
const streamRequests = (): string[] =>
  server.requests
    .filter((r) => /^\/(_data_stream\/|[^_/][^/]*\/_(rollover|ilm\/remove|settings)$)/.test(r.path))
    .map((r) => `${r.method} ${r.path}`);

beforeAll(async () => {
  url = await server.start();
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

describe("data streams created before their index template", () => {
  it("rolls the stream over onto our template and puts its older index under our ILM policy", async () => {
    // What a first backing index made from Elasticsearch's built-in `logs` template looks like.
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    await applyPlan(plan, options());
    const indices = server.streams.get(STREAM) ?? [];
    expect(indices).toHaveLength(2);
    expect(indices.every((i) => i.ilm_policy === POLICY)).toBe(true);
    expect(streamRequests().filter((r) => r.includes(STREAM))).toEqual([
      `GET /_data_stream/${STREAM}`,
      `POST /${STREAM}/_rollover`,
      `GET /_data_stream/${STREAM}`,
      `POST /${OLD}/_ilm/remove`,
      `PUT /${OLD}/_settings`,
    ]);
    const settings = server.requests.find((r) => r.path === `/${OLD}/_settings`);
    expect(settings?.body).toEqual({ index: { lifecycle: { name: POLICY } } });
    // The other types' streams do not exist: looked at, left alone.
    const others = plan.filter((s) => s.kind === "data_stream" && s.name !== STREAM);
    expect(others.length).toBeGreaterThan(0);
    for (const s of others) expect(server.streams.has(s.name)).toBe(false);
  });

  it("is idempotent: a second run rolls nothing over and changes no index", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    await applyPlan(plan, options());
    const after = structuredClone(server.streams.get(STREAM));
    server.requests.length = 0;
    await applyPlan(plan, options());
    expect(server.streams.get(STREAM)).toEqual(after);
    expect(streamRequests().filter((r) => !r.startsWith("GET "))).toEqual([]);
  });

  it("reads each backing index's own policy, not the stream's, which names the template that matches now", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    await applyPlan(
      plan.filter((s) => s.kind !== "data_stream"),
      options(),
    );
    // With our template installed, the stream-level fields already say ours; the write index does not.
    const answer = (await (await fetch(`${url}/_data_stream/${STREAM}`)).json()) as {
      data_streams: { template: string; ilm_policy: string; indices: { ilm_policy: string }[] }[];
    };
    expect(answer.data_streams[0]).toMatchObject({
      template: indexTemplateName("application"),
      ilm_policy: POLICY,
      indices: [{ ilm_policy: BUILT_IN_LOGS_POLICY }],
    });
    await applyPlan(
      plan.filter((s) => s.kind === "data_stream"),
      options(),
    );
    expect(streamRequests()).toContain(`POST /${STREAM}/_rollover`);
    expect(server.streams.get(STREAM)?.map((i) => i.ilm_policy)).toEqual([POLICY, POLICY]);
  });

  it("adopts an older index left under another policy without rolling a stream over whose write index is ours", async () => {
    const write = `.ds-${STREAM}-2026.01.01-000002`;
    server.streams.set(STREAM, [{ index_name: OLD }, { index_name: write, ilm_policy: POLICY }]);
    await applyPlan(plan, options());
    expect(streamRequests().filter((r) => !r.startsWith("GET "))).toEqual([
      `POST /${OLD}/_ilm/remove`,
      `PUT /${OLD}/_settings`,
    ]);
    expect(server.streams.get(STREAM)).toEqual([
      { index_name: OLD, ilm_policy: POLICY },
      { index_name: write, ilm_policy: POLICY },
    ]);
  });

  it("fails naming the index template when a rollover did not bring the stream under our policy", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    // The template is acknowledged but not kept: the rollover takes the built-in template again.
    server.handler = (r) =>
      r.method === "PUT" && r.path === `/_index_template/${indexTemplateName("application")}`
        ? { status: 200, body: { acknowledged: true } }
        : undefined;
    const err = await applyPlan(plan, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as Error).message).toContain(`(data_stream ${STREAM})`);
    expect((err as Error).message).toContain(`does index template ${indexTemplateName("application")} match`);
    expect((err as Error).message).toContain(`not ${POLICY}`);
  });

  it("fails the step on an answer that is not a data stream, saying what came", async () => {
    server.handler = (r) =>
      r.method === "GET" && r.path === `/_data_stream/${STREAM}`
        ? { status: 200, body: { data_streams: [] } }
        : undefined;
    const err = await applyPlan(plan, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as Error).message).toContain(`expected data stream ${STREAM} with its backing indices`);
    expect((err as Error).message).toContain('{"data_streams":[]}');
  });

  it("retries a rollover the cluster answers with 503, then completes", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    let refused = 0;
    server.handler = (r) =>
      r.path === `/${STREAM}/_rollover` && refused++ < 1
        ? { status: 503, body: { error: "busy" } }
        : undefined;
    await applyPlan(plan, options());
    expect(refused).toBe(2);
    expect(server.streams.get(STREAM)?.at(-1)?.ilm_policy).toBe(POLICY);
  });

  it("the Job's script does the same and exits 0, without KIBANA_URL (its plan has no Kibana step)", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    const run = await runJob(
      { ES_URL: url, ES_USERNAME: "elastic", ES_PASSWORD: "test-password", RETRY_DELAY_MS: "10" },
      plan,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`rolled ${STREAM} over from ${OLD}`);
    expect(server.streams.get(STREAM)?.every((i) => i.ilm_policy === POLICY)).toBe(true);
  });
});

describe("the data stream requests and the @elastic/elasticsearch client", () => {
  it("are the method, path and body the official client sends for the same APIs", async () => {
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    await applyPlan(plan, options());
    const applier = server.requests.filter((r) => r.path.includes(STREAM) || r.path.includes(OLD));
    const key = (r: Recorded) => ({ method: r.method, path: r.path, body: r.body });
    server.reset();
    server.streams.set(STREAM, [{ index_name: OLD, ilm_policy: BUILT_IN_LOGS_POLICY }]);
    const client = new Client({ node: url });
    try {
      await client.indices.getDataStream({ name: STREAM });
      await client.indices.rollover({ alias: STREAM });
      await client.indices.getDataStream({ name: STREAM });
      await client.ilm.removePolicy({ index: OLD });
      await client.indices.putSettings({ index: OLD, settings: { index: { lifecycle: { name: POLICY } } } });
    } finally {
      await client.close();
    }
    expect(applier.map(key)).toEqual(server.requests.map(key));
  });
});
