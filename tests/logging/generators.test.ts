import { describe, expect, it } from "vitest";
import { LOG_LEVELS } from "../../infra/catalog/log-levels";
import {
  AUDIT_EVENTS,
  LINE_SCOPES,
  LOG_FIELDS,
  MISSING_REQUEST_ID_TAG,
  PIPELINE_FIELDS,
  SENSITIVE_FIELDS,
  SENSITIVE_PATTERNS,
} from "../../infra/catalog/log-schema";
import { LOG_TYPES, RETENTION } from "../../infra/catalog/retention";
import { loggingConcern, snapshotBucketName } from "../../infra/generators/logging";
import {
  DESTRUCTIVE_PRIVILEGES,
  MONITORING_ROLE,
  dataViewId,
  durationDays,
  ilmPlan,
  ilmPolicyBody,
  indexTemplate,
  MISSING_REQUEST_ID_IF,
  mappingsComponentTemplate,
  REDACT_PIPELINE,
  ROLE_ACCESS,
  redactPipeline,
  requestIdSearch,
  roles,
  routerPipeline,
  settingsComponentTemplate,
  settingsPlan,
} from "../../infra/generators/logging";
import type { Processor } from "../../infra/generators/logging/types";
import { stackConfig } from "../../scripts/lib/stack-config";

const dev = stackConfig("dev");
const prod = stackConfig("prod");

const phaseAges = (body: ReturnType<typeof ilmPolicyBody>) =>
  (["hot", "warm", "cold", "frozen", "delete"] as const)
    .filter((p) => body.policy?.phases[p] !== undefined)
    .map((p) => ({ phase: p, days: durationDays(body.policy?.phases[p]?.min_age) }));

describe("ILM policies derive from the retention table", () => {
  for (const config of [dev, prod]) {
    for (const logType of LOG_TYPES) {
      it(`${config.environment}/${logType}: deleted at the retention row after ingest, ages never decrease`, () => {
        const plan = ilmPlan(logType, config.logging);
        const body = ilmPolicyBody(plan);
        const phases = body.policy?.phases;
        const deleteAge = durationDays(phases?.delete?.min_age);
        const rollover = durationDays(phases?.hot?.actions?.rollover?.max_age);
        const expected = logType === "audit" ? config.logging.auditSearchableDays : RETENTION[logType].days;
        // ILM counts from rollover; a line waits at most `rollover` days for it.
        expect(deleteAge + rollover).toBe(expected);
        expect(phases?.delete?.actions?.delete).toBeDefined();
        const ages = phaseAges(body).map((p) => p.days);
        expect(ages).toEqual([...ages].sort((a, b) => a - b));
        expect(ages[0]).toBe(0);
      });
    }
  }

  it("keeps audit searchable only as configured; the archive keeps it 7 years", () => {
    const c = stackConfig("dev", {
      logging: { ...JSON.parse(JSON.stringify(dev.logging)), auditSearchableDays: 400 },
    });
    expect(durationDays(ilmPolicyBody(ilmPlan("audit", c.logging)).policy?.phases.delete?.min_age)).toBe(399);
    expect(RETENTION.audit.days).toBe(2555);
  });

  it("drops the warm phase when the index is deleted first", () => {
    const c = stackConfig("dev", {
      logging: { ...JSON.parse(JSON.stringify(dev.logging)), warmAfterDays: 6 },
    });
    expect(ilmPolicyBody(ilmPlan("debug", c.logging)).policy?.phases.warm).toBeUndefined();
    expect(ilmPolicyBody(ilmPlan("application", c.logging)).policy?.phases.warm?.min_age).toBe("6d");
  });
});

describe("index templates map the log contract", () => {
  const mappings = mappingsComponentTemplate().template.mappings?.properties ?? {};

  it.each(LOG_FIELDS.map((f) => [f.name, f.esType]))("maps %s as %s", (name, esType) => {
    expect(mappings[name]?.type).toBe(esType);
  });

  it("maps timestamp as an alias of the @timestamp date field", () => {
    expect(mappings.timestamp).toEqual({ type: "alias", path: "@timestamp" });
    expect(mappings["@timestamp"]?.type).toBe("date");
  });

  it("one data stream per log type, above the built-in logs template, with its ILM policy", () => {
    for (const t of LOG_TYPES) {
      const tpl = indexTemplate(t);
      expect(tpl.index_patterns).toEqual([`logs-${t}-*`]);
      expect(tpl.data_stream).toEqual({});
      expect(tpl.priority).toBeGreaterThan(100);
      expect(tpl.template?.settings?.index?.lifecycle?.name).toBe(`logs-${t}`);
    }
    expect(indexTemplate("application").template?.settings?.index?.default_pipeline).toBe("logs-router");
    expect(settingsComponentTemplate(dev).template.settings?.index?.final_pipeline).toBe(REDACT_PIPELINE);
  });

  it("keeps replicas off on a single node and on with two or more data nodes", () => {
    expect(settingsComponentTemplate(dev).template.settings?.index?.number_of_replicas).toBe(0);
    expect(settingsComponentTemplate(prod).template.settings?.index?.number_of_replicas).toBe(1);
  });
});

