import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";

/**
 * The prometheus-operator CRDs of the operator the chart deploys (tests/data/crds/, 0.93.0: the
 * 0.93.1 the chart runs changed no CRD), as validators of the objects the program renders.
 */
const CRD_DIR = join(__dirname, "../data/crds/prometheus-operator/v0.93.0");
interface Crd {
  spec: { names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
}
/**
 * The CRDs' patterns are Go's RE2: a case-insensitive `(?i)` group is a flag in JavaScript. This
 * engine takes it out and sets the flag; every other pattern compiles as it is.
 */
const re2 = Object.assign(
  (pattern: string, flags: string) =>
    pattern.includes("(?i)")
      ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`)
      : new RegExp(pattern, flags),
  { code: "re2" },
);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: re2 } });
const validators = new Map(
  readdirSync(CRD_DIR).map((f) => {
    const crd = parse(readFileSync(join(CRD_DIR, f), "utf8")) as Crd;
    const v1 = crd.spec.versions.find((v) => v.name === "v1")!;
    return [crd.spec.names.kind, ajv.compile(v1.schema.openAPIV3Schema)] as const;
  }),
);

/** What the CRD's schema says is wrong with an object, as readable lines. */
export function schemaProblems(obj: Record<string, unknown>): string[] {
  const validate = validators.get(obj.kind as string);
  if (!validate) return [`no CRD for ${String(obj.kind)}`];
  return validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
