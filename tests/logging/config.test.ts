import { describe, expect, it } from "vitest";
import { ConfigError } from "../../infra/config";
import { KIBANA_MIN_MEMORY } from "../../infra/config/logging";
import { ECK_OPERATOR, ELASTIC_STACK } from "../../infra/versions";
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

  it("defaults to the pinned Elastic Stack and ECK, and refuses an ECK that does not run Stack 9", () => {
    const l = stackConfig("dev", {
      logging: loggingWith("dev", (x) => {
        delete x.stackVersion;
        delete x.eckOperatorVersion;
      }),
    }).logging;
    expect([l.stackVersion, l.eckOperatorVersion]).toEqual([ELASTIC_STACK.version, ECK_OPERATOR.version]);
    const eck = (v: string) => () =>
      stackConfig("dev", {
        logging: loggingWith("dev", (x) => {
          x.eckOperatorVersion = v;
        }),
      });
    expect(eck("2.16.1")).toThrow(
      /observability:logging\.eckOperatorVersion: expected an ECK 3\.x chart version/,
    );
    expect(eck("4.0.0")).toThrow(/logging\.eckOperatorVersion/);
    expect(eck("3.0.0")).not.toThrow();
    expect(() =>
      stackConfig("dev", {
        logging: loggingWith("dev", (x) => {
          x.stackVersion = "8.19.0";
        }),
      }),
    ).toThrow(/logging\.stackVersion: expected an Elastic Stack 9\.x version/);
  });

  it("refuses a Kibana too small for its Stack version, from the version that needs more", () => {
    const kibana = (stackVersion: string, memoryGb: number) => () =>
      stackConfig("dev", {
        logging: loggingWith("dev", (x) => {
          x.stackVersion = stackVersion;
          (x.kibana as { memoryGb: number }).memoryGb = memoryGb;
        }),
      });
    const [major, minor] = KIBANA_MIN_MEMORY.fromStack.split(".").map(Number) as [number, number];
    const from = `${major}.${minor}.0`;
    const before = `${major}.${minor - 1}.9`;
    expect(kibana(from, KIBANA_MIN_MEMORY.gb - 1)).toThrow(
      new RegExp(
        `observability:logging\\.kibana\\.memoryGb: Kibana ${from.replace(/\./g, "\\.")} needs at least ${KIBANA_MIN_MEMORY.gb} GB`,
      ),
    );
    // Versions compare as numbers: 9.10 is later than 9.4.
    expect(kibana(`${major}.${minor + 6}.0`, KIBANA_MIN_MEMORY.gb - 1)).toThrow(/kibana\.memoryGb/);
    expect(kibana(from, KIBANA_MIN_MEMORY.gb)).not.toThrow();
    expect(kibana(before, KIBANA_MIN_MEMORY.gb - 1)).not.toThrow();
  });
});
