import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { search } from "@jmespath-community/jmespath";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { grafanaAuthIni, OAUTH_CHECKSUM_ANNOTATION, OAUTH_SECRET_ENV } from "../../infra/generators/grafana";
import { GRAFANA_CHART } from "../../infra/versions";
import { reveal } from "../../scripts/lib/recorded";
import type { RenderResult } from "../../scripts/lib/render-files";
import { stackValue } from "../../scripts/lib/stack-config";
import { one, rendered } from "../helpers/render";
import { runTool } from "../helpers/tools";
import { render } from "../helpers/variant";
import { chartData, chartDir, parseHeader } from "../versions/chart-data";

/**
 * The values of access rendered by the grafana chart itself, with the real Helm (`npm run tools`):
 * its `_config.tpl` writes grafana.ini through `tpl`, its `assertNoLeakedSecrets` refuses secrets in
 * grafana.ini, its `_pod.tpl` turns envValueFrom into env, deployment.yaml copies podAnnotations.
 * The chart's files are committed verbatim under tests/data/charts/grafana/<version>/templates/
 * (the ones these objects need), listed with their git blob ids in templates.sources.
 */

const VERSION = GRAFANA_CHART.version;
const DIR = chartDir(GRAFANA_CHART.chart, VERSION);

const blobId = (bytes: Buffer): string =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");

type K8sObject = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: unknown };

/** `helm template` of the committed templates with `values`: the objects, or Helm's error. */
function helmTemplate(values: unknown): { objects: K8sObject[]; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), "obs-grafana-chart-"));
  try {
    writeFileSync(join(dir, "Chart.yaml"), stringify(chartData(GRAFANA_CHART.chart, VERSION).chartYaml));
    writeFileSync(join(dir, "values.yaml"), readFileSync(join(DIR, "values.yaml"), "utf8"));
    cpSync(join(DIR, "templates"), join(dir, "templates"), { recursive: true });
    writeFileSync(join(dir, "ours.json"), JSON.stringify(values));
    const r = runTool("helm", [
      "template",
      "grafana",
      dir,
      "--namespace=grafana",
      `--values=${join(dir, "ours.json")}`,
    ]);
    if (r.status !== 0) return { objects: [], error: r.stderr };
    return {
      objects: parseAllDocuments(r.stdout)
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** grafana.ini as the chart wrote it: section -> key -> the raw text after ` = `, and every header. */
function iniSections(text: string): { sections: Map<string, Map<string, string>>; headers: string[] } {
  const sections = new Map<string, Map<string, string>>();
  const headers: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      headers.push(current);
      continue;
    }
    const kv = /^([^=\s]+) = (.*)$/.exec(line);
    if (!kv) continue;
    if (!sections.has(current)) sections.set(current, new Map());
    sections.get(current)!.set(kv[1]!, kv[2]!);
  }
  return { sections, headers };
}

const releaseValues = (r: RenderResult) =>
  reveal(one(r, "kubernetes:helm.sh/v3:Release", "grafana-release").inputs.values) as Record<string, unknown>;

function renderRelease(r: RenderResult) {
  const { objects, error } = helmTemplate(releaseValues(r));
  if (error) throw new Error(`helm template failed: ${error}`);
  const configMap = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "grafana")!;
  const deployment = objects.find((o) => o.kind === "Deployment")! as K8sObject & {
    spec: {
      template: {
        metadata: { annotations: Record<string, string> };
        spec: {
          containers: { name: string; env: { name: string; valueFrom?: unknown; value?: string }[] }[];
        };
      };
    };
  };
  return { ini: iniSections(configMap.data!["grafana.ini"]!), deployment };
}

describe("the grafana chart's templates (tests/data/charts)", () => {
  it("are the chart's own files at the pinned tag, verbatim", () => {
    const text = readFileSync(join(DIR, "templates.sources"), "utf8");
    const header = parseHeader(text, "templates.sources");
    expect(header).toMatchObject({ chart: GRAFANA_CHART.chart, version: VERSION });
    expect(header.source).toBe("https://github.com/grafana-community/helm-charts charts/grafana/templates");
    const listed = new Map(
      text
        .split("\n")
        .filter((l) => /^[0-9a-f]{40} /.test(l))
        .map((l) => [l.slice(41), l.slice(0, 40)] as const),
    );
    const committed = readdirSync(join(DIR, "templates")).map((f) =>
      relative(DIR, join(DIR, "templates", f)),
    );
    expect(new Set(committed)).toEqual(new Set(listed.keys()));
    for (const file of committed) expect(blobId(readFileSync(join(DIR, file))), file).toBe(listed.get(file));
  });
});

