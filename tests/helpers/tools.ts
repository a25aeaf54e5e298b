import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolsMessage } from "../../scripts/lib/tools";

/** Path of a required external tool; a missing tool fails the test with how to install it. */
export function requireTool(name: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === "") {
    throw new Error(toolsMessage([`${name} not found`]));
  }
  return path;
}

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool and returns its exit status and output (never throws on a non-zero exit). */
export function runTool(
  name: string,
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): ToolResult {
  const r = spawnSync(requireTool(name), args, {
    encoding: "utf8",
    cwd: opts.cwd,
    input: opts.input,
    timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Runs a tool without blocking the test process, so independent runs can overlap. */
export function runToolAsync(name: string, args: string[], opts: { cwd?: string } = {}): Promise<ToolResult> {
  const path = requireTool(name);
  return new Promise((resolve) => {
    const child = spawn(path, args, { cwd: opts.cwd, timeout: 300_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/**
 * One temporary folder per test file, removed after the file's own hooks (tests/helpers/cleanup.ts):
 * the suite creates thousands of these and left every one behind. Vitest ends its workers without
 * a process `exit` event, so the removal cannot wait for that.
 */
let fileTemp: string | undefined;
function testTemp(): string {
  fileTemp ??= mkdtempSync(join(tmpdir(), "obs-test-"));
  return fileTemp;
}

export function removeTestTemp(): void {
  if (fileTemp) rmSync(fileTemp, { recursive: true, force: true });
  fileTemp = undefined;
}

/** Writes files into a fresh temporary directory and returns its path. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(testTemp(), "t-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/**
 * A self-signed P-256 certificate for a loopback stand-in, valid one day: its own CA. `san` is
 * the subjectAltName (`DNS:<host>` or `IP:127.0.0.1`). Returns the paths of the key and the cert.
 */
export function selfSignedCert(dir: string, subject: string, san: string): { key: string; cert: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const r = runTool("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${subject}`,
    "-addext",
    `subjectAltName=${san}`,
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { key, cert };
}
