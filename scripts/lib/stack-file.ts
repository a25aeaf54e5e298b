import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, PROJECT, SECRET_FORMAT, SECRET_KEYS, type SecretKey } from "../../infra/config";

export const REPO_ROOT = join(__dirname, "..", "..");

export interface StackFile {
  /** Flat config map as the Pulumi runtime holds it: `ns:key` -> string (JSON for structured values). */
  config: Record<string, string>;
  secretKeys: string[];
  /** Secret keys that had no value in the stack file and got an offline placeholder. */
  placeholders: string[];
}

export const knownStacks = (root = REPO_ROOT): string[] =>
  readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

/**
 * Stand-in for a secret the offline render cannot decrypt; never a real value. It has the secret's
 * shape (a URL where a URL is expected), so that the config checks pass offline.
 */
export const offlineSecret = (key: string): string =>
  SECRET_FORMAT[key as SecretKey] === "url"
    ? `https://offline-placeholder.invalid/${key}`
    : `offline-placeholder-${key}`;

/**
 * Reads Pulumi.<stack>.yaml the way the Pulumi CLI hands it to a program. Encrypted (`secure:`)
 * and unset secrets get placeholders, marked secret, since the render has no decryption key.
 */
export function readStackFile(stack: string, root = REPO_ROOT): StackFile {
  const path = join(root, `Pulumi.${stack}.yaml`);
  if (!/^[a-zA-Z0-9_.-]+$/.test(stack) || !existsSync(path)) {
    throw new ConfigError([
      `stack "${stack}": unknown stack (expected one of: ${knownStacks(root).join(", ")})`,
    ]);
  }
  const doc = parseDocument(readFileSync(path, "utf8"), { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => `Pulumi.${stack}.yaml: malformed YAML: ${e.message.split("\n")[0]}`),
    );
  }
  let body: { config?: Record<string, unknown> } | null;
  try {
    body = doc.toJS() as typeof body;
  } catch (e) {
    // For example an alias bomb: the YAML library stops expanding, with a message naming neither.
    throw new ConfigError([
      `Pulumi.${stack}.yaml: cannot read the config: ${(e as Error).message.split("\n")[0]}`,
    ]);
  }
  const entries = body?.config ?? {};
  if (typeof entries !== "object" || Array.isArray(entries)) {
    throw new ConfigError([`Pulumi.${stack}.yaml: expected a "config:" mapping`]);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (value && typeof value === "object" && "secure" in value) {
      config[key] = offlineSecret(key.split(":").pop() ?? key);
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  const placeholders: string[] = [];
  for (const key of SECRET_KEYS) {
    const full = `${PROJECT}:${key}`;
    if (!(full in config)) {
      config[full] = offlineSecret(key);
      secretKeys.push(full);
      placeholders.push(full);
    }
  }
  return { config, secretKeys, placeholders };
}
