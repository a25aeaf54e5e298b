/**
 * The rules that keep CI from reaching prod from a branch (docs/ci.md, "Who gets which
 * credential"), checked on parsed workflow files. Kept apart from the test so that the same rules
 * run on the workflows of any commit (the rule tests feed them broken variants).
 */

// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is read field by field.
export type Workflow = any;
/** Parsed workflows by file name (`deploy.yml`). */
export type Workflows = Record<string, Workflow>;

/** What identifies prod: its stack name and the AWS accounts it deploys to. */
export interface Prod {
  stack: string;
  accounts: string[];
}

export const PULUMI_TOKEN = "urn:pulumi:token-type:access_token:";
/** The GitHub environment whose required reviewers gate every prod credential of a pull request. */
export const PROD_PREVIEW_ENVIRONMENT = "prod-preview";
/** The only branch deploys run from. */
export const DEPLOY_BRANCH_CONDITION = "github.ref == 'refs/heads/main'";

/** One job (one matrix entry, one call of a reusable workflow) that exchanges GitHub's OIDC token. */
export interface CredentialJob {
  workflow: string;
  /** The calling job's id, or `<caller> > <called job>` for a reusable workflow's job. */
  job: string;
  caller: Workflow;
  triggers: string[];
  /** The GitHub environment of the job holding the exchange steps, as GitHub will see it. */
  environment: string | undefined;
  /** Pulumi's `requested-token-type` and `scope`, when the job asks Pulumi Cloud. */
  pulumiTokenType: string | undefined;
  pulumiScope: string | undefined;
  awsRole: string | undefined;
  /** The stack and the command, when the job runs `pulumi/actions`. */
  stack: string | undefined;
  command: string | undefined;
}

/** Pull-request triggers: pull_request runs the branch's workflow files; pull_request_target is refused outright. */
const BRANCH_TRIGGERS = ["pull_request", "pull_request_target"];
const fromBranch = (triggers: string[]): boolean => triggers.some((t) => BRANCH_TRIGGERS.includes(t));

const triggersOf = (w: Workflow): string[] =>
  typeof w.on === "string" ? [w.on] : Array.isArray(w.on) ? w.on : Object.keys(w.on ?? {});

