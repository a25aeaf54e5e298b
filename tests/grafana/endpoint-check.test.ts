import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createProvider,
  describeCertificate,
  FAKE_CERTIFICATE,
} from "../../infra/components/grafana-endpoint-provider.cjs";
import { endpointCheck } from "../../infra/generators/grafana";
import { stackConfig } from "../../scripts/lib/stack-config";
import { grafanaWithoutHostname } from "../helpers/variant";
import { selfSignedCert, tempFiles } from "../helpers/tools";

/**
 * The endpoint check against real servers on loopback: plain http, and https with a certificate
 * made by openssl for a name that only the injected resolver knows.
 */

const HOST = "grafana.test";
const HEALTHY = JSON.stringify({ database: "ok", version: "13.2.0" });

/** Resolves HOST to loopback and every other name not at all. */
const lookup = (
  host: string,
  _o: { all: true },
  cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void,
) =>
  host === HOST
    ? cb(null, [{ address: "127.0.0.1", family: 4 }])
    : cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }), []);

/** A clock that sleeping advances: budgets run out at once, in virtual time. */
function virtualTime() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

const hints = { dns: "HINT-DNS", connect: "HINT-CONNECT", tls: "HINT-TLS", http: "HINT-HTTP" };
const inputs = (url: string, extra: Record<string, unknown> = {}) => ({
  url,
  healthPath: "/api/health",
  budgetSeconds: 60,
  dnsFailureIsFinal: false,
  hints,
  ...extra,
});

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

let cert: { key: string; pem: string };
beforeAll(() => {
  const files = selfSignedCert(tempFiles({}), HOST, `DNS:${HOST}`);
  cert = { key: readFileSync(files.key, "utf8"), pem: readFileSync(files.cert, "utf8") };
});

