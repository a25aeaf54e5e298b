/**
 * Reading a scrape. No maintained JavaScript parser of the Prometheus text and OpenMetrics formats
 * exists in this repository's dependencies (prom-client and the OpenTelemetry exporter only write
 * them), so this is a small line reader that takes what the check needs: families (TYPE, HELP,
 * UNIT) and samples (name, labels, value). Validity is promtool's to judge: `promtool check
 * metrics` runs on the same text, and a line this reader cannot read is reported as such.
 */

/**
 * The Accept header Prometheus 3 scrapes with by default (scrape/scrape.go `acceptHeader` over
 * config.DefaultScrapeProtocols: OpenMetrics 1.0.0 and 0.0.1, then the text format 1.0.0 and
 * 0.0.4, weights from the five known protocols down; the 1.0.0 formats carry the escaping scheme).
 */
export const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help?: string;
  unit?: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, Family>;
  /** Lines this reader could not read, with their number. */
  unreadable: string[];
}

const SUFFIXES = ["_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info"];

function parseValue(s: string): number {
  if (s === "+Inf" || s === "Inf") return Number.POSITIVE_INFINITY;
  if (s === "-Inf") return Number.NEGATIVE_INFINITY;
  if (s === "NaN") return Number.NaN;
  const n = Number(s);
  if (s === "" || Number.isNaN(n)) throw new Error(`not a number: ${s}`);
  return n;
}

/** A quoted name or value from `line[i]` (a `"`): its text and the index after the closing quote. */
function quoted(line: string, i: number): [string, number] {
  let value = "";
  for (i++; ; ) {
    const c = line[i];
    if (c === undefined) throw new Error("unterminated quoted string");
    i++;
    if (c === '"') return [value, i];
    if (c === "\\") {
      const e = line[i++];
      value += e === "n" ? "\n" : (e ?? "");
    } else value += c;
  }
}

/** Whether Prometheus' pre-UTF-8 grammar allows `name` unquoted (a metric name when `metric`). */
export const isLegacyName = (name: string, metric = true): boolean =>
  (metric ? /^[A-Za-z_:][A-Za-z0-9_:]*$/ : /^[A-Za-z_][A-Za-z0-9_]*$/).test(name);

/**
 * A UTF-8 name as the `underscores` escaping scheme writes it (prometheus/common model.EscapeName):
 * every character the pre-UTF-8 grammar does not allow there becomes `_`.
 */
export const underscoreEscape = (name: string, metric = true): string =>
  [...name].map((c, i) => (isLegacyName(i === 0 ? c : `a${c}`, metric) ? c : "_")).join("");

/**
 * `name{a="x",b="y"} value [timestamp] [# exemplar]`, or with UTF-8 names (text 1.0.0 and
 * OpenMetrics 1.0.0 with `escaping=allow-utf-8`, which Prometheus 3 asks for):
 * `{"http.server.duration","http.route"="/x"} value`.
 */
function parseSample(line: string): Sample {
  const m = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line);
  if (!m && line[0] !== "{") throw new Error("no metric name");
  let name = m?.[1] ?? "";
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    for (;;) {
      while (line[i] === " ") i++;
      if (line[i] === "}") {
        i++;
        break;
      }
      let label: string;
      if (line[i] === '"') {
        [label, i] = quoted(line, i);
        while (line[i] === " ") i++;
        // A quoted string alone is the metric name (it comes first, in place of an unquoted one).
        if (line[i] !== "=") {
          if (name !== "") throw new Error(`a second metric name at column ${i + 1}`);
          name = label;
          if (line[i] === ",") i++;
          continue;
        }
        i++;
        while (line[i] === " ") i++;
      } else {
        const l = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/.exec(line.slice(i));
        if (!l) throw new Error(`unreadable label at column ${i + 1}`);
        label = l[1]!;
        i += l[0].length;
      }
      if (line[i] !== '"') throw new Error(`unreadable label value at column ${i + 1}`);
      let value: string;
      [value, i] = quoted(line, i);
      labels[label] = value;
      while (line[i] === " ") i++;
      if (line[i] === ",") i++;
    }
  }
  if (name === "") throw new Error("no metric name");
  const rest = line.slice(i).trim().split(" # ")[0]!.trim().split(/\s+/);
  return { name, labels, value: parseValue(rest[0] ?? "") };
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>();
  const unreadable: string[] = [];
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: "untyped", samples: [] };
      families.set(name, f);
    }
    return f;
  };
  text.split("\n").forEach((raw, n) => {
    const line = raw.trim();
    if (line === "" || line === "# EOF") return;
    const meta = /^#\s+(TYPE|HELP|UNIT)\s+("(?:[^"\\]|\\.)*"|\S+)\s*(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]!.startsWith('"') ? quoted(meta[2]!, 0)[0] : meta[2]!);
      if (meta[1] === "TYPE") f.type = meta[3]!.trim();
      else if (meta[1] === "HELP") f.help = meta[3];
      else f.unit = meta[3]!.trim();
      return;
    }
    if (line.startsWith("#")) return;
    try {
      const s = parseSample(line);
      const owner =
        families.get(s.name) ??
        SUFFIXES.filter((x) => s.name.endsWith(x))
          .map((x) => families.get(s.name.slice(0, -x.length)))
          .find((f) => f !== undefined) ??
        family(s.name);
      owner.samples.push(s);
    } catch (e) {
      unreadable.push(`line ${n + 1}: ${(e as Error).message}: ${line.slice(0, 120)}`);
    }
  });
  return { families, unreadable };
}

