import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** When the request had arrived in full (Date.now()), to measure the applier's pauses. */
  at: number;
}

/** An answer: `body` is sent as JSON, or `raw` as it is; `headers` are added (e.g. Retry-After). */
export interface Answer {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: Recorded) => Answer | undefined;

/** Takes over the response (to stall, trickle or drop it); return false to fall through. */
export type Responder = (req: Recorded, res: ServerResponse) => boolean;

/** Healthy answers of the two health endpoints the applier polls. */
export const HEALTHY_ES = { cluster_name: "logs", status: "green", timed_out: false, number_of_nodes: 3 };
export const AVAILABLE_KIBANA = {
  name: "kibana",
  status: { overall: { level: "available", summary: "All services are available" } },
};

/**
 * A loopback HTTP server that records every request and keeps a store of what was PUT (or POSTed
 * with overwrite) by path, the way Elasticsearch and Kibana keep named settings.
 */
export class RecordingServer {
  readonly requests: Recorded[] = [];
  readonly store = new Map<string, unknown>();
  private server: Server | undefined;
  /** Consulted first; return undefined to fall through to the default behaviour. */
  handler: Handler = () => undefined;
  /** Consulted before the handler. */
  responder: Responder = () => false;

  /** Listens on 127.0.0.1, on `port` if given (a test may start a server where one was refused). */
  /** Forgets what the last test recorded and set, so each test starts from a healthy server. */
  reset(): void {
    this.requests.length = 0;
    this.store.clear();
    this.handler = () => undefined;
    this.responder = () => false;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const rec: Recorded = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: text === "" ? undefined : JSON.parse(text),
          at: Date.now(),
        };
        this.requests.push(rec);
        if (this.responder(rec, res)) return;
        const answer = this.handler(rec) ?? this.defaultAnswer(rec);
        res.writeHead(answer.status, {
          "content-type": "application/json",
          // The Elasticsearch client refuses servers that do not say they are Elasticsearch.
          "x-elastic-product": "Elasticsearch",
          ...answer.headers,
        });
        res.end(answer.raw ?? JSON.stringify(answer.body));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private defaultAnswer(rec: Recorded): Answer {
    if (rec.method === "GET" && rec.path.startsWith("/_cluster/health"))
      return { status: 200, body: HEALTHY_ES };
    if (rec.method === "GET" && rec.path.endsWith("/api/status"))
      return { status: 200, body: AVAILABLE_KIBANA };
    if (rec.method === "GET") return { status: 200, body: { status: "green" } };
    // Kibana's data views API names the object in the body, not the path.
    const id = (rec.body as { data_view?: { id?: string } } | undefined)?.data_view?.id;
    const key = rec.path.replace(/\?.*$/, "") + (id ? `/${id}` : "");
    const created = !this.store.has(key);
    this.store.set(key, rec.body);
    return { status: created ? 201 : 200, body: { acknowledged: true } };
  }

  writes(): Recorded[] {
    return this.requests.filter((r) => r.method !== "GET");
  }

  async stop(): Promise<void> {
    // Drop stalled or trickling connections a test left open, or close() would wait for them.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
