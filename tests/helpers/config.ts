import { ConfigError, parseStackConfig } from "../../infra/config";

/** The config errors of a flat stack config map, or [] when it is accepted; any other error is thrown. */
export function configProblems(config: Record<string, string>, secretKeys: Iterable<string>): string[] {
  try {
    parseStackConfig(config, new Set(secretKeys));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}
