import { z } from "zod";

/**
 * Formats shared by the config sections. Each one accepts only what its downstream consumer
 * (Kubernetes, S3, Elasticsearch, Alertmanager, Grafana) accepts and reads the same way, so that a
 * value the schema lets through never fails, or silently changes meaning, at `pulumi up`.
 */

/** Lowercase DNS-label style names: usable as Kubernetes names, label values and bucket name parts. */
export const dnsName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/,
    "expected a lowercase name (a-z, 0-9, '-'), at most 40 characters",
  );

/**
 * A team name. `team-<name>` is its Grafana folder uid (Grafana allows 40 characters) and
 * `default` names the receivers of alerts without a known team.
 */
export const teamName = z
  .string()
  .regex(
    /^[a-z]([a-z0-9-]{0,33}[a-z0-9])?$/,
    "expected a lowercase name (a-z, 0-9, '-'), at most 35 characters",
  )
  .refine((n) => n !== "default", '"default" is reserved for alerts without a known team');

/** A Slack channel: `#` and a name of at most 80 lowercase letters, digits, '-' and '_'. */
export const slackChannel = z
  .string()
  .regex(/^#[a-z0-9_-]{1,80}$/, "expected a Slack channel such as #team-alerts (at most 80 characters)");

/**
 * A Slack conversation id of a public (`C…`) or private (`G…`) channel, as Slack shows it under the
 * channel's name > About. Sentry validates it against the channel name when a rule is saved, instead
 * of looking the name up later (and never creating the rule when the lookup fails).
 */
export const slackChannelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{8,12}$/,
    "expected a Slack channel id such as C0123456789 (C or G and 8-12 upper-case letters or digits, from the channel's About tab)",
  );

export const emailAddress = z.email("expected an email address");

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes object name of the DNS-subdomain kind (StorageClass, IngressClass): RFC 1123, ≤253. */
export const k8sSubdomain = z
  .string()
  .max(253, "expected at most 253 characters")
  .regex(SUBDOMAIN, "expected a Kubernetes name: lowercase a-z, 0-9, '-' and '.', such as gp3 or fast.ssd");

/** A DNS host name: non-empty labels of at most 63 characters, 253 in all. */
export const hostname = z
  .string()
  .max(253, "expected at most 253 characters")
  .regex(SUBDOMAIN, "expected a DNS host name such as grafana.example.com")
  .refine((h) => h.split(".").every((l) => l.length <= 63), "expected DNS labels of at most 63 characters");

/**
 * A Kubernetes label key, `[prefix/]name`: it is also quoted into a downward-API field path, so
 * nothing outside the label-key alphabet may pass.
 */
export const labelKey = z
  .string()
  .regex(
    /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    "expected a Kubernetes label key such as topology.kubernetes.io/zone",
  )
  .refine(
    (k) => !k.includes("/") || k.split("/")[0]!.length <= 253,
    "expected a prefix of at most 253 characters",
  );

/** A Service port name (IANA_SVC_NAME): what a ServiceMonitor's `port` refers to. */
export const portName = z
  .string()
  .regex(
    /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/,
    "expected a Service port name: 1-15 characters of a-z, 0-9 and '-', with a letter",
  )
  .refine((p) => !p.includes("--"), "expected no '--' in a port name");

/** A URL path (no query string, fragment, whitespace or control characters). */
export const urlPath = z
  .string()
  .regex(
    /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/,
    "expected a URL path such as /metrics (no '?', '#' or spaces)",
  );

/** One line of printable text without surrounding whitespace: safe in headers, names and labels. */
export const singleLine = (max: number) =>
  z
    .string()
    .min(1, "expected a non-empty value")
    .max(max, `expected at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    .regex(/^[^\u0000-\u001f\u007f]*$/, "expected one line of text without control characters")
    .refine((s) => s.trim() === s, "expected no leading or trailing spaces");

/** A value with no whitespace at all (user names, keys, field names). */
export const token = (max: number) =>
  z
    .string()
    .min(1, "expected a non-empty value")
    .max(max, `expected at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    .regex(/^[^\s\u0000-\u001f\u007f]+$/, "expected no spaces or control characters");

/** An Elasticsearch field path such as `payment.iban`: non-empty segments joined by dots. */
export const fieldPath = z
  .string()
  .max(255, "expected at most 255 characters")
  .regex(
    /^[@A-Za-z_][A-Za-z0-9_@-]*(\.[@A-Za-z_][A-Za-z0-9_@-]*)*$/,
    "expected a field path such as ssn or payment.iban (non-empty segments joined by '.')",
  );

/** Kubernetes CPU quantity, more than zero: cores (`1`, `0.5`) or millicores (`500m`). */
export const cpuQuantity = z
  .string()
  .regex(/^(\d+(\.\d+)?|\d+m)$/, "expected a CPU quantity such as 500m or 2")
  .refine((q) => Number.parseFloat(q) > 0, "expected more than zero");

/** Kubernetes memory or storage quantity, more than zero, with a binary unit. */
export const byteQuantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi)$/, "expected a size with a binary unit such as 512Mi or 50Gi")
  .refine((q) => Number.parseFloat(q) > 0, "expected more than zero");

/** Resource requests of one workload (CPU and memory, with defaults); `name` names it in the descriptions. */
export const resourceRequests = (name: string, cpu: string, memory: string) =>
  z
    .strictObject({
      cpu: cpuQuantity.default(cpu).meta({ description: `${name} CPU request, as a Kubernetes quantity.` }),
      memory: byteQuantity
        .default(memory)
        .meta({ description: `${name} memory request, as a Kubernetes quantity.` }),
    })
    .prefault({});

