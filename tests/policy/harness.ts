import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy } from "@pulumi/policy";
import { type RecordedResource, recordedSecret } from "../../scripts/lib/recorded";

// The analyzer's own deserializer: secrets unwrapped, exactly as a policy sees them under `pulumi preview`.
// biome-ignore lint/suspicious/noExplicitAny: internal module without public typings.
const { deserializeProperties } = require("@pulumi/policy/deserialize") as any;

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

export interface RunResult {
  violations: Violation[];
  /** Policies that declared themselves not applicable, with the reason. */
  notApplicable: { policy: string; reason?: string }[];
}

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "not applicable");
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/** Turns recorded resources (the render, or synthetic ones) into what the analyzer hands policies. */
export function policyResources(recorded: RecordedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out = recorded.map((r): PolicyResource => {
    const props = unknownCheckingProxy(deserializeProperties({ toJavaScript: () => r.inputs }, false));
    const res: PolicyResource = {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props,
      opts: {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent,
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => {
        throw new Error("policies in this pack compare type tokens; isType is not supported by the harness");
      },
      asType: () => {
        throw new Error("policies in this pack compare type tokens; asType is not supported by the harness");
      },
    };
    byUrn.set(r.urn, res);
    return res;
  });
  for (const [i, r] of recorded.entries()) {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent && out[i]) out[i].parent = parent;
  }
  return out;
}

const levelOf = (p: ResourceValidationPolicy | StackValidationPolicy): EnforcementLevel =>
  p.enforcementLevel ?? "advisory";

/** Runs policies the way the analyzer does: every resource policy on each resource, every stack policy once. */
export async function runPolicies(
  policies: Policies,
  recorded: RecordedResource[],
  stack = "dev",
  /** Policy config by policy name, as `--policy-pack-config` would give it. */
  config: Record<string, Record<string, unknown>> = {},
): Promise<RunResult> {
  const resources = policyResources(recorded);
  const result: RunResult = { violations: [], notApplicable: [] };
  const stackTags = new Map<string, string>([["pulumi:project", "observability"]]);
  for (const policy of policies) {
    const report = (urn?: string) => (message: string, at?: string) =>
      result.violations.push({
        policy: policy.name,
        enforcementLevel: levelOf(policy),
        message,
        urn: at ?? urn,
      });
    const getConfig = <T extends object>(): T => {
      const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {}).map(([k, v]) => [
          k,
          (v as { default?: unknown }).default,
        ]),
      );
      return { ...defaults, ...config[policy.name] } as T;
    };
    try {
      if ("validateStack" in policy) {
        const args: StackValidationArgs = { resources, stackTags, getConfig, notApplicable };
        await policy.validateStack(args, report());
      } else if (policy.validateResource) {
        const checks = Array.isArray(policy.validateResource)
          ? policy.validateResource
          : [policy.validateResource];
        for (const r of resources) {
          const args: ResourceValidationArgs = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: r.props,
            opts: r.opts,
            stackTags,
            isType: r.isType,
            asType: r.asType as unknown as ResourceValidationArgs["asType"],
            getConfig,
            notApplicable,
          };
          try {
            for (const check of checks) await check(args, report(r.urn));
          } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
          }
        }
      }
    } catch (err) {
      if (err instanceof NotApplicable)
        result.notApplicable.push({ policy: policy.name, reason: err.reason });
      else throw new Error(`policy ${policy.name} threw on stack ${stack}: ${(err as Error).stack}`);
    }
  }
  return result;
}

/** Violations of mandatory policies, as readable lines (empty when the stack passes). */
export const mandatory = (r: RunResult): string[] =>
  r.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);

export const violationsOf = (r: RunResult, policy: string): string[] =>
  r.violations.filter((v) => v.policy === policy).map((v) => v.message);

/** A synthetic resource for policy unit tests, shaped like a recorded one. */
export function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  opts: { parent?: string; protect?: boolean; stack?: string } = {},
): RecordedResource {
  const stack = opts.stack ?? "dev";
  return {
    urn: `urn:pulumi:${stack}::observability::${type}::${name}`,
    type,
    name,
    parent: opts.parent,
    custom: true,
    protect: opts.protect ?? false,
    retainOnDelete: opts.protect ?? false,
    inputs,
  };
}

/** Wraps a value the way the engine serializes a Pulumi secret. */
export const secretValue = recordedSecret;

/**
 * The render's resources plus the root stack resource, whose props the analyzer fills with the
 * stack outputs (secrets as "[secret]", as the render resolves them). Undefined values are
 * dropped, as the engine's serialization drops them.
 */
export function withStackResource(render: {
  stack: string;
  resources: RecordedResource[];
  outputs: unknown;
}): RecordedResource[] {
  const root = resource(
    "pulumi:pulumi:Stack",
    `observability-${render.stack}`,
    JSON.parse(JSON.stringify(render.outputs ?? {})) as Record<string, unknown>,
    {
      stack: render.stack,
    },
  );
  return [root, ...render.resources];
}
