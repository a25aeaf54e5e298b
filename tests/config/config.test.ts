import { configProblems } from "../helpers/config";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config";
import { readStackFile } from "../../scripts/lib/stack-file";

/** The dev stack file as the runtime sees it, with edits applied to decoded values. */
function devConfigWith(edit: (cfg: Record<string, unknown>) => void): Record<string, string> {
  const file = readStackFile("dev");
  const decoded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file.config)) {
    try {
      decoded[k] = JSON.parse(v);
    } catch {
      decoded[k] = v;
    }
  }
  edit(decoded);
  return Object.fromEntries(
    Object.entries(decoded)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

function problemsOf(raw: Record<string, string>, secretKeys = readStackFile("dev").secretKeys): string[] {
  return configProblems(raw, secretKeys);
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into decoded config freely.
type Any = any;

describe("stack config validation", () => {
  it("accepts the dev and prod stack files", () => {
    for (const stack of ["dev", "prod"]) {
      const file = readStackFile(stack);
      expect(() => parseStackConfig(file.config, new Set(file.secretKeys))).not.toThrow();
    }
  });

  it("keeps secrets out of the plain config", () => {
    const file = readStackFile("dev");
    const { config, secrets } = parseStackConfig(file.config, new Set(file.secretKeys));
    expect(Object.keys(secrets).sort()).toContain("smtpPassword");
    expect(JSON.stringify(config)).not.toContain("offline-placeholder");
  });

  it.each([
    [
      "wrong type",
      (c: Any) => {
        c["observability:archive"].dailyVolumeGb.audit = "lots";
      },
      "observability:archive.dailyVolumeGb.audit: Invalid input: expected number, received string",
    ],
    [
      "unknown nested key (typo)",
      (c: Any) => {
        c["observability:teams"][0].emial = c["observability:teams"][0].email;
      },
      "observability:teams[0].emial: unknown key",
    ],
    [
      "unknown top-level key",
      (c: Any) => {
        c["observability:archvie"] = {};
      },
      "observability:archvie: unknown key",
    ],
    [
      "missing required key",
      (c: Any) => {
        c["observability:archive"] = undefined;
      },
      "observability:archive: Invalid input: expected object, received undefined",
    ],
    [
      "value out of range",
      (c: Any) => {
        c["observability:archive"].kmsDeletionWindowDays = 3;
      },
      "observability:archive.kmsDeletionWindowDays: Too small: expected number to be >=7",
    ],
    [
      "service owned by an unknown team",
      (c: Any) => {
        c["observability:services"][0].team = "nobody";
      },
      'observability:services[0].team: unknown team "nobody" (expected one of: platform, web)',
    ],
    [
      "unknown config namespace",
      (c: Any) => {
        c["grafana:url"] = "http://x";
      },
      'grafana:url: unknown config namespace "grafana" (expected observability:, aws:, kubernetes:)',
    ],
  ])("rejects %s with one line naming the key", (_case, edit, message) => {
    expect(problemsOf(devConfigWith(edit))).toEqual([message]);
  });

  it("reports every problem at once: wrong types, typos, unknown references and missing secrets together", () => {
    const file = readStackFile("dev");
    delete file.config["observability:smtpPassword"];
    const raw = devConfigWith((c: Any) => {
      c["observability:archive"].kmsDeletionWindowDays = 3;
      c["observability:teams"][0].emial = "x";
      c["observability:services"][0].team = "nobody";
      c["observability:metrics"].ownerTeam = "ghosts";
      c["observability:metrics"].prometheus = { replicas: "two" };
    });
    delete raw["observability:smtpPassword"];
    expect(problemsOf(raw, file.secretKeys)).toEqual([
      "observability:teams[0].emial: unknown key",
      "observability:archive.kmsDeletionWindowDays: Too small: expected number to be >=7",
      "observability:metrics.prometheus.replicas: Invalid input: expected number, received string",
      'observability:services[0].team: unknown team "nobody" (expected one of: platform, web)',
      'observability:metrics.ownerTeam: unknown team "ghosts" (expected one of: platform, web)',
      "observability:smtpPassword: missing secret: set it with `pulumi config set --secret smtpPassword <value>`",
    ]);
  });

  it("rejects a secret given in plain text", () => {
    const file = readStackFile("dev");
    const secretKeys = file.secretKeys.filter((k) => k !== "observability:smtpPassword");
    expect(problemsOf(file.config, secretKeys)).toEqual([
      "observability:smtpPassword: must be a secret, set it with `pulumi config set --secret smtpPassword <value>`",
    ]);
  });

  it("requires the secrets the configured channels need", () => {
    const file = readStackFile("dev");
    const alerting = JSON.parse(file.config["observability:alerting"] as string);
    expect(alerting).toMatchObject({ pagerduty: { managed: true } });
    // Managed PagerDuty pages through each team's integration key: the routing key is not read.
    delete file.config["observability:pagerdutyRoutingKey"];
    expect(problemsOf(file.config, file.secretKeys)).toEqual([]);
    delete file.config["observability:pagerdutyToken"];
    expect(problemsOf(file.config, file.secretKeys)).toEqual([
      "observability:pagerdutyToken: missing secret: set it with `pulumi config set --secret pagerdutyToken <value>`",
    ]);
    // Without it, the one routing key pages everything.
    file.config["observability:alerting"] = {
      ...alerting,
      pagerduty: { ...alerting.pagerduty, managed: false },
    };
    expect(problemsOf(file.config, file.secretKeys)).toEqual([
      "observability:pagerdutyRoutingKey: missing secret: set it with `pulumi config set --secret pagerdutyRoutingKey <value>`",
    ]);
  });

  it("turns encrypted stack-file secrets into secret placeholders", () => {
    const dir = mkdtempSync(join(tmpdir(), "obs-stack-"));
    writeFileSync(
      join(dir, "Pulumi.enc.yaml"),
      "config:\n  observability:smtpPassword:\n    secure: v1:abc\n",
    );
    const file = readStackFile("enc", dir);
    expect(file.secretKeys).toContain("observability:smtpPassword");
    expect(file.placeholders).not.toContain("observability:smtpPassword");
    expect(file.config["observability:smtpPassword"]).toBe("offline-placeholder-smtpPassword");
  });
});
