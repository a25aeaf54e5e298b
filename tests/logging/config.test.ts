import { describe, expect, it } from "vitest";
import { ConfigError } from "../../infra/config";
import { stackConfig } from "../../scripts/lib/stack-config";
import { loggingWith } from "./config";

describe("logging config", () => {
  it("refuses a production stack that is not highly available", () => {
    const single = loggingWith("prod", (l) => {
      (l.elasticsearch as { masters: { count: number } }).masters.count = 0;
      (l.elasticsearch as { data: { count: number } }).data.count = 1;
    });
    let error: unknown;
    try {
      stackConfig("prod", { logging: single });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("observability:logging.elasticsearch.masters.count: production needs 3"),
        expect.stringContaining(
          "observability:logging.elasticsearch.data.count: production needs at least 2",
        ),
      ]),
    );
  });

  it("refuses a heap larger than half the memory", () => {
    const bad = loggingWith("prod", (l) => {
      (l.elasticsearch as { data: { heapGb: number } }).data.heapGb = 12;
    });
    expect(() => stackConfig("prod", { logging: bad })).toThrow(/data\.heapGb: heap 12 GB is more than half/);
  });
});
