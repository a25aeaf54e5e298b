import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, readStackFile } from "../../scripts/lib/stack-file";
import {
  credentialJobs,
  PROD_PREVIEW_ENVIRONMENT,
  type Prod,
  PULUMI_TOKEN,
  violations,
  type Workflows,
} from "./workflow-rules";

const DIR = join(REPO_ROOT, ".github", "workflows");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
const texts = (): Record<string, string> =>
  Object.fromEntries(files.map((f) => [f, readFileSync(join(DIR, f), "utf8")]));
const parsed = (t: Record<string, string>): Workflows =>
  Object.fromEntries(Object.entries(t).map(([f, s]) => [f, parse(s)]));

/** The workflows with one file's text edited; the edit must apply, so a variant never tests nothing. */
function variant(file: string, edit: (text: string) => string): Workflows {
  const t = texts();
  const edited = edit(t[file]!);
  expect(edited, `the edit of ${file} changed nothing`).not.toBe(t[file]);
  return parsed({ ...t, [file]: edited });
}
const replace = (from: string | RegExp, to: string) => (s: string) => s.replace(from, to);

// Prod as the stack file declares it: the account its provider accepts (aws:allowedAccountIds).
const prod: Prod = {
  stack: "prod",
  accounts: JSON.parse(readStackFile("prod").config["aws:allowedAccountIds"]!) as string[],
};
const current = parsed(texts());

describe("credentials in CI (docs/ci.md, Who gets which credential)", () => {
  it("every job that calls the shared Pulumi workflow is found, with its token request resolved", () => {
    const callers = Object.entries(current).flatMap(([f, w]) =>
      Object.entries<{ uses?: string }>(w.jobs ?? {})
        .filter(([, j]) => j.uses === "./.github/workflows/pulumi.yml")
        .map(([id]) => `${f} ${id} > pulumi`),
    );
    const jobs = credentialJobs(current);
    expect(callers.length).toBeGreaterThan(0);
    expect(jobs.map((j) => `${j.workflow} ${j.job}`).sort()).toEqual(callers.sort());
    for (const j of jobs) {
      expect(j.pulumiTokenType, j.job).not.toContain("${{");
      expect(j.environment, j.job).not.toContain("${{");
      expect(j.stack, j.job).toBeDefined();
    }
    // prod is reached from pull requests at all, so the gate below is exercised, not vacuous.
    expect(jobs.filter((j) => j.triggers.includes("pull_request") && j.stack === prod.stack)).toHaveLength(1);
  });

  it("the workflows break none of the rules", () => {
    expect(violations(current, prod)).toEqual([]);
  });

  it("docs/ci.md's table names each credential job's environment, Pulumi team and AWS role", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "ci.md"), "utf8");
    const section = doc.split("## Who gets which credential")[1]?.split("\n## ")[0] ?? "";
    const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const rows = section
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => {
        const [job, environment, token, role] = l.split("|").slice(1).map(code);
        return { job: job!.join(" "), environment: environment![0], team: token![0], role: role![0] };
      });
    const fromWorkflows = credentialJobs(current).map((j) => ({
      job: `${j.workflow} ${j.job.split(" > ")[0]}`,
      environment: j.environment,
      team: j.pulumiScope?.replace(/^team:/, ""),
      role: j.awsRole?.split(":role/")[1],
    }));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(expect.arrayContaining(fromWorkflows));
    expect(rows).toHaveLength(fromWorkflows.length);
  });
});

