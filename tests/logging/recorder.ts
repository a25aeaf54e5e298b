import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Handler = (req: Recorded) => { status: number; body: unknown } | undefined;

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

  async start(): Promise<string> {
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
        };
        this.requests.push(rec);
        const answer = this.handler(rec) ?? this.defaultAnswer(rec);
        res.writeHead(answer.status, {
          "content-type": "application/json",
          // The Elasticsearch client refuses servers that do not say they are Elasticsearch.
          "x-elastic-product": "Elasticsearch",
        });
        res.end(JSON.stringify(answer.body));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private defaultAnswer(rec: Recorded): { status: number; body: unknown } {
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
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
