import { describe, expect, it } from "vitest";
import { PRIORITIES } from "../../infra/catalog/alert-levels";
import { requiredSecrets, SECRET_KEYS } from "../../infra/config";
import { renderFiles } from "../../scripts/lib/render-files";
import { renderCounts } from "../../scripts/lib/summary";
import { rendered, STACKS } from "../helpers/render";

describe.each(STACKS)("summary.md of %s", (stack) => {
  const result = () => rendered(stack);
  const summary = () => renderFiles(result()).find((f) => f.path === "summary.md")!.content;

  it("counts what resources.json lists, as the CLI does, and per component adds up to it", () => {
    const { resources, components } = renderCounts(result());
    const listed = JSON.parse(renderFiles(result()).find((f) => f.path === "resources.json")!.content) as {
      custom: boolean;
    }[];
    expect(resources).toBe(listed.filter((r) => r.custom).length);
    expect(summary()).toContain(`would create ${resources} resources in ${components} components`);
    const table = summary().slice(summary().indexOf("## Resources per component"));
    const rows = [...table.matchAll(/^\| [^|]+ \| (\d+) \| (\d+) \|/gm)];
    expect(rows).toHaveLength(components);
    expect(rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(resources);
  });

  it("names every protected resource and no other", () => {
    const protectedNames = result()
      .resources.filter((r) => r.custom && r.protect)
      .map((r) => r.name);
    const line =
      summary()
        .split("\n")
        .find((l) => l.startsWith("Protected and kept on delete")) ?? "";
    expect(
      [...line.matchAll(/`([^`]+)`/g)]
        .map((m) => m[1])
        .filter((n) => !n!.startsWith("protect") && !n!.startsWith("retainOnDelete"))
        .sort(),
    ).toEqual(protectedNames.sort());
    if (!result().config.production) expect(protectedNames).toEqual([]);
  });

  it("lists exactly the secrets this stack needs", () => {
    const section = summary().slice(
      summary().indexOf("## Secrets this stack needs"),
      summary().indexOf("## Log archive"),
    );
    const listed = [...section.matchAll(/^- `([A-Za-z]+)`/gm)].map((m) => m[1]);
    expect(listed).toEqual(requiredSecrets(result().config));
    for (const unused of SECRET_KEYS.filter((k) => !listed.includes(k)))
      expect(section).not.toContain(unused);
  });

  it("says per priority which system notifies whom", () => {
    const section = summary().slice(
      summary().indexOf("## Who is notified"),
      summary().indexOf("## Resources"),
    );
    for (const p of PRIORITIES) expect(section).toMatch(new RegExp(`^\\| ${p} \\| `, "m"));
    for (const system of ["Alertmanager", "Grafana", "Sentry", "New Relic"])
      expect(section).toContain(system);
    for (const team of result().config.teams) {
      expect(section).toContain(team.email);
      expect(section).toContain(team.slackChannel);
    }
  });
});
