import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_CONTRACT } from "../../infra/catalog/metric-contract";
import { freePort, sleep } from "../../scripts/lib/bench-rules/prometheus";
import { requireTool } from "../helpers/tools";

/**
 * The contract's names from the Prometheus client libraries' collectors, as a real Go exporter
 * on this machine exposes them (Debian's blackbox exporter, built with client_golang): the
 * process collector's process_open_fds and process_max_fds and the Go collector's go_goroutines,
 * each with the type the contract states. Started on 127.0.0.1, stopped by its PID.
 */

let exporter: ChildProcess | undefined;
let work = "";
let exposition = "";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "obs-resources-"));
  writeFileSync(join(work, "blackbox.yml"), "modules:\n  tcp:\n    prober: tcp\n");
  const port = await freePort();
  exporter = spawn(
    requireTool("blackbox_exporter"),
    ["--config.file=blackbox.yml", `--web.listen-address=127.0.0.1:${port}`],
    { cwd: work, stdio: "ignore" },
  );
  for (let i = 0; i < 100 && !exposition; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (r.ok) exposition = await r.text();
    } catch {
      await sleep(100);
    }
  }
}, 30_000);

afterAll(() => {
  if (exporter?.pid && exporter.exitCode === null) exporter.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `# TYPE <name> <type>` lines of the exposition. */
const types = () =>
  new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const));

describe("the client libraries' collectors on a real exporter", () => {
  it.each(["processOpenFds", "processMaxFds", "goGoroutines"] as const)(
    "exposes %s under the contract's name and type",
    (id) => {
      const m = METRIC_CONTRACT[id];
      expect(m.origin).toBe("prometheus-client");
      expect(types().get(m.name), `${m.name} in\n${exposition.slice(0, 400)}`).toBe(m.type);
      // A sample, not only its metadata: a number, and for descriptors a positive one.
      const sample = new RegExp(`^${m.name} (\\S+)$`, "m").exec(exposition);
      expect(Number(sample?.[1])).toBeGreaterThan(0);
    },
  );

  it("has more descriptors allowed than open, as the leak prediction assumes", () => {
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(exposition)?.[1]);
    expect(value(METRIC_CONTRACT.processMaxFds.name)).toBeGreaterThan(
      value(METRIC_CONTRACT.processOpenFds.name),
    );
  });
});
