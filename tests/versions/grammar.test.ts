import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KUBE_PROMETHEUS_STACK } from "../../infra/versions";

/**
 * Prometheus publishes its PromQL grammar and type checker to npm with each release: version
 * 0.<major * 100 + minor>.<patch> is Prometheus <major>.<minor>.<patch> (0.314.0 is 3.14.0). The
 * dashboards and query overrides are parsed with them, so they must be the deployed Prometheus'.
 */
const installed = (pkg: string): string =>
  (
    JSON.parse(readFileSync(join(__dirname, "..", "..", "node_modules", pkg, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

describe("the PromQL grammar the tests and the config check use", () => {
  it.each(["@prometheus-io/lezer-promql", "@prometheus-io/codemirror-promql"])(
    "%s is of the Prometheus minor the stack deploys",
    (pkg) => {
      const [major, minor] = KUBE_PROMETHEUS_STACK.deploys.prometheus.split(".").map(Number) as [
        number,
        number,
      ];
      expect(installed(pkg)).toMatch(new RegExp(`^0\\.${major * 100 + minor}\\.\\d+$`));
    },
  );
});