describe("prod's release through the grafana chart", () => {
  let result: RenderResult;
  let out: ReturnType<typeof renderRelease>;
  beforeAll(() => {
    result = rendered("prod");
    out = renderRelease(result);
  });

  it("writes every access key into grafana.ini exactly as generated, and no section besides the values'", () => {
    const generated = grafanaAuthIni(result.config);
    for (const [section, keys] of Object.entries(generated))
      for (const [key, value] of Object.entries(keys))
        expect(out.ini.sections.get(section)?.get(key), `[${section}] ${key}`).toBe(String(value));
    // Sections are ours and the chart's defaults (its values.yaml), nothing a value could inject.
    const ours = Object.keys(releaseValues(result)["grafana.ini"] as Record<string, unknown>);
    const defaults = Object.keys(
      chartData(GRAFANA_CHART.chart, VERSION).values["grafana.ini"] as Record<string, unknown>,
    );
    expect([...out.ini.headers].sort()).toEqual([...new Set([...ours, ...defaults])].sort());
    // go-ini would cut a value at '#' or ';'; none of the sign-in values has one.
    for (const [key, value] of out.ini.sections.get("auth.generic_oauth")!)
      expect(value, key).not.toMatch(/[#;]/);
    expect(out.ini.sections.get("auth.generic_oauth")!.has("client_secret")).toBe(false);
  });

  it("maps roles from the line Grafana reads", () => {
    const expression = out.ini.sections.get("auth.generic_oauth")!.get("role_attribute_path")!;
    const roles = result.config.grafana.auth.oidc!.roles;
    expect(search({ groups: [roles.admin[0]!] }, expression)).toBe("Admin");
    expect(search({ groups: [roles.viewer[0]!] }, expression)).toBe("Viewer");
    expect(search({ groups: ["not-mapped"] }, expression)).toBe(false);
  });

  it("gives the container the client secret from the Secret, and the pods the secret's hash", () => {
    const container = out.deployment.spec.template.spec.containers.find((c) => c.name === "grafana")!;
    const env = container.env.find((e) => e.name === OAUTH_SECRET_ENV);
    expect(env).toEqual({
      name: OAUTH_SECRET_ENV,
      valueFrom: { secretKeyRef: { name: "grafana-oauth", key: "client-secret" } },
    });
    expect(container.env.map((e) => e.name)).toEqual(
      expect.arrayContaining(["GF_DATABASE_PASSWORD", "GF_SECURITY_SECRET_KEY"]),
    );
    expect(out.deployment.spec.template.metadata.annotations[OAUTH_CHECKSUM_ANNOTATION]).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it("is refused by the chart if the client secret ever moves into grafana.ini", () => {
    const values = structuredClone(releaseValues(result)) as {
      "grafana.ini": Record<string, Record<string, unknown>>;
    };
    values["grafana.ini"]["auth.generic_oauth"]!.client_secret = "plain";
    expect(helmTemplate(values).error).toContain("Sensitive key 'auth.generic_oauth.client_secret'");
  });
});

describe("variant: dev with single sign-on and group names using every accepted character", () => {
  it("keeps each name inside its literal through tpl and the ini line", async () => {
    const names = ["Grafana Admins", "ops.team_1", "urn:acme:grafana", "/platform/sre", "a@b=c+d-e"];
    const oidc = stackValue<{ auth: { oidc: Record<string, unknown> } }>("prod", "grafana").auth.oidc;
    const variant = await render("dev", {
      grafana: {
        ...stackValue<Record<string, unknown>>("dev", "grafana"),
        auth: { oidc: { ...oidc, roles: { admin: names.slice(0, 2), viewer: names.slice(2) } } },
      },
    });
    const out = renderRelease(variant);
    const expression = out.ini.sections.get("auth.generic_oauth")!.get("role_attribute_path")!;
    expect(expression).toBe(grafanaAuthIni(variant.config)["auth.generic_oauth"]!.role_attribute_path);
    for (const n of names.slice(0, 2)) expect(search({ groups: [n] }, expression), n).toBe("Admin");
    for (const n of names.slice(2)) expect(search({ groups: [n] }, expression), n).toBe("Viewer");
    const env = out.deployment.spec.template.spec.containers.find((c) => c.name === "grafana")!.env;
    expect(env.find((e) => e.name === "GF_SECURITY_SECRET_KEY")?.valueFrom).toEqual({
      secretKeyRef: { name: "grafana-secret-key", key: "secret-key" },
    });
  });
});
