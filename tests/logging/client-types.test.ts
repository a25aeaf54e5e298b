import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApplyStep, settingsPlan } from "../../infra/generators/logging";
import type {
  ComponentTemplateBody,
  IlmPolicyBody,
  IndexTemplateBody,
  IngestPipelineBody,
  RoleBody,
  SlmPolicyBody,
  SnapshotRepositoryBody,
  UserBody,
} from "../../infra/generators/logging/types";
import { stackConfig } from "../../scripts/lib/stack-config";
import { RecordingServer } from "./recorder";

/**
 * Each body goes through the official client's typed API call for its kind (so `tsc` checks it
 * against the request type) and the client's own serialization; what the client sends must be
 * exactly the method, path and body the settings Job sends.
 */
const CALLS: Record<
  Exclude<ApplyStep["kind"], "kibana" | "data_stream" | "retired_users">,
  (c: Client, s: ApplyStep) => Promise<unknown>
> = {
  snapshot_repository: (c, s) =>
    c.snapshot.createRepository({ name: s.name, repository: s.body as SnapshotRepositoryBody }),
  slm: (c, s) => c.slm.putLifecycle({ policy_id: s.name, ...(s.body as SlmPolicyBody) }),
  component_template: (c, s) =>
    c.cluster.putComponentTemplate({ name: s.name, ...(s.body as ComponentTemplateBody) }),
  ilm: (c, s) => c.ilm.putLifecycle({ name: s.name, ...(s.body as IlmPolicyBody) }),
  ingest_pipeline: (c, s) => c.ingest.putPipeline({ id: s.name, ...(s.body as IngestPipelineBody) }),
  index_template: (c, s) => c.indices.putIndexTemplate({ name: s.name, ...(s.body as IndexTemplateBody) }),
  role: (c, s) => c.security.putRole({ name: s.name, ...(s.body as RoleBody) }),
  // The Job adds the password from its Secret (applier-users.test.ts); the rest is this body.
  user: (c, s) => c.security.putUser({ username: s.name, ...(s.body as UserBody) }),
};

const server = new RecordingServer();
let client: Client;

beforeAll(async () => {
  client = new Client({ node: await server.start() });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

describe("settings bodies and the @elastic/elasticsearch client", () => {
  for (const stack of ["dev", "prod"] as const) {
    // A data_stream or retired_users step is several requests, checked against the client in
    // applier-streams.test.ts and applier-users.test.ts.
    const steps = settingsPlan(stackConfig(stack)).filter(
      (s) => s.target === "elasticsearch" && s.kind !== "data_stream" && s.kind !== "retired_users",
    );
    it.each(steps.map((s) => [`${s.kind}/${s.name}`, s] as const))(
      `${stack}: %s matches the client's request`,
      async (_, step) => {
        const call = CALLS[step.kind as keyof typeof CALLS];
        expect(call).toBeDefined();
        const before = server.requests.length;
        await call(client, step);
        const sent = server.requests.slice(before);
        expect(sent).toHaveLength(1);
        expect({ method: sent[0]?.method, path: sent[0]?.path, body: sent[0]?.body }).toEqual({
          method: step.method,
          path: step.path,
          body: step.body,
        });
      },
    );
  }
});
