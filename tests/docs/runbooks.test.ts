import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEBUG_LOGS } from "../../infra/generators/grafana/log-levels";
import { LOG_SILENCE } from "../../infra/generators/grafana/log-silence";
import { ALERTS } from "../../infra/generators/metrics/alerts";
import { BUSINESS_ALERTS } from "../../infra/generators/metrics/business";
import { enabledChartAlerts } from "../../infra/generators/platform/chart-values";
import { PLATFORM_ALERTS } from "../../infra/generators/platform/rules";
import { COMPONENT_ALERTS } from "../../infra/generators/platform/components";
import { postmortemForm, postmortemSections } from "../../scripts/lib/docs";
import { REPO_ROOT } from "../../scripts/lib/stack-file";
import { parse } from "yaml";

const RUNBOOKS = join(REPO_ROOT, "runbooks");
const runbooks = readdirSync(RUNBOOKS).filter((f) => f.endsWith(".md") && f !== "README.md");
const TEMPLATE = join(REPO_ROOT, "docs/postmortem-template.md");

/** `## ` sections of a Markdown file, outside fenced code. */
const sections = (text: string): string[] =>
  text
    .replace(/```[\s\S]*?```/g, "")
    .split("\n")
    .filter((l) => l.startsWith("## "))
    .map((l) => l.slice(3).trim());

describe("runbooks close the incident loop", () => {
  it("exist for every alert and name the alerts that link to them", () => {
    // Application alerts, the platform's own (by component) and the Grafana-managed one.
    const all = [
      ...ALERTS,
      ...COMPONENT_ALERTS,
      ...PLATFORM_ALERTS,
      LOG_SILENCE,
      DEBUG_LOGS,
      ...BUSINESS_ALERTS,
    ];
    for (const a of all) {
      const path = join(RUNBOOKS, `${a.runbook}.md`);
      expect(existsSync(path), `${a.alert}: runbooks/${a.runbook}.md`).toBe(true);
      expect(readFileSync(path, "utf8"), `runbooks/${a.runbook}.md names ${a.alert}`).toContain(a.alert);
    }
    const chart = enabledChartAlerts();
    for (const a of chart) {
      const path = join(RUNBOOKS, `${a.runbook}.md`);
      expect(existsSync(path), `${a.alert}: runbooks/${a.runbook}.md`).toBe(true);
      expect(readFileSync(path, "utf8"), `runbooks/${a.runbook}.md names ${a.alert}`).toContain(a.alert);
    }
    expect(new Set([...all, ...chart].map((a) => `${a.runbook}.md`))).toEqual(new Set(runbooks));
  });

  it.each(runbooks)("%s selects a service by namespace and job together in its queries", (file) => {
    // A query by job alone mixes in another namespace's Service of the same name (issue 22); the
    // cross-namespace diagnostics of service-down.md keep the namespaces apart with `by (namespace`.
    const text = readFileSync(join(RUNBOOKS, file), "utf8");
    const lines = [...text.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
    const byJobAlone = lines.filter(
      (l) =>
        !l.trimStart().startsWith("#") &&
        !l.includes("by (namespace") &&
        [...l.matchAll(/\{([^}]*)\}/g)].some((m) => /\bjob=/.test(m[1]!) && !/\bnamespace=/.test(m[1]!)),
    );
    expect(byJobAlone).toEqual([]);
  });

  it.each(runbooks)(
    "%s has a title, steps, and ends with 'After the incident' linking the template",
    (file) => {
      const text = readFileSync(join(RUNBOOKS, file), "utf8");
      expect(text.startsWith("# "), file).toBe(true);
      const found = sections(text);
      expect(found.at(-1), file).toBe("After the incident");
      const closing = text.slice(text.lastIndexOf("## After the incident"));
      const link = /\]\(([^)]+postmortem-template\.md)\)/.exec(closing)?.[1];
      expect(link, `${file} links the post-mortem template`).toBeDefined();
      expect(resolve(dirname(join(RUNBOOKS, file)), link!)).toBe(TEMPLATE);
      expect(closing, `${file} says what to update`).toMatch(/update this runbook with \S/);
    },
  );

  it("the post-mortem template has the sections an incident review needs, and the issue form has them all", () => {
    const template = readFileSync(TEMPLATE, "utf8");
    const titles = postmortemSections(template).map((s) => s.title);
    expect(titles).toEqual([
      "Summary",
      "Impact",
      "Timeline",
      "Root cause",
      "What went well",
      "What went badly",
      "Preventions",
      "Runbooks updated",
    ]);
    expect(template).toMatch(/detection/);
    expect(template).toMatch(/acknowledgement/);
    expect(template).toMatch(/owner, due date/);
    const form = parse(postmortemForm()) as { body: { id: string; attributes: { label: string } }[] };
    expect(form.body.map((b) => b.attributes.label)).toEqual(titles);
    expect(new Set(form.body.map((b) => b.id)).size).toBe(titles.length);
    for (const b of form.body) expect(b.id).toMatch(/^[a-z0-9-]+$/);
  });
});
