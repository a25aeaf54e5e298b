/**
 * The check's I/O: scraping as Prometheus does, and the real promtool (`.tools/bin`, as the tests
 * use it). Everything it decides is in the pure modules beside it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toYaml } from "../../../infra/artifacts";
import { TOOLS_BIN } from "../tools";
import { type Exposition, PROMETHEUS_ACCEPT, parseExposition } from "./exposition";
import type { Finding, Report } from "./findings";
import { checkLogs } from "./logs";
import { checkMetrics } from "./metrics";
import { parseProofOutput, proofFile, proofGroup, proofResults } from "./proof";
import { buildReport } from "./report";
import type { ServiceRequirements } from "./requirements";

export const promtoolPath = (): string =>
  existsSync(join(TOOLS_BIN, "promtool")) ? join(TOOLS_BIN, "promtool") : "promtool";

/** One scrape with the headers Prometheus 3 sends (fetch asks for gzip and decodes it). */
export async function scrape(
  url: string,
  timeoutMs = 10_000,
  accept = PROMETHEUS_ACCEPT,
): Promise<{ text: string; contentType: string }> {
  const res = await fetch(url, {
    headers: { Accept: accept, "X-Prometheus-Scrape-Timeout-Seconds": String(timeoutMs / 1000) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return { text: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

/** What `promtool check metrics` reads: the text format 0.0.4, not OpenMetrics. */
export const LINT_ACCEPT = "text/plain;version=0.0.4";

/**
 * The text promtool's lint should read for a scrape: promtool check metrics parses the text format
 * 0.0.4 alone, and on OpenMetrics (what Python's and Java's clients, or Go's with OpenMetrics on,
 * answer Prometheus with) it warns of `_created` and `_total` series without HELP or stops at the
 * first exemplar. A service that answered in OpenMetrics is asked once more, for the text format.
 */
export async function lintText(url: string, answered: { contentType: string }): Promise<string | undefined> {
  if (!answered.contentType.startsWith("application/openmetrics-text")) return undefined;
  const text = await scrape(url, 10_000, LINT_ACCEPT);
  return text.contentType.startsWith("application/openmetrics-text") ? undefined : text.text;
}

/** `promtool check metrics`: its lint lines, none when it passes. */
export function lint(text: string): string[] {
  const r = spawnSync(promtoolPath(), ["check", "metrics"], {
    input: text,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  if (r.status === 0) return [];
  return `${r.stdout}${r.stderr}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

export interface ProofInput {
  req: ServiceRequirements;
  scrapes: Exposition[];
  /** The namespace the samples get; distinct per input when several share one promtool run. */
  namespace: string;
}

/**
 * Every input's SLI proof in one `promtool test rules` run (they must share a rule file and each
 * have their own (namespace, job): `proofBatches`). Returns the
 * values promtool printed, or why it could not run.
 */
export async function runProofs(
  inputs: ProofInput[],
): Promise<{ values: Map<string, number>; error?: string }> {
  const first = inputs[0];
  if (!first) return { values: new Map() };
  const dir = mkdtempSync(join(tmpdir(), "service-check-"));
  try {
    writeFileSync(join(dir, "rules.yaml"), toYaml(first.req.ruleFile));
    const groups = inputs.map((i) => proofGroup(i.req, i.scrapes, i.namespace));
    writeFileSync(join(dir, "test.yaml"), toYaml(proofFile(first.req, join(dir, "rules.yaml"), groups)));
    const { status, output } = await new Promise<{ status: number; output: string }>((resolve, reject) => {
      const child = spawn(promtoolPath(), ["test", "rules", join(dir, "test.yaml")], { timeout: 300_000 });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ status: code ?? -1, output }));
    });
    const values = parseProofOutput(output);
    // Exit 1 with FAILED blocks is the expected answer; anything else is promtool refusing the input.
    if (status !== 0 && values.size === 0 && !/FAILED/.test(output))
      return {
        values,
        error: `promtool test rules exited ${status}: ${output.trim().split("\n").slice(0, 5).join(" ")}`,
      };
    return { values };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CheckInput {
  req: ServiceRequirements;
  /** Exposition texts, one or two scrapes. */
  scrapes: string[];
  logs?: string;
  /** The last scrape in the text format 0.0.4 for promtool's lint, when the service answered in OpenMetrics. */
  lintText?: string;
  failOn: "error" | "warning";
  maxLabelValues?: number;
  namespace?: string;
}

/** Every part of the check but the proof's promtool run, which `checkServices` shares. */
function staticFindings(input: CheckInput, parsed: Exposition[]): Finding[] {
  const findings: Finding[] = [];
  const last = parsed.at(-1);
  if (last) {
    const opts = input.maxLabelValues === undefined ? {} : { maxLabelValues: input.maxLabelValues };
    findings.push(
      ...checkMetrics(input.req, last, { ...opts, lint: lint(input.lintText ?? input.scrapes.at(-1)!) }),
    );
  }
  if (input.logs !== undefined) findings.push(...checkLogs(input.req, input.logs));
  return findings;
}

/** What decides which promtool run an input's proof can share. */
export interface ProofSlot {
  /** The rule file's identity (its text): one rule file per run. */
  rules: string;
  namespace: string;
  job: string;
}

/**
 * Splits proofs into as few promtool runs as can hold them: one rule file per run, and no
 * (namespace, job) twice in a run (two inputs' samples under one pair are one service to the
 * rules). First fit, in input order; returns the inputs' indices per run.
 */
export function proofBatches(slots: ProofSlot[]): number[][] {
  const runs: { rules: string; pairs: Set<string>; members: number[] }[] = [];
  for (const [k, s] of slots.entries()) {
    const pair = JSON.stringify([s.namespace, s.job]);
    let run = runs.find((r) => r.rules === s.rules && !r.pairs.has(pair));
    if (!run) {
      run = { rules: s.rules, pairs: new Set(), members: [] };
      runs.push(run);
    }
    run.pairs.add(pair);
    run.members.push(k);
  }
  return runs.map((r) => r.members);
}

/**
 * The namespace each input's samples get. A service with rules of its own (query overrides) keeps
 * its configured namespace, which those rules name literally; another keeps it too unless an
 * earlier input has that (namespace, job), and gets `check-<k>` then, so that it shares a run.
 */
export function proofNamespaces(inputs: Pick<CheckInput, "req" | "namespace">[]): string[] {
  const pinned = (i: Pick<CheckInput, "req">) => i.req.records.some((r) => r.recorded === "own");
  const pair = (i: Pick<CheckInput, "req">) => JSON.stringify([i.req.service.namespace, i.req.service.name]);
  const taken = new Set(inputs.filter((i) => i.namespace === undefined && pinned(i)).map(pair));
  return inputs.map((i, k) => {
    if (i.namespace !== undefined) return i.namespace;
    if (pinned(i)) return i.req.service.namespace;
    if (taken.has(pair(i))) return `check-${k}`;
    taken.add(pair(i));
    return i.req.service.namespace;
  });
}

/** Checks several services of one stack, their proofs in as few promtool runs as `proofBatches` allows, run at once. */
export async function checkServices(inputs: CheckInput[]): Promise<Report[]> {
  const parsed = inputs.map((i) => i.scrapes.map(parseExposition));
  const namespaces = proofNamespaces(inputs);
  const proving = inputs.map((_, k) => k).filter((k) => parsed[k]!.length > 0);
  const ruleText = new Map<ServiceRequirements["ruleFile"], string>();
  const rules = (r: ServiceRequirements["ruleFile"]) =>
    ruleText.get(r) ?? ruleText.set(r, JSON.stringify(r)).get(r)!;
  const batches = proofBatches(
    proving.map((k) => ({
      rules: rules(inputs[k]!.req.ruleFile),
      namespace: namespaces[k]!,
      job: inputs[k]!.req.service.name,
    })),
  ).map((b) => b.map((j) => proving[j]!));
  const outcome = new Map<number, { values: Map<string, number>; error?: string }>();
  await Promise.all(
    batches.map(async (batch) => {
      const result = await runProofs(
        batch.map((k) => ({ req: inputs[k]!.req, scrapes: parsed[k]!, namespace: namespaces[k]! })),
      );
      for (const k of batch) outcome.set(k, result);
    }),
  );
  return inputs.map((input, k) => {
    const findings = staticFindings(input, parsed[k]!);
    const o = outcome.get(k);
    const proof = o ? proofResults(input.req, namespaces[k]!, o.values, o.error) : { slis: [], findings: [] };
    return buildReport(input.req, [...findings, ...proof.findings], proof.slis, input.failOn);
  });
}
