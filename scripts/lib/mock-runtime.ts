import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, SECRET_PLACEHOLDER } from "./recorded";

export * from "./recorded";

/** The account the offline render "deploys" to when the stack states none (`aws:allowedAccountIds`). */
export const OFFLINE_ACCOUNT = "123456789012";

/**
 * The offline account: the stack's deploy account when `aws:allowedAccountIds` names one, so that
 * ARNs and `aws.getCallerIdentity` agree with the account the config's ARNs were checked against.
 */
export function offlineAccount(config: Record<string, string>): string {
  try {
    const ids = JSON.parse(config["aws:allowedAccountIds"] ?? "[]") as unknown;
    if (Array.isArray(ids) && typeof ids[0] === "string") return ids[0];
  } catch {
    // Not a list: the config check reports it; the render keeps the fake account.
  }
  return OFFLINE_ACCOUNT;
}

/** Deterministic fake state for resources, so outputs such as ARNs and bucket names resolve. */
function mockState(
  args: pulumi.runtime.MockResourceArgs,
  account = OFFLINE_ACCOUNT,
): Record<string, unknown> {
  const state: Record<string, unknown> = { ...args.inputs };
  if (args.type.startsWith("aws:")) {
    const physical = (args.inputs.bucket as string | undefined) ?? args.name;
    state.arn ??= args.type.startsWith("aws:s3/")
      ? `arn:aws:s3:::${physical}`
      : `arn:aws:${args.type.split(/[:/]/)[1]}:us-east-1:${account}:${args.name}`;
    if (args.type === "aws:s3/bucket:Bucket") state.bucket ??= physical;
    if (args.type === "aws:kms/key:Key") state.keyId ??= `${args.name}-key-id`;
    // RDS names what Pulumi auto-names; the endpoint is `address:port`, as RDS reports it.
    if (args.type === "aws:rds/subnetGroup:SubnetGroup") state.name ??= `${args.name}-name`;
    if (args.type === "aws:rds/instance:Instance") {
      state.identifier ??= `${args.name}-identifier`;
      state.address ??= `${state.identifier}.offline.us-east-1.rds.amazonaws.com`;
      state.endpoint ??= `${state.address}:${args.inputs.port ?? 5432}`;
    }
  }
  // A generated value that says it is one (the real provider draws it at random; a secret output).
  if (args.type === "random:index/randomPassword:RandomPassword") state.result ??= `mock-random-${args.name}`;
  // Grafana mints the service-account token (a secret output): a fake one shows the provider's wiring.
  if (args.type === "grafana:oss/serviceAccountRotatingToken:ServiceAccountRotatingToken")
    state.key ??= `mock-token-${args.name}`;
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

/** Provider functions the program calls, answered as the provider would (a prerequisite: present). */
const CALLS: Record<string, (inputs: Record<string, unknown>, account: string) => Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": (_, account) => ({
    accountId: account,
    arn: `arn:aws:iam::${account}:user/offline`,
    userId: "OFFLINE",
  }),
  "aws:index/getRegion:getRegion": () => ({ name: "us-east-1", region: "us-east-1", id: "us-east-1" }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
  "aws:lb/getHostedZoneId:getHostedZoneId": mockHostedZone,
  // An EKS cluster's provider, registered for IRSA (`eksctl utils associate-iam-oidc-provider`).
  "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": (inputs) => ({
    arn: inputs.arn,
    id: inputs.arn,
    url: String(inputs.arn).replace(/^.*:oidc-provider\//, ""),
    clientIdLists: ["sts.amazonaws.com"],
    thumbprintLists: [],
    tags: {},
  }),
};

/** A looked-up Kubernetes object as the cluster would return it: present, with its name. */
function readState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const [, apiVersion, kind] = args.type.split(":");
  const name = String(args.id).split("/").pop();
  const state: Record<string, unknown> = {
    apiVersion: apiVersion?.replace(/^core\//, ""),
    kind,
    metadata: { name },
  };
  // A class fit for the stack's zonal, growing volumes.
  if (kind === "StorageClass")
    Object.assign(state, {
      provisioner: "ebs.csi.aws.com",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
  // The AWS Load Balancer Controller's class is `alb`; any other is ingress-nginx's here.
  if (kind === "IngressClass")
    state.spec = { controller: name === "alb" ? "ingress.k8s.aws/alb" : "k8s.io/ingress-nginx" };
  return state;
}

/** What the mocks answer differently from a healthy cluster and account, for a test. */
export interface MockAnswers {
  /**
   * Lookups that find nothing: a read Kubernetes object as `<type token>/<id>` (e.g.
   * `kubernetes:storage.k8s.io/v1:StorageClass/gp3`), or a provider function's token. Each fails
   * with the error its provider or the engine gives.
   */
  absent?: readonly string[];
  /** Provider functions' answers that replace the default ones, by token. */
  calls?: Readonly<Record<string, Record<string, unknown>>>;
  /** Read Kubernetes objects' state merged over the default, as `<type token>/<id>`. */
  reads?: Readonly<Record<string, Record<string, unknown>>>;
  /**
   * Created resources' state merged over the default, as `<type token>/<name>`: what a provider
   * would compute differently, e.g. a RandomPassword's `result` drawn again (`pulumi up --replace`).
   */
  created?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * `aws.ec2.getSubnet` in the offline account: the subnet is where the stack's config says
 * (grafana.database.subnets), in one VPC; a subnet the config does not name is in no known zone.
 */
function mockSubnet(
  inputs: Record<string, unknown>,
  config: Record<string, string>,
): Record<string, unknown> {
  const id = String(inputs.id);
  let zone = "unknown";
  for (const [key, value] of Object.entries(config))
    if (key.endsWith(":grafana")) {
      const subnets = (JSON.parse(value) as { database?: { subnets?: { id: string; zone: string }[] } })
        .database?.subnets;
      zone = subnets?.find((s) => s.id === id)?.zone ?? zone;
    }
  return { id, availabilityZone: zone, vpcId: "vpc-0offline000000000", cidrBlock: "10.0.0.0/24" };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
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
  answers: MockAnswers = {},
): Promise<{ resources: RecordedResource[]; lookups: string[]; settle(): Promise<void> }> {
  const absent = new Set(answers.absent ?? []);
  /** Every lookup the program made (reads and provider functions), in order. */
  const lookups: string[] = [];
  const account = offlineAccount(config);
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        // A read (`.get`) of an existing object: its ID is given.
        if (args.id !== undefined && args.id !== "") {
          const key = `${args.type}/${args.id}`;
          lookups.push(key);
          // The engine's own words when a read finds nothing.
          if (absent.has(key)) throw new Error(`resource '${args.id}' does not exist`);
          return {
            id: args.id,
            state: { ...readState(args), ...mockState(args, account), ...answers.reads?.[key] },
          };
        }
        return {
          // Buckets get their physical name as ID, as in AWS, so rendered references read naturally.
          id: (args.type === "aws:s3/bucket:Bucket" && (args.inputs.bucket as string)) || `${args.name}-id`,
          state: { ...mockState(args, account), ...answers.created?.[`${args.type}/${args.name}`] },
        };
      },
      call: (args) => {
        lookups.push(args.token);
        if (absent.has(args.token))
          throw new Error(`${args.token}: couldn't find resource ${JSON.stringify(args.inputs)}`);
        return (
          answers.calls?.[args.token] ??
          (args.token === "aws:ec2/getSubnet:getSubnet"
            ? mockSubnet(args.inputs, config)
            : CALLS[args.token]?.(args.inputs, account)) ??
          {}
        );
      },
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
          ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: req.getIgnorechangesList() } : {}),
          dependencies: req.getDependenciesList(),
          inputs: req.getObject()?.toJavaScript() ?? {},
        });
      }
      cb(err, resp);
    });
  return { resources, lookups, settle: () => settings.waitForRPCs() };
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