describe("Grafana endpoint check", () => {
  it("passes once Grafana answers /api/health with database ok, after waiting out a 503", async () => {
    let calls = 0;
    const port = await listen(
      createHttpServer((req, res) => {
        calls += 1;
        expect(req.url).toBe("/api/health");
        res
          .writeHead(calls < 3 ? 503 : 200, { "content-type": "application/json" })
          .end(calls < 3 ? "starting" : HEALTHY);
      }),
    );
    const p = createProvider({ lookup, ...virtualTime(), intervalMs: 1000 });
    const out = await p.create(inputs(`http://${HOST}:${port}`));
    expect(out.id).toBe(`${HOST}:${port}`);
    expect(calls).toBe(3);
  });

  it("fails at http when the budget runs out, quoting the answer and the stack's hint", async () => {
    const port = await listen(
      createHttpServer((_req, res) =>
        res.writeHead(302, { location: "/login" }).end('<a href="/login">Found</a>'),
      ),
    );
    const p = createProvider({ lookup, ...virtualTime(), intervalMs: 10_000 });
    const err = await p.create(inputs(`http://${HOST}:${port}`)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(
      /Grafana is not reachable at http:\/\/grafana\.test:\d+ from where `pulumi up` runs \(7 attempt/,
    );
    expect(message).toMatch(/Failed at http: .*answered HTTP 302 redirecting to \/login/);
    expect(message).toContain("Check: HINT-HTTP.");
    expect(message).toContain("Nothing was changed in Grafana");
  });

  it("fails at dns at once for a name that cannot start resolving, and keeps trying one that can", async () => {
    let attempts = 0;
    const counting: typeof lookup = (h, o, cb) => {
      attempts += 1;
      lookup(h, o, cb);
    };
    const once = createProvider({ lookup: counting, ...virtualTime() });
    await expect(
      once.create(inputs("http://grafana.grafana.svc.cluster.local", { dnsFailureIsFinal: true })),
    ).rejects.toThrow(
      /1 attempt\(s\)[\s\S]*Failed at dns: grafana\.grafana\.svc\.cluster\.local does not resolve here \(ENOTFOUND\)[\s\S]*Check: HINT-DNS/,
    );
    expect(attempts).toBe(1);
    attempts = 0;
    const patient = createProvider({ lookup: counting, ...virtualTime(), intervalMs: 10_000 });
    await expect(patient.create(inputs("https://grafana.example.invalid"))).rejects.toThrow(/Failed at dns/);
    expect(attempts).toBe(7); // at 0, 10, …, 60 s of a 60 s budget
  });

  it("fails at connect when nothing listens", async () => {
    const port = await listen(createHttpServer());
    await new Promise((r) => servers.pop()?.close(r));
    const p = createProvider({ lookup, ...virtualTime(), intervalMs: 30_000 });
    await expect(p.create(inputs(`http://${HOST}:${port}`))).rejects.toThrow(
      /Failed at connect: grafana\.test \(127\.0\.0\.1\) port \d+: ECONNREFUSED[\s\S]*Check: HINT-CONNECT/,
    );
  });

  it("refuses a certificate the provider would not trust, saying what the server presented", async () => {
    const handler: RequestListener = (_req, res) => res.writeHead(200).end(HEALTHY);
    const port = await listen(
      createHttpsServer({ key: cert.key, cert: cert.pem }, handler) as unknown as Server,
    );
    const url = `https://${HOST}:${port}`;
    const p = createProvider({ lookup, ...virtualTime(), intervalMs: 30_000 });
    const err = (await p.create(inputs(url)).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /Failed at tls: grafana\.test \(127\.0\.0\.1\) port \d+: the certificate was refused \(\w+/,
    );
    expect(err.message).toContain("trusting the system's CAs");
    expect(err.message).toMatch(
      /presented CN=grafana\.test for names grafana\.test, issued by CN=grafana\.test/,
    );
    expect(err.message).toContain("Check: HINT-TLS.");
    // With the private CA the provider is given (grafana.tls.privateCa), the same server passes.
    await expect(p.create(inputs(url, { caCert: cert.pem }))).resolves.toMatchObject({
      id: `${HOST}:${port}`,
    });
  });

  it("names ingress-nginx's Fake Certificate", () => {
    const text = describeCertificate({
      subject: { CN: FAKE_CERTIFICATE },
      issuer: { CN: FAKE_CERTIFICATE },
      subjectaltname: "DNS:ingress.local",
      valid_to: "Jan  1 00:00:00 2030 GMT",
    } as never);
    expect(text).toMatch(
      /presented CN=Kubernetes Ingress Controller Fake Certificate for names ingress\.local/,
    );
    expect(text).toContain(
      "ingress-nginx's default certificate, which it serves when it has no valid TLS Secret",
    );
  });

  it("checks its inputs, and its stack hints name what to look at", async () => {
    const p = createProvider();
    const { failures } = await p.check(inputs("https://x"), {
      ...inputs("ftp://x"),
      healthPath: "api",
      budgetSeconds: 0,
      hints: {},
    } as never);
    expect(failures.map((f: { property: string }) => f.property)).toEqual([
      "url",
      "healthPath",
      "budgetSeconds",
      "hints.dns",
      "hints.connect",
      "hints.tls",
      "hints.http",
    ]);
    const prod = endpointCheck(stackConfig("prod"));
    expect(prod).toMatchObject({
      url: "https://grafana.acme.example.com",
      dnsFailureIsFinal: false,
      budgetSeconds: 900,
    });
    expect(prod.hints.tls).toMatch(
      /ACM certificate arn:aws:acm:us-east-1:\S+: it must be ISSUED and cover grafana\.acme\.example\.com/,
    );
    expect(prod.hints.dns).toContain("Route53 zone Z04EXAMPLEACMEPROD0000");
    const dev = endpointCheck(stackConfig("dev", { grafana: grafanaWithoutHostname("dev") }));
    expect(dev).toMatchObject({ dnsFailureIsFinal: true });
    expect(dev.hints.dns).toMatch(
      /resolves only inside the cluster: run `pulumi up` from a pod in the cluster/,
    );
  });
});
