import { beforeAll, describe, expect, it } from "vitest";
import type { RenderResult } from "../../scripts/lib/offline";
import { render } from "../helpers/render";

let result: RenderResult;
beforeAll(async () => {
  // dev has New Relic off, so its API key is not needed at all.
  result = await render("dev", { newrelicApiKey: undefined });
});

describe("frontend monitoring (dev, New Relic off)", () => {
  it("creates nothing New Relic", () => {
    expect(result.resources.filter((r) => r.type.includes("newrelic"))).toEqual([]);
    expect(result.resources.filter((r) => r.type === "observability:frontend:Frontend")).toHaveLength(1);
  });

  it("still exports the Google Analytics measurement id", () => {
    expect((result.outputs as { frontend: unknown }).frontend).toEqual({
      googleAnalytics: { measurementId: "G-DEV0000001" },
      newRelic: { enabled: false },
    });
  });
});