describe("each rule catches the door it closes (the workflows, edited)", () => {
  it("an organization token anywhere, named as a pull_request one where it is", () => {
    const v = violations(
      variant("pulumi.yml", replace(`${PULUMI_TOKEN}team`, `${PULUMI_TOKEN}organization`)),
      prod,
    );
    expect(v).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pull-request\.yml preview-prod > pulumi: .*organization in a pull_request/),
        expect.stringMatching(/^pull-request\.yml preview-dev > pulumi: .*organization in a pull_request/),
        expect.stringMatching(/^deploy\.yml prod > pulumi: .*organization;/),
      ]),
    );
  });

  it("a prod preview outside the reviewer-gated environment, or with the environment removed", () => {
    expect(
      violations(
        variant(
          "pull-request.yml",
          replace(`environment: ${PROD_PREVIEW_ENVIRONMENT}`, "environment: preview"),
        ),
        prod,
      ),
    ).toEqual([
      `pull-request.yml preview-prod > pulumi: a prod credential in environment preview, not the reviewer-gated ${PROD_PREVIEW_ENVIRONMENT}`,
    ]);
    // The branch deletes the gate from the shared workflow: nothing then pins an environment.
    const v = violations(
      variant("pulumi.yml", replace(/\n *environment: \$\{\{ inputs\.environment \}\}/, "")),
      prod,
    );
    expect(v).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^pull-request\.yml preview-prod > pulumi: exchanges an OIDC token outside/),
        expect.stringMatching(
          /^pull-request\.yml preview-prod > pulumi: a prod credential in environment none/,
        ),
      ]),
    );
  });

  it("a prod credential found by its account or team even when the stack says dev", () => {
    const v = violations(
      variant("pull-request.yml", replace("pulumi-team: ci-preview-dev", "pulumi-team: ci-preview-prod")),
      prod,
    );
    expect(v).toEqual([expect.stringMatching(/^pull-request\.yml preview-dev > pulumi: a prod credential/)]);
    const byAccount = violations(
      variant(
        "pull-request.yml",
        replace(
          "arn:aws:iam::111111111111:role/observability-preview",
          `arn:aws:iam::${prod.accounts[0]}:role/x`,
        ),
      ),
      prod,
    );
    expect(byAccount).toEqual([
      expect.stringMatching(/^pull-request\.yml preview-dev > pulumi: a prod credential/),
    ]);
  });

  it("pulumi up from a pull request, and pull_request_target", () => {
    expect(
      violations(
        variant(
          "pull-request.yml",
          replace(/command: preview\n(\s+)stack: dev/, "command: up\n$1stack: dev"),
        ),
        prod,
      ),
    ).toEqual(["pull-request.yml preview-dev > pulumi: runs pulumi up from a pull request"]);
    expect(
      violations(variant("pull-request.yml", replace("  pull_request:", "  pull_request_target:")), prod),
    ).toEqual(
      expect.arrayContaining([expect.stringMatching(/^pull-request\.yml: triggered by pull_request_target/)]),
    );
  });

  it("a deploy from any branch, a workflow-wide queue, a cancellable deploy", () => {
    expect(
      violations(
        variant("deploy.yml", (s) => s.replaceAll("    if: github.ref == 'refs/heads/main'\n", "")),
        prod,
      ),
    ).toEqual([
      "deploy.yml dev > pulumi: deploys without the condition github.ref == 'refs/heads/main' (got none)",
      "deploy.yml prod > pulumi: deploys without the condition github.ref == 'refs/heads/main' (got none)",
    ]);
    // The workflow-wide group as it was: one queue for dev and prod.
    const queue = violations(
      variant("deploy.yml", (s) =>
        s
          .replace(/\n {4}concurrency:\n {6}group: deploy-dev\n {6}cancel-in-progress: false/, "")
          .replace("\njobs:", "\nconcurrency:\n  group: deploy-main\n  cancel-in-progress: false\n\njobs:"),
      ),
      prod,
    );
    expect(queue).toEqual([
      "deploy.yml dev > pulumi: deploys outside the per-stack concurrency group deploy-dev without cancellation (got undefined)",
      `deploy.yml: a workflow-wide concurrency group ({"group":"deploy-main","cancel-in-progress":false}) holds every stack's deploy behind a waiting one`,
    ]);
    expect(
      violations(
        variant(
          "deploy.yml",
          replace(
            /group: deploy-prod\n(\s+)cancel-in-progress: false/,
            "group: deploy-prod\n$1cancel-in-progress: true",
          ),
        ),
        prod,
      ),
    ).toEqual([
      expect.stringMatching(
        /^deploy\.yml prod > pulumi: deploys outside the per-stack concurrency group deploy-prod/,
      ),
    ]);
  });

  it("a destroy from any branch, a queue inside the shared workflow", () => {
    expect(
      violations(
        variant("deploy.yml", (s) =>
          s
            .replace(/(prod:[\s\S]*?)command: up/, "$1command: destroy")
            .replace(/(prod:[\s\S]*?)\n {4}if: github\.ref == 'refs\/heads\/main'/, "$1"),
        ),
        prod,
      ),
    ).toEqual([
      "deploy.yml prod > pulumi: deploys without the condition github.ref == 'refs/heads/main' (got none)",
    ]);
    for (const edit of [
      (s: string) => s.replace("\njobs:", "\nconcurrency:\n  group: pulumi\n\njobs:"),
      (s: string) => s.replace(/(\n {2}pulumi:\n)/, "$1    concurrency: pulumi\n"),
    ])
      expect(violations(variant("pulumi.yml", edit), prod)).toEqual([
        expect.stringMatching(/^pulumi\.yml: a concurrency group in the shared workflow/),
      ]);
  });

  it("an expression pasted into a script, pull-requests: write where the application's code runs", () => {
    expect(
      violations(
        variant("check-service.yml", replace('bash -c "$START"', `bash -c "\${{ inputs.start }}"`)),
        prod,
      ),
    ).toEqual([
      "check-service.yml check: step Start the service expands an expression inside its script; pass it through env",
    ]);
    expect(
      violations(
        variant(
          "check-service.yml",
          replace(/(\n {2}check:\n[\s\S]*?permissions:\n)/, "$1      pull-requests: write\n"),
        ),
        prod,
      ),
    ).toEqual(["check-service.yml check: pull-requests: write"]);
    expect(
      violations(
        variant("check-service.yml", replace(/^permissions:\n {2}contents: read/m, "permissions: write-all")),
        prod,
      ),
    ).toEqual(['check-service.yml (workflow): permissions "write-all" instead of a per-scope list']);
  });

  it("permissions beyond what a job uses", () => {
    // id-token for a job that exchanges nothing (the rendered-diff job runs the branch's code).
    expect(
      violations(
        variant(
          "pull-request.yml",
          replace(/(rendered-diff:[\s\S]*?permissions:\n)/, "$1      id-token: write\n"),
        ),
        prod,
      ),
    ).toEqual(["pull-request.yml rendered-diff: id-token: write without a token exchange"]);
    expect(
      violations(
        variant("deploy.yml", replace(/^permissions:\n {2}contents: read/m, "permissions: write-all")),
        prod,
      ),
    ).toEqual(['deploy.yml (workflow): permissions "write-all" instead of a per-scope list']);
    expect(
      violations(
        variant(
          "deploy.yml",
          replace(/(prod:\n[\s\S]*?)contents: read/, "$1contents: write\n      pull-requests: write"),
        ),
        prod,
      ),
    ).toEqual(["deploy.yml prod: contents: write, expected read", "deploy.yml prod: pull-requests: write"]);
    expect(
      violations(
        variant("pull-request.yml", replace(/(preview-dev:[\s\S]*?)\n {6}id-token: write/, "$1")),
        prod,
      ),
    ).toEqual(["pull-request.yml preview-dev: exchanges an OIDC token without id-token: write"]);
  });
});
