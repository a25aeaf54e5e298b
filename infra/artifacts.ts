import { stringify } from "yaml";
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

/** Long PromQL stays on one line; YAML anchors would confuse reviewers of the rendered files. */
export const toYaml = (value: unknown): string =>
  stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