/** Mebibytes in a byte quantity such as 512Mi (Kubernetes) or 256MB (Thanos, whose units are base 2). */
export const mebibytes = (q: string): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|KB|MB|GB)$/.exec(q);
  if (!m) return Number.NaN;
  const unit = m[2]!.replace("B", "i") as "Ki" | "Mi" | "Gi" | "Ti" | "Pi";
  return Number(m[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 ** 2, Pi: 1024 ** 3 }[unit];
};

const DURATION_UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;

/** Seconds in a Prometheus duration of one unit such as 30s or 15d. */
export const durationSeconds = (d: string): number => {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d);
  if (!m) return Number.NaN;
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
};

/** A Prometheus duration of one unit, between `min` and `max` (both as durations). */
export const promDuration = (min: string, max: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d|w|y)$/, "expected a Prometheus duration such as 30s or 15d")
    .refine(
      (d) => durationSeconds(d) >= durationSeconds(min) && durationSeconds(d) <= durationSeconds(max),
      `expected a duration from ${min} to ${max}`,
    );

/** Hosts that are reached inside the cluster or the machine, where plain http is acceptable. */
const LOCAL_HOST = /(^localhost$)|(^127\.\d+\.\d+\.\d+$)|(\.svc$)|(\.svc\.cluster\.local$)/;

/**
 * An absolute URL: `https:` only unless `localHttp` (then also `http:` for in-cluster and loopback
 * hosts, where no credential crosses a network unencrypted). No user info, whitespace or template
 * braces; no query or fragment unless `query`.
 */
export const webUrl = (what: string, opts: { localHttp?: boolean; query?: boolean } = {}) =>
  z.string().superRefine((value, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (/[\s\u0000-\u001f\u007f{}<>"`\\^|]/.test(value))
      return fail(`expected ${what} without spaces, braces or quotes`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return fail(`expected ${what}, an absolute https:// URL`);
    }
    const local = opts.localHttp === true && url.protocol === "http:" && LOCAL_HOST.test(url.hostname);
    if (url.protocol !== "https:" && !local)
      return fail(
        `expected ${what} with https://${opts.localHttp ? " (http:// only for in-cluster or loopback hosts)" : ""}`,
      );
    if (url.username !== "" || url.password !== "") return fail(`expected ${what} without user:password@`);
    if (!opts.query && (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")))
      return fail(`expected ${what} without a query string or fragment`);
  });

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Elasticsearch's special forms of the field (L, W, #), beside numbers, ranges and steps. */
  special?: RegExp;
}

const CRON_FIELDS: CronField[] = [
  { name: "seconds", min: 0, max: 59 },
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31, special: /^(\?|L(-\d{1,2})?|LW|\d{1,2}W)$/ },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 1, max: 7, names: DAYS, special: /^(\?|L|[1-7]L|[1-7]#[1-5])$/ },
  { name: "year", min: 1970, max: 2199 },
];

/** The values one cron field selects, or a problem; specials select nothing countable. */
function cronValues(text: string, f: CronField): number[] | string {
  if (f.special?.test(text)) return [];
  const values: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\*|([A-Z0-9]+)(-([A-Z0-9]+))?)(\/(\d+))?$/.exec(part);
    const num = (v: string | undefined): number => {
      const i = f.names?.indexOf(v ?? "") ?? -1;
      return i >= 0 ? i + 1 : /^\d+$/.test(v ?? "") ? Number(v) : Number.NaN;
    };
    if (!m) return `${f.name} "${part}" is not a value, range or step`;
    const from = m[1] === "*" ? f.min : num(m[2]);
    const to = m[1] === "*" ? f.max : m[4] !== undefined ? num(m[4]) : m[6] ? f.max : from;
    const step = m[6] ? Number(m[6]) : 1;
    if ([from, to].some((v) => !(v >= f.min && v <= f.max)))
      return `${f.name} "${part}" is outside ${f.min}-${f.max}`;
    if (from > to) return `${f.name} range "${part}" is reversed`;
    if (step < 1) return `${f.name} step in "${part}" must be at least 1`;
    for (let v = from; v <= to; v += step) values.push(v);
  }
  return values;
}

/**
 * An Elasticsearch cron schedule for SLM (seconds minutes hours day-of-month month day-of-week
 * [year], UTC), as Elasticsearch parses it: exactly one of the day fields is `?`, and it runs at
 * most every 15 minutes (SLM's `slm.minimum_interval`).
 */
export const esCron = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  const fields = value.trim().toUpperCase().split(/\s+/);
  if (fields.length < 6 || fields.length > 7)
    return fail("expected an Elasticsearch cron schedule of 6 or 7 fields, such as 0 30 1 * * ?");
  const sets: number[][] = [];
  for (const [i, text] of fields.entries()) {
    const v = cronValues(text, CRON_FIELDS[i]!);
    if (typeof v === "string") return fail(v);
    sets.push(v);
  }
  if ((fields[3] === "?") === (fields[5] === "?"))
    return fail("expected '?' in exactly one of day of month and day of week");
  if (sets[0]!.length !== 1)
    return fail("expected one value in the seconds field: SLM runs at most every 15 minutes");
  const minutes = sets[1]!;
  const gaps = minutes.slice(1).map((m, i) => m - minutes[i]!);
  if (sets[2]!.length > 1 && minutes.length > 0) gaps.push(60 - minutes.at(-1)! + minutes[0]!);
  if (gaps.some((g) => g < 15)) return fail("runs more often than every 15 minutes (SLM's minimum interval)");
});
