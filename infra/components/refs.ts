import * as pulumi from "@pulumi/pulumi";
import { isRef, type Ref } from "../generators/refs";

/** A generated value with each reference replaced by the Pulumi value it stands for. */
export type Wired<T> = T extends Ref
  ? pulumi.Output<string>
  : T extends readonly (infer U)[]
    ? Wired<U>[]
    : T extends object
      ? { [K in keyof T]: Wired<T[K]> }
      : T;

/** What each reference name stands for; secrets must be given as Pulumi secrets. */
export type RefValues = Readonly<Record<string, pulumi.Input<string>>>;

/**
 * Fills the references of a generated value with their Pulumi values, leaving everything else as
 * the generator made it. An unknown reference is a wiring bug, reported before any resource exists.
 */
export function wire<T>(value: T, values: RefValues): Wired<T> {
  const walk = (v: unknown): unknown => {
    if (isRef(v)) {
      const found = values[v.$ref];
      if (found === undefined) throw new Error(`no value wired for reference ${v.$ref}`);
      return v.$ref.startsWith("secret:") ? pulumi.secret(found) : pulumi.output(found);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as Wired<T>;
}

/** Config secrets as the references generators use for them (`secret:<key>`). */
export const secretValues = (secrets: Partial<Record<string, pulumi.Input<string>>>): RefValues =>
  Object.fromEntries(
    Object.entries(secrets).flatMap(([k, v]) => (v === undefined ? [] : [[`secret:${k}`, v]])),
  );
