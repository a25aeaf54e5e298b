import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, SECRET_PLACEHOLDER } from "./recorded";

export * from "./recorded";

/** Deterministic fake state for resources, so outputs such as ARNs and bucket names resolve. */
function mockState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const state: Record<string, unknown> = { ...args.inputs };
  if (args.type.startsWith("aws:")) {
    const physical = (args.inputs.bucket as string | undefined) ?? args.name;
    state.arn ??= args.type.startsWith("aws:s3/")
      ? `arn:aws:s3:::${physical}`
      : `arn:aws:${args.type.split(/[:/]/)[1]}:us-east-1:123456789012:${args.name}`;
    if (args.type === "aws:s3/bucket:Bucket") state.bucket ??= physical;
    if (args.type === "aws:kms/key:Key") state.keyId ??= `${args.name}-key-id`;
  }
  // Sentry's numeric team id, which email actions target (the slug is not accepted there).
  if (args.type === "sentry:index/sentryTeam:SentryTeam") state.internalId ??= `${args.name}-internal-id`;
  // PagerDuty computes these; fake ones show the wiring (the key is a secret in the render).
  if (args.type === "pagerduty:index/serviceIntegration:ServiceIntegration")
    state.integrationKey ??= `${args.name}-integration-key`;
  if (args.type === "pagerduty:index/service:Service")
    state.htmlUrl ??= `https://example.pagerduty.com/service-directory/${args.name}-id`;
  // Obvious fake PEMs, so certificate wiring shows in the render (the real provider computes them).
  const pem = (label: string) => `-----BEGIN ${label}-----\nMOCK ${args.name}\n-----END ${label}-----`;
  if (args.type === "tls:index/privateKey:PrivateKey") {
    state.privateKeyPem ??= pem("PRIVATE KEY");
    state.publicKeyPem ??= pem("PUBLIC KEY");
  }
  if (args.type === "tls:index/certRequest:CertRequest") state.certRequestPem ??= pem("CERTIFICATE REQUEST");
  if (
    args.type === "tls:index/selfSignedCert:SelfSignedCert" ||
    args.type === "tls:index/locallySignedCert:LocallySignedCert"
  )
    state.certPem ??= pem("CERTIFICATE");
  // An Ingress gets the address its controller would publish: an ALB's name for class alb, an
  // NLB's (ingress-nginx behind one) otherwise, so the DNS record and its alias show in the render.
  if (args.type === "kubernetes:networking.k8s.io/v1:Ingress") {
    const spec = args.inputs.spec as { ingressClassName?: string } | undefined;
    const hostname =
      spec?.ingressClassName === "alb"
        ? `${args.name}-mock-1234567890.us-east-1.elb.amazonaws.com`
        : `${args.name}-mock-0123456789abcdef.elb.us-east-1.amazonaws.com`;
    state.status ??= { loadBalancer: { ingress: [{ hostname }] } };
  }
  // A TLS Secret read from the cluster (Secret.get) carries a CA, as a private issuer's does.
  if (args.type === "kubernetes:core/v1:Secret" && args.id !== undefined)
    state.data ??= { "ca.crt": Buffer.from(pem("CERTIFICATE")).toString("base64") };
  return state;
}

/** The ELB hosted zones of aws.lb.getHostedZoneId: obvious fakes per load-balancer type. */
const mockHostedZone = (inputs: Record<string, unknown>) => ({
  id: inputs.loadBalancerType === "network" ? "ZMOCKNLBZONE" : "ZMOCKALBZONE",
  region: inputs.region ?? "us-east-1",
  loadBalancerType: inputs.loadBalancerType ?? "application",
});

const CALLS: Record<string, Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": {
    accountId: "123456789012",
    arn: "arn:aws:iam::123456789012:user/offline",
    userId: "OFFLINE",
  },
  "aws:index/getRegion:getRegion": { name: "us-east-1", region: "us-east-1", id: "us-east-1" },
  "aws:index/getPartition:getPartition": { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" },
};

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface MockMonitorLike {
  registerResource(
    req: RegisterRequest,
    cb: (err: unknown, resp: { getUrn(): string } | undefined) => void,
  ): unknown;
}

// Not in the public typings, but what every mocked program needs: the monitor to record parents
// and resource options, and a way to wait until late registrations (inside applies) are done.
// biome-ignore lint/suspicious/noExplicitAny: internal Pulumi runtime modules are untyped.
const settings: any = require("@pulumi/pulumi/runtime/settings");

/**
 * Installs Pulumi's mock runtime for one program run and records every resource registration with
 * its parent and options (which the public Mocks API does not expose).
 */
export async function installMockRuntime(
  project: string,
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
): Promise<{ resources: RecordedResource[]; settle(): Promise<void> }> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        // Buckets get their physical name as ID, as in AWS, so rendered references read naturally.
        id: (args.type === "aws:s3/bucket:Bucket" && (args.inputs.bucket as string)) || `${args.name}-id`,
        state: mockState(args),
      }),
      call: (args) =>
        args.token === "aws:lb/getHostedZoneId:getHostedZoneId"
          ? mockHostedZone(args.inputs)
          : (CALLS[args.token] ?? {}),
    },
    project,
    stack,
    false,
  );
  const resources: RecordedResource[] = [];
  const monitor = settings.getMonitor() as MockMonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        resources.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || undefined,
          custom: req.getCustom(),
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
          dependencies: req.getDependenciesList(),
          inputs: req.getObject()?.toJavaScript() ?? {},
        });
      }
      cb(err, resp);
    });
  return { resources, settle: () => settings.waitForRPCs() };
}

/** Resolves a (possibly nested) Output value, keeping secrets as "[secret]". */
export async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const out = value as pulumi.Output<unknown>;
    const [plain, secret] = await Promise.all([
      new Promise((resolve) => out.apply((v) => resolve(v))),
      pulumi.isSecret(out),
    ]);
    return secret ? SECRET_PLACEHOLDER : resolveOutputs(plain);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (value && typeof value === "object" && !(value instanceof pulumi.Resource)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)]),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
