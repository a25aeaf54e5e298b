import { z } from "zod";
import { PRIORITIES } from "../catalog/alert-levels";

/**
 * What a service needs to work: HTTP(S) endpoints and TCP ports the platform probes with the
 * blackbox exporter (infra/generators/dependencies/). Each value becomes a probe target and the
 * `instance` label of its series and alerts, so the schema accepts only what the exporter probes
 * as written: an http(s) URL without credentials or query, or `host:port`.
 */

/** A DNS name of lowercase labels (RFC 1123), or a dotted IPv4 address. */
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Where a probe from the exporter's pod would reach the exporter itself, not the service's dependency. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3})$/;

/** Longest target: it is a label value in every alert and legend, and a URL parameter of each probe. */
const MAX_TARGET = 512;

/** What is wrong with a host as the exporter would resolve it, or undefined. */
function hostProblem(host: string): string | undefined {
  if (host.length > 253 || !DNS_NAME.test(host) || host.split(".").some((l) => l.length > 63))
    return `expected a lowercase DNS name or an IPv4 address as the host, not "${host}"`;
  if (IPV4.test(host) && host.split(".").some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith("0"))))
    return `expected an IPv4 address of four numbers 0-255 without leading zeros, not "${host}"`;
  if (LOOPBACK.test(host))
    return `"${host}" is the blackbox exporter's own pod where it probes from: name the dependency's Service or host`;
  return undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
const UNPRINTABLE = /[\s\u0000-\u001f\u007f]/;

/** The form two targets are compared in: a URL as `new URL` writes it (`:443` of https dropped), `host:port` as written. */
export function dependencyTarget(d: Pick<DependencyConfig, "url" | "tcp">): string {
  if (d.tcp !== undefined) return d.tcp;
  try {
    return new URL(d.url ?? "").href;
  } catch {
    return d.url ?? "";
  }
}

const url = z
  .string()
  .max(MAX_TARGET, `expected at most ${MAX_TARGET} characters`)
  .superRefine((value, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    if (UNPRINTABLE.test(value) || /[{}<>"`\\^|]/.test(value))
      return fail("expected a URL without spaces, control characters, braces or quotes");
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      return fail(
        "expected an absolute http:// or https:// URL such as https://payments.example.com/healthz",
      );
    }
    if (u.protocol !== "http:" && u.protocol !== "https:")
      return fail(
        `expected http:// or https://, not ${u.protocol}//: a dependency of another protocol is declared by its host:port under \`tcp\``,
      );
    if (u.username !== "" || u.password !== "")
      return fail("expected no user:password@: a credential would be a label of every probe series");
    // `new URL` lower-cases the host: a target must be what is probed, as written.
    if (!value.startsWith(`${u.protocol}//${u.host}`))
      return fail(`expected the URL as written to be its normal form, ${u.protocol}//${u.host}...`);
    if (u.search !== "" || u.hash !== "" || value.includes("?") || value.includes("#"))
      return fail("expected no query string or fragment: the target is a label of every probe series");
    if (u.hostname.startsWith("["))
      return fail("expected a DNS name or an IPv4 address as the host: IPv6 literals are not probed");
    const host = hostProblem(u.hostname);
    if (host) return fail(host);
    // `new URL` accepts port 0; it refuses ports above 65535 itself.
    if (u.port === "0") return fail("expected a port from 1 to 65535");
  });

const tcp = z
  .string()
  .max(MAX_TARGET, `expected at most ${MAX_TARGET} characters`)
  .superRefine((value, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    if (UNPRINTABLE.test(value)) return fail("expected host:port without spaces or control characters");
    if (value.includes("://"))
      return fail("expected host:port without a scheme, such as orders-db.data.svc:5432");
    const m = /^([^:]+):(\d+)$/.exec(value);
    if (!m) return fail("expected host:port, such as orders-db.data.svc:5432 (IPv6 literals are not probed)");
    const host = hostProblem(m[1]!);
    if (host) return fail(host);
    const port = Number(m[2]);
    if (!(port >= 1 && port <= 65535) || m[2]!.startsWith("0"))
      return fail(`expected a port from 1 to 65535 without leading zeros, not ${m[2]}`);
  });

/** One thing a service needs, probed every scrape interval; its priority is the alert's. */
export const dependencySchema = z
  .strictObject({
    url: url.optional().meta({
      description:
        "An http:// or https:// URL that answers 2xx while the dependency works (its health endpoint), probed with GET; redirects are followed, https certificates are verified. No credentials, query or fragment.",
    }),
    tcp: tcp.optional().meta({
      description:
        "`host:port` of a TCP dependency (a database, a broker): up while it accepts a connection.",
    }),
    priority: z.enum(PRIORITIES).default("P2").meta({
      description:
        "Priority of `DependencyDown` for this dependency. P2 by default: the service's own SLO alerts page when users feel the outage, this one names the cause within the hour; P1 when the service cannot serve at all without it.",
    }),
  })
  .superRefine((d, ctx) => {
    const kinds = (["url", "tcp"] as const).filter((k) => d[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: "custom",
        path: kinds.length === 0 ? [] : ["tcp"],
        message:
          kinds.length === 0
            ? "expected `url` (an HTTP dependency) or `tcp` (host:port)"
            : "expected `url` or `tcp`, not both: declare two dependencies",
      });
  });
export type DependencyConfig = z.infer<typeof dependencySchema>;

/** Each service's dependencies, each once: a second entry for the same target is an error naming it. */
export const dependenciesSchema = z
  .array(dependencySchema)
  .max(50, "expected at most 50 dependencies per service: each is probed every scrape interval")
  .default([])
  .superRefine((deps, ctx) => {
    const seen = new Map<string, number>();
    deps.forEach((d, i) => {
      const key = dependencyTarget(d);
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [i, d.url !== undefined ? "url" : "tcp"],
          message: `duplicate dependency ${key} (also dependencies[${first}])`,
        });
      else seen.set(key, i);
    });
  });
