import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ELASTIC_STACK } from "../../infra/versions";

const installed = (pkg: string): string =>
  (
    JSON.parse(readFileSync(join(__dirname, "..", "..", "node_modules", pkg, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

const minor = (version: string): string => version.split(".").slice(0, 2).join(".");

describe("the Elasticsearch client the settings bodies are typed and checked with", () => {
  it("is of the Elastic Stack minor the stack deploys", () => {
    // Its request types are the API of that minor: a body it accepts is one the cluster accepts.
    expect(minor(installed("@elastic/elasticsearch"))).toBe(minor(ELASTIC_STACK.version));
  });
});
