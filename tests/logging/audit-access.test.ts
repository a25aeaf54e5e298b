import { describe, expect, it } from "vitest";
import { reveal } from "../../scripts/lib/recorded";
import { ofType, rendered, STACKS } from "../helpers/render";

/**
 * The audit trail is readable by `auditor` alone, checked on the role documents each stack renders
 * (what the settings Job PUTs to `_security/role/<name>`), with Elasticsearch's own reading of them:
 * an index pattern's `*` matches any characters, so `logs-*` or `*` would reach the audit stream as
 * surely as `logs-audit-*`; `read` and `all` return documents, as does any `indices:data/read/*`
 * action named directly. Then the same for every user who can sign in: a user's privileges are
 * the union of its roles' (Elasticsearch grants what any of them grants), so only a user holding
 * `auditor` reads the audit stream: people's native users (logging.users, what the users Job PUTs
 * to `_security/user/<name>`) and the file realm's (the basic-auth Secrets ECK hashes into it).
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

  /** Every user who can sign in, with its roles: native users from the render, the file realm's Secrets. */
  const nativeUsers = docs("user") as { name: string; body: { roles: string[]; enabled?: boolean } }[];
  const fileRealmUsers = () => {
    const es = ofType(r, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch")[0]!;
    const secrets = (
      (es.inputs.spec as { auth?: { fileRealm?: { secretName: string }[] } }).auth?.fileRealm ?? []
    ).map((f) => f.secretName);
    return ofType(r, "kubernetes:core/v1:Secret")
      .filter((x) => secrets.includes((x.inputs.metadata as { name: string }).name))
      .map((x) => {
        const data = reveal(x.inputs.stringData) as { username: string; roles: string };
        return { name: data.username, body: { roles: data.roles.split(",") } };
      });
  };
  /** The users whose roles, together, return documents of `index`. */
  const usersReading = (index: string, users: { name: string; body: { roles: string[] } }[]) => {
    const readers = new Set(readersOf(index));
    return users.filter((u) => u.body.roles.some((role) => readers.has(role))).map((u) => u.name);
  };

  it("renders people's users with roles that exist, and every user holds only its configured roles", () => {
    expect(nativeUsers.map((u) => u.name).sort()).toEqual(
      r.config.logging.users.map((u) => u.username).sort(),
    );
    const known = new Set(roles.map((x) => x.name));
    for (const u of [...nativeUsers, ...fileRealmUsers()]) {
      expect(u.body.roles.length, u.name).toBeGreaterThan(0);
      for (const role of u.body.roles) expect(known.has(role), `${u.name}: role ${role}`).toBe(true);
    }
    for (const u of nativeUsers)
      expect(u.body.roles).toEqual(r.config.logging.users.find((c) => c.username === u.name)?.roles);
    // The file realm: Grafana's reader and the exporter, neither a reader of the audit trail.
    expect(fileRealmUsers().length).toBeGreaterThanOrEqual(1);
  });

  it("lets only the users holding auditor read the audit stream, whatever else they hold", () => {
    const users = [...nativeUsers, ...fileRealmUsers()];
    const auditors = users.filter((u) => u.body.roles.includes("auditor")).map((u) => u.name);
    for (const stream of [...audit, ...backing])
      expect(usersReading(stream, users).sort(), stream).toEqual(
        stream.startsWith(".ds-") ? [] : auditors.sort(),
      );
    // And each of the other streams is read by whoever's roles reach it, auditors only through another role.
    for (const stream of streams.filter((x) => !audit.includes(x)))
      for (const name of usersReading(stream, users)) {
        const u = users.find((x) => x.name === name)!;
        expect(
          u.body.roles.some((role) => role !== "auditor"),
          `${name} reads ${stream}`,
        ).toBe(true);
      }
  });

  it("would see a user who reaches the audit stream through one of several roles (the union is computed)", () => {
    const mixed = [{ name: "both", body: { roles: ["log-reader", "auditor"] } }];
    expect(usersReading(audit[0]!, mixed)).toEqual(["both"]);
    expect(
      usersReading(audit[0]!, [{ name: "reader", body: { roles: ["log-reader", "security-analyst"] } }]),
    ).toEqual([]);
  });

  it("would see a role whose wildcard reaches the audit stream (the check reads patterns as Elasticsearch does)", () => {
    expect(matches("logs-*", audit[0]!)).toBe(true);
    expect(matches("*", backing[0]!)).toBe(true);
    expect(matches("logs-application-*", audit[0]!)).toBe(false);
    expect(matches("logs-audit-*", backing[0]!)).toBe(false);
  });
});
