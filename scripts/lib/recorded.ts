/**
 * What a render recorded, and how to read it without loading the Pulumi runtime: the resources the
 * mock engine saw, with secrets still wrapped as the engine serializes them.
 */

/** What the mock engine saw for one registered resource. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** URN of the parent resource, if any. */
  parent?: string;
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  /** Inputs whose changes `pulumi up` ignores once the resource exists (only when there are some). */
  ignoreChanges?: string[];
  /** URNs of the resources this one waits for (`dependsOn`, and those its inputs come from). */
  dependencies?: string[];
  /** Inputs as the engine received them; secret values are kept wrapped until `redact`. */
  inputs: Record<string, unknown>;
}

export const SECRET_PLACEHOLDER = "[secret]";

/**
 * How the engine marks a serialized secret: Pulumi's `specialSigKey` and `specialSecretSig`
 * (@pulumi/pulumi/runtime/rpc), written here so that reading a render loads no Pulumi runtime; a
 * test checks they are Pulumi's.
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value wrapped the way the engine serializes a Pulumi secret (for hand-made fixtures). */
export const recordedSecret = (value: unknown): Record<string, unknown> => ({ [SIG_KEY]: SECRET_SIG, value });

/** Whether a recorded input value is a Pulumi secret (the mocks keep secrets wrapped). */
export const isSecret = (value: unknown): boolean =>
  !!value && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

/** The value inside recorded secrets, at any depth: what the provider would receive. */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

/** Replaces every Pulumi secret in a serialized value with "[secret]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (isSecret(obj)) return SECRET_PLACEHOLDER;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}