const processorsOf = (body: { processors?: Processor[] }, type: string) =>
  (body.processors ?? [])
    .map((p) => (p as Record<string, Record<string, unknown> | undefined>)[type])
    .filter((p): p is Record<string, unknown> => p !== undefined);

describe("ingest pipelines", () => {
  const redact = redactPipeline(dev);
  const router = routerPipeline(dev);

  it.each([...SENSITIVE_FIELDS, ...dev.logging.redactFields])("removes %s", (field) => {
    const removal = processorsOf(redact, "remove").find((p) => p.field === field);
    expect(removal).toMatchObject({ ignore_missing: true, tag: `redact-${field}` });
  });

  it("removes sensitive keys at any depth and masks them in free text", () => {
    const [script] = processorsOf(redact, "script");
    expect(script?.params).toEqual({ names: expect.arrayContaining([...SENSITIVE_FIELDS, "ssn", "iban"]) });
    expect(processorsOf(redact, "gsub").map((p) => p.tag)).toEqual(
      SENSITIVE_PATTERNS.map((p) => `mask-${p.name}`),
    );
  });

  it("masks card numbers, bearer tokens and credentials in messages", () => {
    // Java and JavaScript agree on these patterns once the inline (?i) flag becomes a JS flag.
    const mask = (text: string) =>
      SENSITIVE_PATTERNS.reduce((s, p) => {
        const flags = p.pattern.startsWith("(?i)") ? "gi" : "g";
        return s.replace(new RegExp(p.pattern.replace(/^\(\?i\)/, ""), flags), p.replacement);
      }, text);
    const out = mask(
      'login ok password=hunter2 card 4111 1111 1111 1111 Authorization: Bearer abc.def-ghi token: "xyz"',
    );
    expect(out).not.toMatch(/hunter2|4111|abc\.def|xyz/);
    expect(mask("took 120 ms for req-123")).toBe("took 120 ms for req-123");
  });

  it("uses only processors the Basic licence has", () => {
    const types = [...(redact.processors ?? []), ...(router.processors ?? [])].flatMap((p) =>
      Object.keys(p ?? {}),
    );
    expect(types).not.toContain("redact");
    expect(types).not.toContain("inference");
  });

  it("keeps lines that are not JSON, tagged, and never drops or fails a line", () => {
    const [json] = processorsOf(router, "json");
    expect(json?.on_failure).toContainEqual({ append: { field: "tags", value: ["invalid_json"] } });
    const all = JSON.stringify([redact, router]);
    expect(all).not.toContain('"drop"');
    expect(all).not.toContain('"fail"');
    expect(router.on_failure?.length).toBeGreaterThan(0);
    expect(redact.on_failure?.length).toBeGreaterThan(0);
  });

  it("sets @timestamp from timestamp, falling back to ingest time", () => {
    const [date] = processorsOf(router, "date");
    expect(date).toMatchObject({ field: "timestamp", target_field: "@timestamp" });
    expect(processorsOf(router, "set")).toContainEqual(
      expect.objectContaining({ field: "@timestamp", value: "{{{_ingest.timestamp}}}", override: false }),
    );
  });

  it("routes DEBUG, audit events and security lines to their streams, masking first", () => {
    const reroutes = processorsOf(router, "reroute");
    expect(reroutes.map((r) => r.dataset).sort()).toEqual(["audit", "debug", "security"]);
    for (const r of reroutes) expect(r.namespace).toBe("dev");
    const sets = processorsOf(router, "set").filter((p) => p.field === "log_type");
    expect(sets.map((s) => s.value)).toEqual(["audit", "debug", "application"]);
    expect(String(sets[0]?.if)).toContain(AUDIT_EVENTS[0]);
    expect(String(sets[1]?.if)).toContain("'DEBUG'");
    const order: string[] = (router.processors ?? []).map((p) => Object.keys(p ?? {})[0] ?? "");
    expect(order.indexOf("pipeline")).toBeLessThan(order.indexOf("reroute"));
    expect(JSON.stringify(router)).toContain(LOG_LEVELS.join("', '"));
  });

  it("tags a request's line without request_id, after parsing and before routing, and not a process line", () => {
    const order: string[] = (router.processors ?? []).map((p) => {
      const [type, body] = Object.entries(p ?? {})[0] ?? ["", {}];
      return type === "append" ? `append:${(body as { tag?: string }).tag ?? ""}` : type;
    });
    const at = order.indexOf("append:missing-request-id");
    expect(at).toBeGreaterThan(order.indexOf("json"));
    expect(at).toBeLessThan(order.indexOf("reroute"));
    const tagging = processorsOf(router, "append").find((p) => p.tag === "missing-request-id");
    expect(tagging).toEqual({
      field: "tags",
      value: [MISSING_REQUEST_ID_TAG],
      tag: "missing-request-id",
      if: MISSING_REQUEST_ID_IF,
    });
    // Every field the condition reads is in the log contract, and `process` is a scope it has.
    const fields = new Set([...LOG_FIELDS, ...PIPELINE_FIELDS].map((f) => f.name));
    for (const [, field] of MISSING_REQUEST_ID_IF.matchAll(/ctx\.(\w+)/g))
      expect(fields, field).toContain(field);
    expect(MISSING_REQUEST_ID_IF).toContain(`ctx.scope != '${LINE_SCOPES[1]}'`);
    expect(LINE_SCOPES[1]).toBe("process");
    expect(MISSING_REQUEST_ID_IF).toContain("ctx.tags.contains('invalid_json')");
    // The scope is mapped, so the dashboard's and the alert's filters can read it.
    expect(mappingsComponentTemplate().template?.mappings?.properties?.scope).toMatchObject({
      type: "keyword",
    });
    expect(PIPELINE_FIELDS.find((f) => f.name === "tags")?.meaning).toContain(MISSING_REQUEST_ID_TAG);
  });
});

