import { describe, expect, it } from "vitest";
import { rendered, STACKS } from "../helpers/render";

/**
 * The audit trail is readable by `auditor` alone, checked on the role documents each stack renders
 * (what the settings Job PUTs to `_security/role/<name>`), with Elasticsearch's own reading of them:
 * an index pattern's `*` matches any characters, so `logs-*` or `*` would reach the audit stream as
 * surely as `logs-audit-*`; `read` and `all` return documents, as does any `indices:data/read/*`
 * action named directly.
 */

interface RoleDocument {
  indices?: { names: string | string[]; privileges: string[] }[];
  remote_indices?: unknown[];
}

/** Elasticsearch's index pattern semantics for the patterns used here: `*` is any run of characters. */
const matches = (pattern: string, name: string): boolean =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, "\\$&"))
      .join(".*")}$`,
  ).test(name);

const returnsDocuments = (privilege: string): boolean =>
  ["read", "all"].includes(privilege) || privilege.startsWith("indices:data/read");

describe.each(STACKS)("who can read the audit trail (%s)", (stack) => {
  const r = rendered(stack);
  const docs = (dir: string) =>
    r.artifacts
      .filter((a) => a.path.startsWith(`elasticsearch/${dir}/`))
      .map((a) => ({ name: a.path.replace(/^.*\/|\.json$/g, ""), body: JSON.parse(a.content) as unknown }));
  const roles = docs("role") as { name: string; body: RoleDocument }[];
  const streams = docs("data_stream").map((d) => d.name);
  const audit = streams.filter((s) => s.startsWith("logs-audit-"));
  // A backing index of the stream, as Elasticsearch names them.
  const backing = audit.map((s) => `.ds-${s}-2026.12.07-000001`);

  const readersOf = (index: string) =>
    roles
      .filter((role) =>
        (role.body.indices ?? []).some(
          (i) =>
            [i.names].flat().some((pattern) => matches(pattern, index)) &&
            i.privileges.some(returnsDocuments),
        ),
      )
      .map((role) => role.name);

  it("renders the audit stream and the roles that could reach it", () => {
    expect(audit).toEqual([`logs-audit-${r.config.environment}`]);
    expect(roles.map((x) => x.name)).toContain("auditor");
  });

  it("lets the auditor alone read the audit stream, and no role name its backing indices", () => {
    for (const stream of audit) expect(readersOf(stream), stream).toEqual(["auditor"]);
    // Privileges on a stream cover its backing indices; a pattern such as `*` or `.ds-*` would
    // reach them directly, past the stream's name.
    for (const index of backing) expect(readersOf(index), index).toEqual([]);
    // No role reaches another cluster's indices, where the same trail could be read remotely.
    for (const role of roles) expect(role.body.remote_indices ?? [], role.name).toEqual([]);
  });

  it("gives the auditor the audit stream only", () => {
    for (const stream of streams.filter((s) => !audit.includes(s)))
      expect(readersOf(stream), stream).not.toContain("auditor");
  });

  it("would see a role whose wildcard reaches the audit stream (the check reads patterns as Elasticsearch does)", () => {
    expect(matches("logs-*", audit[0]!)).toBe(true);
    expect(matches("*", backing[0]!)).toBe(true);
    expect(matches("logs-application-*", audit[0]!)).toBe(false);
    expect(matches("logs-audit-*", backing[0]!)).toBe(false);
  });
});
