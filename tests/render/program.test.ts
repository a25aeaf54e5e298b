import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PROJECT } from "../../infra/config";
import { runProgram } from "../../infra/main";
import { installMockRuntime } from "../../scripts/lib/mock-runtime";
import { readStackFile } from "../../scripts/lib/stack-file";

describe("the Pulumi program on invalid config", () => {
  it("stops with a RunError (printed without a stack trace) before registering any resource", async () => {
    const file = readStackFile("dev");
    file.config[`${PROJECT}:archive`] = JSON.stringify({ bucketPrefix: "Bad_Prefix" });
    const rt = await installMockRuntime(PROJECT, "dev", file.config, file.secretKeys);
    let error: unknown;
    try {
      runProgram();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(pulumi.RunError);
    expect((error as Error).message).toContain(
      "observability:archive.bucketPrefix: expected 3-42 characters",
    );
    expect((error as Error).message).toContain("observability:archive.dailyVolumeGb: Invalid input");
    await rt.settle();
    expect(rt.resources).toEqual([]);
  });
});
