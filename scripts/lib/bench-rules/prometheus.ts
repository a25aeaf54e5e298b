import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { toYaml } from "../../../infra/artifacts";

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Every Prometheus this process started and has not yet stopped: stopped on exit, error or Ctrl-C. */
const running = new Set<ChildProcess>();
export function killAll(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) child.kill("SIGKILL");
  }
  running.clear();
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export class Prometheus {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly log: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts `prometheus` on 127.0.0.1 over `dataDir`, evaluating `ruleFiles` every
   * `evaluationInterval`, with no scrape targets unless `scrapeConfigs` names some (a function gets
   * the server's own port, to scrape itself). Blocks are kept at 2h (min = max block duration), so
   * the server never compacts the backfilled blocks into larger ones while it is being measured.
   */
  static async start(
    dataDir: string,
    ruleFiles: string[],
    options: {
      evaluationInterval?: string;
      scrapeInterval?: string;
      scrapeConfigs?: unknown[] | ((port: number) => unknown[]);
      /** Labels of this server (`global.external_labels`), as the operator sets them. */
      externalLabels?: Record<string, string>;
      /** The `alerting` section: where alerts go, and their relabelling on the way. */
      alerting?: unknown;
      /** More command-line flags. */
      flags?: string[];
    } = {},
  ): Promise<Prometheus> {
    const { evaluationInterval = "15s", scrapeInterval = "1m" } = options;
    const port = await freePort();
    const scrapeConfigs =
      typeof options.scrapeConfigs === "function"
        ? options.scrapeConfigs(port)
        : (options.scrapeConfigs ?? []);
    const configFile = join(dataDir, "..", `prometheus-${port}.yml`);
    writeFileSync(
      configFile,
      toYaml({
        global: {
          evaluation_interval: evaluationInterval,
          scrape_interval: scrapeInterval,
          ...(options.externalLabels ? { external_labels: options.externalLabels } : {}),
        },
        rule_files: ruleFiles,
        scrape_configs: scrapeConfigs,
        ...(options.alerting ? { alerting: options.alerting } : {}),
      }),
    );
    const child = spawn(
      "prometheus",
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.min-block-duration=2h",
        "--storage.tsdb.max-block-duration=2h",
        "--storage.tsdb.retention.time=30d",
        "--log.level=warn",
        ...(options.flags ?? []),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    running.add(child);
    const log: string[] = [];
    child.stderr?.on("data", (d: Buffer) => {
      log.push(d.toString());
      if (log.length > 50) log.shift();
    });
    const prom = new Prometheus(port, child, log);
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log.join("")}`);
      try {
        const r = await fetch(`${prom.url}/-/ready`);
        if (r.ok) return prom;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    await prom.stop();
    throw new Error(`prometheus did not become ready:\n${log.join("")}`);
  }

  /** Stops the process this object started, by its PID, and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
  }

  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const r = await fetch(`${this.url}${path}`, {
      method: Object.keys(params).length ? "POST" : "GET",
      ...(Object.keys(params).length ? { body: new URLSearchParams(params) } : {}),
    });
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? r.status}`);
    return body.data;
  }

  /** An instant query's vector (a scalar comes back as one sample without labels). */
  async query(expr: string, time?: number): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>("/api/v1/query", {
      query: expr,
      ...(time === undefined ? {} : { time: String(time) }),
    });
    if (data.resultType === "vector") return data.result as Sample[];
    if (data.resultType === "scalar") return [{ metric: {}, value: data.result as [number, string] }];
    throw new Error(`${expr}: unexpected ${data.resultType}`);
  }

  /** The server's own metrics as it exposes them on /metrics right now. */
  async ownMetrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  /** The sum of one of the server's own metrics over its label sets. */
  async ownMetric(name: string): Promise<number> {
    let sum = 0;
    for (const v of seriesOf(await this.ownMetrics(), name).values()) sum += v;
    return sum;
  }

  /** The last lines Prometheus logged, for error messages. */
  recentLog(): string {
    return this.log.join("");
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One metric's series in exposition text: label set (as written) → value. */
export function seriesOf(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    const cut = line.lastIndexOf(" ");
    out.set(line.slice(name.length, cut), Number(line.slice(cut + 1)));
  }
  return out;
}
