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

/** A backing index of a data stream, as `GET _data_stream` lists it. */
export interface BackingIndex {
  index_name: string;
  ilm_policy?: string;
}

/** The ILM policy of Elasticsearch's built-in `logs` index template (priority 100, `logs-*-*`). */
export const BUILT_IN_LOGS_POLICY = "logs";

const globMatches = (pattern: string, name: string): boolean =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(name);

/**
 * A loopback HTTP server that records every request and keeps a store of what was PUT (or POSTed
 * with overwrite) by path, the way Elasticsearch and Kibana keep named settings. It also keeps
 * data streams the way Elasticsearch does for what the settings Job asks of them: a rollover adds
 * a write index under the ILM policy of the index template that matches the stream then (ours
 * from the store, else the built-in `logs`), and the stream-level `template` and `ilm_policy` of
 * `GET _data_stream` are the matching template's, not the indices'.
 */
export class RecordingServer {
  readonly requests: Recorded[] = [];
  readonly store = new Map<string, unknown>();
  /** Data streams by name: backing indices oldest first, the last the write index. */
  readonly streams = new Map<string, BackingIndex[]>();
  /** Native users disabled by `PUT /_security/user/<name>/_disable`. */
  readonly disabled = new Set<string>();
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
    this.streams.clear();
    this.disabled.clear();
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

  /** The stored index template that matches a name, highest priority first, as Elasticsearch picks. */
  private matchingTemplate(name: string): { name: string; policy?: string } | undefined {
    const found = [...this.store]
      .filter(([path]) => path.startsWith("/_index_template/"))
      .map(([path, body]) => ({
        name: decodeURIComponent(path.slice("/_index_template/".length)),
        body: body as {
          index_patterns: string[];
          priority?: number;
          template?: { settings?: { index?: { lifecycle?: { name?: string } } } };
        },
      }))
      .filter((t) => t.body.index_patterns.some((p) => globMatches(p, name)))
      .sort((a, b) => (b.body.priority ?? 0) - (a.body.priority ?? 0))[0];
    return found && { name: found.name, policy: found.body.template?.settings?.index?.lifecycle?.name };
  }

  /** Answers the data stream requests of the settings Job, or undefined for any other request. */
  private dataStreamAnswer(rec: Recorded): Answer | undefined {
    const notFound = (name: string): Answer => ({
      status: 404,
      body: { error: { type: "index_not_found_exception", reason: `no such index [${name}]` }, status: 404 },
    });
    const get = /^\/_data_stream\/([^/?]+)$/.exec(rec.path);
    if (rec.method === "GET" && get) {
      const name = decodeURIComponent(get[1] as string);
      const indices = this.streams.get(name);
      if (!indices) return notFound(name);
      const template = this.matchingTemplate(name) ?? { name: "logs", policy: BUILT_IN_LOGS_POLICY };
      return {
        status: 200,
        body: {
          data_streams: [
            {
              name,
              timestamp_field: { name: "@timestamp" },
              indices: indices.map((i) => ({
                ...i,
                index_uuid: `uuid-${i.index_name}`,
                prefer_ilm: true,
                managed_by: i.ilm_policy ? "Index Lifecycle Management" : "Unmanaged",
              })),
              generation: indices.length,
              status: "GREEN",
              template: template.name,
              ...(template.policy ? { ilm_policy: template.policy } : {}),
              hidden: false,
              system: false,
              prefer_ilm: true,
            },
          ],
        },
      };
    }
    const rollover = /^\/([^/?]+)\/_rollover$/.exec(rec.path);
    if (rec.method === "POST" && rollover) {
      const name = decodeURIComponent(rollover[1] as string);
      const indices = this.streams.get(name);
      if (!indices) return notFound(name);
      const old = indices.at(-1)?.index_name;
      const created = `.ds-${name}-2026.01.01-${String(indices.length + 1).padStart(6, "0")}`;
      const policy = this.matchingTemplate(name)?.policy ?? BUILT_IN_LOGS_POLICY;
      indices.push({ index_name: created, ilm_policy: policy });
      return {
        status: 200,
        body: { acknowledged: true, old_index: old, new_index: created, rolled_over: true, dry_run: false },
      };
    }
    const index = (path: string) =>
      [...this.streams.values()].flat().find((i) => i.index_name === decodeURIComponent(path));
    const remove = /^\/([^/?]+)\/_ilm\/remove$/.exec(rec.path);
    if (rec.method === "POST" && remove) {
      const i = index(remove[1] as string);
      if (!i) return notFound(remove[1] as string);
      delete i.ilm_policy;
      return { status: 200, body: { has_failures: false, failed_indexes: [] } };
    }
    const settings = /^\/([^/?_][^/?]*)\/_settings$/.exec(rec.path);
    if (rec.method === "PUT" && settings) {
      const i = index(settings[1] as string);
      if (!i) return notFound(settings[1] as string);
      const name = (rec.body as { index?: { lifecycle?: { name?: string } } }).index?.lifecycle?.name;
      if (name !== undefined) i.ilm_policy = name;
      return { status: 200, body: { acknowledged: true } };
    }
    return undefined;
  }

  /**
   * Native users as Elasticsearch keeps them for the users Job: PUT stores one (the default
   * store, password included), `GET /_security/user` lists them all without their passwords,
   * `PUT /_security/user/<name>/_disable` disables one; a PUT with `enabled` sets it.
   */
  private userAnswer(rec: Recorded): Answer | undefined {
    const users = () =>
      [...this.store]
        .filter(([path]) => /^\/_security\/user\/[^/]+$/.test(path))
        .map(([path, body]) => [decodeURIComponent(path.slice("/_security/user/".length)), body] as const);
    if (rec.method === "GET" && rec.path === "/_security/user")
      return {
        status: 200,
        body: Object.fromEntries(
          users().map(([name, body]) => {
            const { password: _, ...user } = body as Record<string, unknown>;
            return [
              name,
              {
                username: name,
                metadata: {},
                ...user,
                enabled: !this.disabled.has(name) && user.enabled !== false,
              },
            ];
          }),
        ),
      };
    const disable = /^\/_security\/user\/([^/?]+)\/_disable$/.exec(rec.path);
    if (rec.method === "PUT" && disable) {
      const name = decodeURIComponent(disable[1] as string);
      if (!users().some(([n]) => n === name))
        return { status: 404, body: { error: { type: "resource_not_found_exception" }, status: 404 } };
      this.disabled.add(name);
      return { status: 200, body: {} };
    }
    const put = /^\/_security\/user\/([^/?]+)$/.exec(rec.path);
    if (rec.method === "PUT" && put) this.disabled.delete(decodeURIComponent(put[1] as string));
    return undefined;
  }

  private defaultAnswer(rec: Recorded): Answer {
    const stream = this.dataStreamAnswer(rec);
    if (stream) return stream;
    const user = this.userAnswer(rec);
    if (user) return user;
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