describe("audit trail access", () => {
  const all = roles();

  it("lets only the auditor read the audit stream", () => {
    // `read` is the index privilege that returns documents; the exporter's role holds only
    // statistics (monitor, view_index_metadata) on every stream.
    const readers = Object.entries(all)
      .filter(([, r]) =>
        (r.indices ?? []).some(
          (i) =>
            [i.names].flat().some((n) => n.startsWith("logs-audit")) &&
            i.privileges.some((p) => ["read", "all"].includes(p)),
        ),
      )
      .map(([name]) => name);
    expect(readers).toEqual(["auditor"]);
    expect(ROLE_ACCESS.auditor?.logTypes).toEqual(["audit"]);
    expect(all[MONITORING_ROLE]?.indices?.flatMap((i) => i.privileges).sort()).toEqual([
      "monitor",
      "view_index_metadata",
    ]);
  });

  it("gives no role a privilege that deletes or rewrites log lines", () => {
    for (const [name, r] of Object.entries(all)) {
      for (const i of r.indices ?? [])
        for (const p of i.privileges) expect(DESTRUCTIVE_PRIVILEGES).not.toContain(p);
      for (const a of r.applications ?? []) for (const p of a.privileges) expect(p).toMatch(/\.read$/);
      // Readers hold no cluster privilege; the exporter reads cluster statistics only (no manage_*).
      if (name === MONITORING_ROLE)
        for (const p of r.cluster ?? [])
          expect(p).toMatch(/^(monitor|monitor_snapshot|read_slm|cluster:admin\/slm\/stats)$/);
      else expect(r.cluster ?? []).toEqual([]);
    }
  });
});

describe("settings plan and render files", () => {
  const plan = settingsPlan(dev);

  it("applies each referenced setting before what references it", () => {
    const index = (kind: string, name: string) => plan.findIndex((s) => s.kind === kind && s.name === name);
    for (const t of LOG_TYPES) {
      const tpl = index("index_template", `logs-${t}`);
      expect(index("ilm", `logs-${t}`)).toBeLessThan(tpl);
      expect(index("component_template", "logs-contract@mappings")).toBeLessThan(tpl);
      expect(index("ingest_pipeline", "logs-router")).toBeLessThan(tpl);
      expect(index("kibana", dataViewId(t))).toBeGreaterThan(-1);
    }
    expect(index("snapshot_repository", "s3-snapshots")).toBeLessThan(index("slm", "nightly-snapshots"));
    expect(index("ingest_pipeline", "logs-redact")).toBeLessThan(index("ingest_pipeline", "logs-router"));
    const search = requestIdSearch();
    expect(index("kibana", search.references?.[0]?.id ?? "")).toBeLessThan(
      index("kibana", "logs-by-request-id"),
    );
  });

  it("makes every step a create-or-replace by name", () => {
    for (const s of plan) {
      // A data_stream step is a check that rolls over only what is not ours (applier-streams.test.ts).
      if (s.kind === "data_stream") expect(s.path).toBe(`/${s.name}/_rollover`);
      else if (s.target === "elasticsearch") expect(s.method).toBe("PUT");
      else if (s.path === "/api/data_views/data_view")
        expect(s.body).toMatchObject({ override: true, data_view: { id: s.name } });
      else expect(s.path).toMatch(/^\/api\/saved_objects\/[a-z-]+\/[a-z-]+\?overwrite=true$/);
    }
    expect(new Set(plan.map((s) => `${s.kind}/${s.name}`)).size).toBe(plan.length);
  });

  it("renders elasticsearch/<kind>/<name>.json for every body applied, and the snapshot bucket's lifecycle", () => {
    const files = loggingConcern.artifacts(dev);
    expect(files.map((f) => f.path).sort()).toEqual(
      [
        ...plan.map((s) => `elasticsearch/${s.kind}/${s.name}.json`),
        `s3/${snapshotBucketName(dev)}-lifecycle.json`,
      ].sort(),
    );
    for (const f of files) expect(JSON.parse(f.content)).toBeTypeOf("object");
    expect(loggingConcern.summary(prod)).toContain("3 dedicated masters + 3 data nodes");
  });
});