const DEC = String.raw`\d(?:_?\d)*`;
const HEX = "[0-9a-fA-F](?:_?[0-9a-fA-F])*";
const GO_DECIMAL = new RegExp(String.raw`^[+-]?(?:${DEC}(?:\.(?:${DEC})?)?|\.${DEC})(?:[eE][+-]?${DEC})?$`);
const GO_HEX = new RegExp(
  String.raw`^([+-]?)0[xX](?:_?(${HEX})(?:\.(${HEX})?)?|\.(${HEX}))[pP]([+-]?${DEC})$`,
);

/**
 * Go's strconv.ParseFloat(s, 64), or undefined where it fails: Go float-literal syntax (digits
 * joined by single underscores, hexadecimal mantissas with a `p` exponent), `inf`/`infinity` with
 * an optional sign and `nan` in any case, and an error when a finite literal overflows.
 */
function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(?:inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return Number.NaN;
  let f: number;
  if (GO_DECIMAL.test(s)) f = Number(s.replaceAll("_", ""));
  else {
    const h = GO_HEX.exec(s);
    if (!h) return undefined;
    const int = (h[2] ?? "").replaceAll("_", "");
    const frac = (h[3] ?? h[4] ?? "").replaceAll("_", "");
    let e = Number(h[5]!.replaceAll("_", "")) - 4 * frac.length;
    f = Number(BigInt(`0x${int}${frac}`));
    for (; e > 0 && Number.isFinite(f) && f !== 0; e -= Math.min(e, 1000)) f *= 2 ** Math.min(e, 1000);
    for (; e < 0 && f !== 0; e += Math.min(-e, 1000)) f /= 2 ** Math.min(-e, 1000);
    if (h[1] === "-") f = -f;
  }
  return Number.isFinite(f) ? f : undefined;
}

/**
 * A bucket bound (or summary quantile) as Prometheus 3 stores it: textparse
 * `normalizeFloatsInLabelValues` parses `le` of a classic histogram with strconv.ParseFloat and,
 * when that succeeds, prints it with `formatOpenMetricsFloat`: Go's shortest 'g' form, `.0` added
 * when that has neither a point nor an exponent, 0 and -0 both "0.0"; a value ParseFloat rejects
 * is kept as written (the 3.0 migration guide: `le="1"` is ingested as `le="1.0"`). So "0.250"
 * becomes "0.25", "1000000" becomes "1e+06", "-0" becomes "0.0" and "0x10" stays "0x10".
 */
export function normalizeLe(le: string): string {
  const f = goParseFloat(le);
  if (f === undefined) return le;
  if (Number.isNaN(f)) return "NaN";
  if (f === Number.POSITIVE_INFINITY) return "+Inf";
  if (f === Number.NEGATIVE_INFINITY) return "-Inf";
  if (f === 0) return "0.0";
  // Go's shortest 'g' form (strconv ftoa.go): exponent form when the decimal exponent is below -4
  // or at least 6 ("if precision was the shortest possible, use precision 6 for this decision").
  const [mant, e] = f.toExponential().split("e") as [string, string];
  const exp = Number(e);
  let s: string;
  if (exp < -4 || exp >= 6) {
    const sign = e.startsWith("-") ? "-" : "+";
    s = `${mant}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
  } else s = String(f);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
