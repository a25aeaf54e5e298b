import { Document, parse, Scalar, visit } from "yaml";
import type { StackConfig } from "./config";

/** A generated file in its ecosystem's own format, written by the offline render under DIR/<path>. */
export interface Artifact {
  path: string;
  content: string;
}

/**
 * One concern of the platform as the offline render and the tests see it: the files its pure
 * generators produce and its section of summary.md. Components deploy the same generator output.
 */
export interface Concern {
  name: string;
  artifacts(config: StackConfig): Artifact[];
  summary(config: StackConfig): string;
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A one-line string that a YAML 1.1 reader (PyYAML, ruamel in 1.1 mode) would not read back as a string. */
function yaml11Ambiguous(text: string): boolean {
  if (text.includes("\n")) return false;
  try {
    // `1:7` is 67 (base 60), `on` is true, `2026-01-01` a date under YAML 1.1; 1.2 reads strings.
    return typeof parse(text) === "string" && typeof parse(text, { version: "1.1" }) !== "string";
  } catch {
    return false;
  }
}

/**
 * Long PromQL stays on one line; YAML anchors would confuse reviewers of the rendered files.
 * Values that YAML 1.2 reads as strings but YAML 1.1 would not (times such as `02:00`, ranges
 * such as `1:7`, `yes`) are quoted, so every reader gets the string that was meant.
 */
export const toYaml = (value: unknown): string => {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(key, node) {
      if (key !== "key" && typeof node.value === "string" && yaml11Ambiguous(node.value))
        node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
};