/** Replaces `${{ inputs.x }}` and `${{ matrix.x }}` by their values; leaves other expressions. */
function substitute(value: unknown, ctx: Record<string, Record<string, unknown>>): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value).replace(/\$\{\{\s*(inputs|matrix)\.([\w-]+)\s*\}\}/g, (whole, scope: string, key) => {
    const v = ctx[scope]?.[key];
    return v === undefined ? whole : String(v);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: steps are read field by field.
type Step = any;
const AUTH = "pulumi/auth-actions@";
const AWS = "aws-actions/configure-aws-credentials@";
const exchanges = (steps: Step[] = []): boolean =>
  steps.some((s) => typeof s.uses === "string" && (s.uses.startsWith(AUTH) || s.uses.startsWith(AWS)));

/** The file a job's `uses: ./.github/workflows/x.yml` calls, if any. */
const calledFile = (job: Workflow): string | undefined =>
  typeof job.uses === "string" ? /^\.\/\.github\/workflows\/([^@/]+)$/.exec(job.uses)?.[1] : undefined;

/** The matrix entries of a job (one empty entry without a matrix). */
function matrixEntries(job: Workflow): Record<string, unknown>[] {
  const m = job.strategy?.matrix;
  if (!m) return [{}];
  if (Array.isArray(m.include) && Object.keys(m).length === 1) return m.include;
  // A cross-product matrix: expand it (include/exclude are not used by these workflows' matrices).
  return Object.entries(m as Record<string, unknown[]>)
    .filter(([k]) => k !== "include" && k !== "exclude")
    .reduce<Record<string, unknown>[]>(
      (acc, [k, vs]) => acc.flatMap((e) => (Array.isArray(vs) ? vs : [vs]).map((v) => ({ ...e, [k]: v }))),
      [{}],
    );
}

function credentialJob(
  workflow: string,
  name: string,
  caller: Workflow,
  triggers: string[],
  job: Workflow,
  ctx: Record<string, Record<string, unknown>>,
): CredentialJob {
  const steps: Step[] = job.steps ?? [];
  const auth = steps.find((s) => s.uses?.startsWith(AUTH));
  const aws = steps.find((s) => s.uses?.startsWith(AWS));
  const pulumi = steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
  const env = typeof job.environment === "object" ? job.environment?.name : job.environment;
  const stackName = substitute(pulumi?.with?.["stack-name"], ctx);
  return {
    workflow,
    job: name,
    caller,
    triggers,
    environment: substitute(env, ctx),
    pulumiTokenType: auth ? (substitute(auth.with?.["requested-token-type"], ctx) ?? "(default)") : undefined,
    pulumiScope: substitute(auth?.with?.scope, ctx),
    awsRole: substitute(aws?.with?.["role-to-assume"], ctx),
    stack: stackName?.split("/").pop(),
    command: substitute(pulumi?.with?.command, ctx),
  };
}

/** Every job that exchanges an OIDC token, per matrix entry, with the values its caller passes. */
export function credentialJobs(wfs: Workflows): CredentialJob[] {
  const out: CredentialJob[] = [];
  for (const [file, w] of Object.entries(wfs)) {
    const triggers = triggersOf(w);
    // Reusable workflows are checked through their callers, with the inputs these pass.
    if (triggers.length === 1 && triggers[0] === "workflow_call") continue;
    for (const [id, job] of Object.entries<Workflow>(w.jobs ?? {})) {
      for (const matrix of matrixEntries(job)) {
        const called = calledFile(job);
        if (called === undefined) {
          if (exchanges(job.steps)) out.push(credentialJob(file, id, job, triggers, job, { matrix }));
          continue;
        }
        const target = wfs[called];
        if (!target) continue;
        const declared = (target.on?.workflow_call?.inputs ?? {}) as Record<string, { default?: unknown }>;
        const inputs: Record<string, unknown> = {};
        for (const [k, d] of Object.entries(declared)) if (d.default !== undefined) inputs[k] = d.default;
        for (const [k, v] of Object.entries(job.with ?? {})) inputs[k] = substitute(v, { matrix });
        for (const [cid, cjob] of Object.entries<Workflow>(target.jobs ?? {}))
          if (exchanges(cjob.steps))
            out.push(credentialJob(file, `${id} > ${cid}`, job, triggers, cjob, { inputs, matrix }));
      }
    }
  }
  return out;
}

const accountOf = (arn: string | undefined): string | undefined =>
  /^arn:aws:iam::(\d{12}):/.exec(arn ?? "")?.[1];

/** Whether a job's credentials reach prod: its stack, its AWS account, or a Pulumi team named for prod. */
export const reachesProd = (j: CredentialJob, prod: Prod): boolean =>
  j.stack === prod.stack ||
  prod.accounts.includes(accountOf(j.awsRole) ?? "") ||
  (j.pulumiScope ?? "").split(/[:-]/).includes(prod.stack);

/** Every rule a set of workflows breaks, as `file job: what`. */
export function violations(wfs: Workflows, prod: Prod): string[] {
  const out: string[] = [];
  for (const [file, w] of Object.entries(wfs)) {
    const triggers = triggersOf(w);
    if (triggers.includes("pull_request_target"))
      out.push(
        `${file}: triggered by pull_request_target, which runs with the base repository's credentials`,
      );
    out.push(...permissionViolations(file, w, wfs));
    out.push(...injectionViolations(file, w));
  }
  const jobs = credentialJobs(wfs);
  for (const j of jobs) {
    const at = `${j.workflow} ${j.job}`;
    const branch = fromBranch(j.triggers);
    if (j.pulumiTokenType !== undefined && j.pulumiTokenType !== `${PULUMI_TOKEN}team`)
      out.push(
        `${at}: requests Pulumi token ${j.pulumiTokenType}${branch ? " in a pull_request workflow" : ""}; only team tokens (stack permissions of one team) are allowed`,
      );
    if (j.pulumiTokenType !== undefined && !/^team:[\w.-]+$/.test(j.pulumiScope ?? ""))
      out.push(`${at}: Pulumi token without a team:<name> scope (${j.pulumiScope ?? "none"})`);
    if (j.environment === undefined || j.environment.includes("${{"))
      out.push(
        `${at}: exchanges an OIDC token outside a fixed GitHub environment (${j.environment ?? "none"})`,
      );
    if (branch) {
      if (j.command !== undefined && j.command !== "preview")
        out.push(`${at}: runs pulumi ${j.command} from a pull request`);
      if (reachesProd(j, prod) && j.environment !== PROD_PREVIEW_ENVIRONMENT)
        out.push(
          `${at}: a prod credential in environment ${j.environment ?? "none"}, not the reviewer-gated ${PROD_PREVIEW_ENVIRONMENT}`,
        );
    } else if (j.environment === PROD_PREVIEW_ENVIRONMENT) {
      out.push(`${at}: uses ${PROD_PREVIEW_ENVIRONMENT} outside pull requests`);
    }
    // Anything but a preview changes a stack: up, destroy, refresh, import.
    if (j.command !== undefined && j.command !== "preview") {
      if (branch) continue; // reported above
      if (j.caller.if !== DEPLOY_BRANCH_CONDITION)
        out.push(
          `${at}: deploys without the condition ${DEPLOY_BRANCH_CONDITION} (got ${j.caller.if ?? "none"})`,
        );
      const c = j.caller.concurrency;
      if (c?.group !== `deploy-${j.stack}` || c?.["cancel-in-progress"] !== false)
        out.push(
          `${at}: deploys outside the per-stack concurrency group deploy-${j.stack} without cancellation (got ${JSON.stringify(c)})`,
        );
      if (wfs[j.workflow].concurrency !== undefined)
        out.push(
          `${j.workflow}: a workflow-wide concurrency group (${JSON.stringify(wfs[j.workflow].concurrency)}) holds every stack's deploy behind a waiting one`,
        );
    }
  }
  // A group inside the shared workflow would queue every stack's runs together, whatever the
  // callers' groups say: dev waiting behind a prod approval again.
  for (const [file, w] of Object.entries(wfs)) {
    if (!triggersOf(w).every((t) => t === "workflow_call")) continue;
    const groups = [
      w.concurrency,
      ...Object.values(w.jobs ?? {}).map((job) => (job as { concurrency?: unknown }).concurrency),
    ];
    for (const c of groups.filter((g) => g !== undefined))
      out.push(
        `${file}: a concurrency group in the shared workflow (${JSON.stringify(c)}) queues every stack together`,
      );
  }
  return [...new Set(out)];
}

/** A job's effective permissions: its own, else its workflow's. */
function permissionViolations(file: string, w: Workflow, wfs: Workflows): string[] {
  const out: string[] = [];
  const branch = fromBranch(triggersOf(w));
  const reusable = triggersOf(w).every((t) => t === "workflow_call");
  const check = (at: string, p: unknown, exchangesToken: boolean, comments: boolean) => {
    if (p === undefined) {
      // A reusable workflow's job runs with what its caller grants; the caller is checked.
      if (!reusable) out.push(`${at}: no permissions block, so the repository's default token permissions`);
      return;
    }
    if (typeof p === "string" || p === null || typeof p !== "object") {
      out.push(`${at}: permissions ${JSON.stringify(p)} instead of a per-scope list`);
      return;
    }
    const perms = p as Record<string, string>;
    if (perms.contents !== "read") out.push(`${at}: contents: ${perms.contents ?? "none"}, expected read`);
    for (const [scope, level] of Object.entries(perms)) {
      if (level !== "write" || scope === "contents") continue; // contents: reported above
      if (scope === "id-token" && exchangesToken) continue;
      // A reusable workflow comments on its caller's pull request; the caller's grant bounds it.
      if (scope === "pull-requests" && (branch || reusable) && comments) continue;
      out.push(`${at}: ${scope}: write${scope === "id-token" ? " without a token exchange" : ""}`);
    }
    if (exchangesToken && perms["id-token"] !== "write")
      out.push(`${at}: exchanges an OIDC token without id-token: write`);
  };
  check(`${file} (workflow)`, w.permissions, false, false);
  for (const [id, job] of Object.entries<Workflow>(w.jobs ?? {})) {
    const called = calledFile(job);
    const jobs: Workflow[] = called ? Object.values(wfs[called]?.jobs ?? {}) : [job];
    const steps: Step[] = jobs.flatMap((j) => j.steps ?? []);
    const comments = steps.some(
      (s) =>
        s.uses?.startsWith("marocchino/sticky-pull-request-comment@") ||
        (s.uses?.startsWith("pulumi/actions@") && s.with?.["comment-on-pr"] !== undefined),
    );
    // Only the job's own block counts here; without one it has the workflow's, checked above.
    if (job.permissions !== undefined || exchanges(steps))
      check(`${file} ${id}`, job.permissions ?? w.permissions, exchanges(steps), comments);
  }
  return out;
}

/**
 * A `${{ }}` inside a `run:` script is pasted into the script before the shell reads it: an input,
 * a branch name or a title can then run commands. Values reach scripts through `env:` instead.
 */
function injectionViolations(file: string, w: Workflow): string[] {
  const out: string[] = [];
  for (const [id, job] of Object.entries<Workflow>(w.jobs ?? {}))
    for (const [i, step] of ((job.steps ?? []) as Step[]).entries())
      if (typeof step.run === "string" && step.run.includes("${{"))
        out.push(
          `${file} ${id}: step ${step.name ?? step.id ?? i + 1} expands an expression inside its script; pass it through env`,
        );
  return out;
}
