import { createHash } from "node:crypto";
import type { StackConfig } from "../../config";
import { LOGGING_LABELS } from "./names";
import { generated, type Ref, ref, secretRef } from "../refs";
import { ECK_API, elasticsearchAnnotations, elasticsearchSpec, filebeatSpec, kibanaSpec } from "./eck";
import { httpTlsPlan } from "./http-tls";
import { ROLE_ARN_ANNOTATION } from "../iam";
import { type IrsaRole, irsaServiceAccount } from "./iam";
import { eckNames } from "./names";
import { type SettingsJob, settingsPlans } from "./plan";
import { GRAFANA_READER_ROLE, MONITORING_ROLE } from "./roles";
import type { ApplierRetryPolicy } from "./types";
import { APPLIER_IMAGE as APPLIER_PIN, ECK_OPERATOR } from "../../versions";
import { ECK_OPERATOR_NAMESPACE, eckOperatorMetricsValues } from "../platform/eck-operator";
import { type PodSecurityInput, podSecurity, securedNamespace } from "../pod-security";

/**
 * The logging stack's Kubernetes objects other than its data. `ref("namespace")` is the Namespace
 * the component creates: referring to it makes every object wait for it.
 */
export { LOGGING_LABELS } from "./names";
/**
 * What the settings Jobs' pods carry besides LOGGING_LABELS: a name common to both, by which a
 * NetworkPolicy lets them reach Elasticsearch, and the Job (SETTINGS_JOBS) as the component, by
 * which only a Job with Kibana steps reaches Kibana (infra/generators/network-policies/).
 */
export const SETTINGS_POD_NAME = "logging-settings";
export const settingsPodLabels = (which: SettingsJob) => ({
  ...LOGGING_LABELS,
  "app.kubernetes.io/name": SETTINGS_POD_NAME,
  "app.kubernetes.io/component": which,
});
const NAMESPACE = ref("namespace");

/**
 * The ECK operator chart (Elastic's Helm repository, pinned in infra/versions.ts); it installs the
 * CRDs the resources need. They are templates of its eck-operator-crds subchart, not files of
 * `crds/`, so `helm upgrade` updates them with the operator.
 */
export const ECK_CHART = {
  chart: ECK_OPERATOR.chart,
  repo: ECK_OPERATOR.repo,
  namespace: ECK_OPERATOR_NAMESPACE,
} as const;

export function eckOperatorRelease(config: Pick<StackConfig, "logging">) {
  return {
    name: "elastic-operator",
    chart: ECK_CHART.chart,
    version: config.logging.eckOperatorVersion,
    repositoryOpts: { repo: ECK_CHART.repo },
    namespace: ECK_CHART.namespace,
    // Helm creates the namespace, as it did on every stack deployed before; the component then
    // patches its Pod Security labels onto it (eckOperatorNamespace). Creating it as a Namespace
    // instead would stop every existing stack's `up` at "already exists" (pulumi-kubernetes 4.29+)
    // until someone imported it by hand.
    createNamespace: true,
    values: {
      installCRDs: true,
      // The operator's metrics port, which the platform's PodMonitor scrapes (infra/generators/platform).
      ...eckOperatorMetricsValues(),
      // The restricted standard of its namespace: the chart's pod context (runAsNonRoot) sets no
      // seccomp profile; its container context drops every capability already.
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    },
  };
}

export const loggingNamespace = (config: PodSecurityInput) =>
  securedNamespace(podSecurity(config).logging, LOGGING_LABELS);

/**
 * The Pod Security labels and reason of the ECK operator's namespace (`elastic-system`), as a patch
 * of the namespace its release creates: the same on a new cluster and on one where an earlier
 * release created it. `patchForce` takes the labels over from whoever set them before (a
 * `kubectl label`): the stack decides its namespaces' levels.
 */
export function eckOperatorNamespace(config: PodSecurityInput) {
  const ns = securedNamespace(podSecurity(config).eckOperator, LOGGING_LABELS);
  return {
    metadata: {
      ...ns.metadata,
      annotations: { ...ns.metadata.annotations, "pulumi.com/patchForce": "true" },
    },
  };
}

/** Filebeat's namespace: Filebeat reads the nodes' log files (a privileged pod), away from the logging namespace. */
export const filebeatNamespace = (config: PodSecurityInput) =>
  securedNamespace(podSecurity(config).filebeat, LOGGING_LABELS);

/** The pods' service accounts: Elasticsearch and Logstash assume their IAM role (IRSA annotation, `ref("role:<role>")`). */
export function serviceAccounts(config: Pick<StackConfig, "logging">) {
  const account = (name: string, role: IrsaRole) => ({
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: LOGGING_LABELS,
      annotations: { [ROLE_ARN_ANNOTATION]: ref(`role:${role}`) },
    },
  });
  return {
    elasticsearch: account(irsaServiceAccount(config, "es-snapshots"), "es-snapshots"),
    logstash: account(irsaServiceAccount(config, "logstash-archive"), "logstash-archive"),
  };
}

/** Filebeat's service account, in its own namespace (`ref("namespace")` is Filebeat's there). */
export const filebeatServiceAccount = (config: Pick<StackConfig, "logging">) => ({
  metadata: { name: eckNames(config).filebeatServiceAccount, namespace: NAMESPACE, labels: LOGGING_LABELS },
});

/** Filebeat's add_kubernetes_metadata reads pods, namespaces, nodes and their owners. */
export function filebeatRbac() {
  return {
    clusterRole: {
      metadata: { labels: LOGGING_LABELS },
      rules: [
        { apiGroups: [""], resources: ["namespaces", "pods", "nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
      ],
    },
    binding: {
      metadata: { labels: LOGGING_LABELS },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: ref("filebeatClusterRole"),
      },
      subjects: [{ kind: "ServiceAccount", name: ref("filebeatServiceAccount"), namespace: NAMESPACE }],
    },
  };
}

/** Grafana's read-only user in ECK's file realm: a basic-auth Secret ECK hashes into the realm. */
export function grafanaReaderSecret(config: Pick<StackConfig, "logging">, username: string) {
  return {
    metadata: { name: eckNames(config).grafanaReaderSecret, namespace: NAMESPACE, labels: LOGGING_LABELS },
    type: "kubernetes.io/basic-auth",
    stringData: { username, password: secretRef("elasticsearchReaderPassword"), roles: GRAFANA_READER_ROLE },
  };
}

/** The Elasticsearch exporter's user in ECK's file realm, with the monitoring role (roles.ts). */
export const MONITORING_USER = "elasticsearch-exporter";

/**
 * The exporter's basic-auth Secret: ECK hashes it into the file realm, and the exporter, in the same
 * namespace, reads `username` and `password` from it. The password is generated by the component
 * (random provider) and never leaves Pulumi secrets and this Secret. A file-realm user, like
 * Grafana's reader, so that a new password reaches Elasticsearch through ECK alone; its role is
 * applied by the settings Job, whose plan holds no password.
 */
export function monitoringUserSecret(config: Pick<StackConfig, "logging">) {
  return {
    metadata: { name: eckNames(config).exporterUserSecret, namespace: NAMESPACE, labels: LOGGING_LABELS },
    type: "kubernetes.io/basic-auth",
    stringData: {
      username: MONITORING_USER,
      password: secretRef("elasticsearchExporterPassword"),
      roles: MONITORING_ROLE,
    },
  };
}

/** Generated password of the exporter's user: alphanumeric, so no URL or env quoting can bite. */
export const MONITORING_PASSWORD = generated(32);

/** ECK uses a Secret with ca.crt as it is (no self-signed certificate, no rewrite of ca.crt). */
export function httpTlsSecret(config: StackConfig) {
  return {
    metadata: { name: httpTlsPlan(config).secretName, namespace: NAMESPACE, labels: LOGGING_LABELS },
    type: "kubernetes.io/tls",
    stringData: {
      "tls.crt": secretRef("esHttpCertPem"),
      "tls.key": secretRef("esHttpKeyPem"),
      "ca.crt": secretRef("esHttpCaPem"),
    },
  };
}

/** An ECK custom resource with the stack's naming and labels (its spec comes separately). */
function eckResource(
  api: (typeof ECK_API)[keyof typeof ECK_API],
  name: string,
  annotations?: Record<string, string>,
) {
  return {
    ...api,
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: LOGGING_LABELS,
      ...(annotations ? { annotations } : {}),
    },
  };
}

/** Elasticsearch; `fileRealm` names the basic-auth Secrets of file-realm users. */
export const elasticsearchResource = (config: StackConfig, fileRealm: string[]) => ({
  ...eckResource(ECK_API.elasticsearch, eckNames(config).elasticsearch, elasticsearchAnnotations(config)),
  spec: elasticsearchSpec(config, fileRealm),
});
export const kibanaResource = (config: StackConfig) => ({
  ...eckResource(ECK_API.kibana, eckNames(config).kibana),
  spec: kibanaSpec(config),
});
/** Logstash's spec names the archive buckets, known at deploy time: see logstashSpec. */
export const logstashResource = (config: StackConfig) =>
  eckResource(ECK_API.logstash, eckNames(config).logstash);
export const filebeatResource = (config: StackConfig) => ({
  ...eckResource(ECK_API.beat, eckNames(config).filebeat),
  spec: filebeatSpec(config),
});

/** Where a Job whose steps take secrets (the users Job) finds them, one file per key. */
export const SECRETS_DIR = "/secrets/users";

/** Image of the settings Job: Node.js runs the applier, nothing else is needed. */
export const APPLIER_IMAGE = `${APPLIER_PIN.repository}:${APPLIER_PIN.tag}`;

/**
 * The settings Job's patience. Elasticsearch and Kibana may take minutes to come up on a new
 * cluster, hence the long ready wait; after that, a step that keeps failing for two minutes is
 * not going to succeed, and a wrong password or a refused body fails at once regardless.
 */
export const APPLIER_RETRY_POLICY: ApplierRetryPolicy = {
  READY_TIMEOUT_SECONDS: 900,
  REQUEST_TIMEOUT_SECONDS: 30,
  STEP_MAX_ATTEMPTS: 5,
  STEP_RETRY_SECONDS: 120,
  RETRY_DELAY_MS: 1000,
  RETRY_MAX_DELAY_MS: 30_000,
};

/**
 * pulumi-kubernetes replaces a Job that is not complete (failed, or still running after an
 * interrupted update) on the next `pulumi up`, instead of waiting on it again: without this, a
 * Job that failed once, with an unchanged plan and so an unchanged name, fails every later update.
 */
export const REPLACE_UNREADY = { "pulumi.com/replaceUnready": "true" } as const;

/**
 * One settings Job (see SETTINGS_JOBS) and the ConfigMap holding its plan and the script. Both are
 * named after a hash of plan, script and the Job's spec (`planHash`), so a changed plan is a new
 * Job that runs again (and is awaited again); an unchanged one that completed is left alone, one
 * that did not is replaced (REPLACE_UNREADY). Only a Job with Kibana steps waits for Kibana or
 * mounts its CA; only a Job with steps that take a secret (people's passwords) mounts the users
 * Secret, and that Job's name is `ref("settingsJobName")`: the component names it with
 * settingsJobName, from `planHash` and a keyed fingerprint of the passwords.
 */
export function settingsJob(config: StackConfig, which: SettingsJob, script: string) {
  const names = eckNames(config);
  const steps = settingsPlans(config)[which];
  const plan = JSON.stringify(steps, null, 2);
  const kibana = steps.some((s) => s.target === "kibana");
  const secrets = steps.some((s) => s.secret !== undefined);
  const secretFile = (volume: string, secret: string) => ({ name: volume, secret: { secretName: secret } });
  const spec = {
    backoffLimit: 3,
    activeDeadlineSeconds: 3600,
    template: {
      metadata: { labels: settingsPodLabels(which) },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
          {
            name: "apply",
            image: APPLIER_IMAGE,
            command: ["node", "/applier/apply.mjs"],
            env: [
              { name: "PLAN_FILE", value: "/applier/plan.json" },
              { name: "ES_URL", value: names.elasticsearchUrl },
              ...(kibana ? [{ name: "KIBANA_URL", value: names.kibanaUrl }] : []),
              { name: "ES_USERNAME", value: "elastic" },
              {
                name: "ES_PASSWORD",
                valueFrom: { secretKeyRef: { name: names.elasticUserSecret, key: "elastic" } },
              },
              { name: "ES_CA_FILE", value: "/certs/es/ca.crt" },
              ...(kibana ? [{ name: "KIBANA_CA_FILE", value: "/certs/kibana/ca.crt" }] : []),
              ...(secrets ? [{ name: "SECRETS_DIR", value: SECRETS_DIR }] : []),
              ...Object.entries(APPLIER_RETRY_POLICY).map(([n, v]) => ({ name: n, value: String(v) })),
            ],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [
              { name: "applier", mountPath: "/applier", readOnly: true },
              { name: "es-ca", mountPath: "/certs/es", readOnly: true },
              ...(kibana ? [{ name: "kibana-ca", mountPath: "/certs/kibana", readOnly: true }] : []),
              ...(secrets ? [{ name: "users", mountPath: SECRETS_DIR, readOnly: true }] : []),
            ],
          },
        ],
        volumes: [
          { name: "applier", configMap: { name: ref("settingsConfigMap") } },
          secretFile("es-ca", names.esCaSecret),
          ...(kibana ? [secretFile("kibana-ca", names.kibanaCaSecret)] : []),
          // Missing keys fail the Job at start (SECRETS_DIR is checked before any request).
          ...(secrets ? [secretFile("users", names.usersSecret)] : []),
        ],
      },
    },
  };
  const planHash = createHash("sha256")
    .update(plan)
    .update(script)
    .update(JSON.stringify(spec))
    .digest("hex");
  const metadata = {
    name: `${names.elasticsearch}-${which}-${planHash.slice(0, 10)}`,
    namespace: NAMESPACE,
    labels: LOGGING_LABELS,
  };
  const name: string | Ref = secrets ? ref("settingsJobName") : metadata.name;
  return {
    planHash,
    configMap: { metadata, data: { "plan.json": plan, "apply.mjs": script } },
    job: { metadata: { ...metadata, name, annotations: REPLACE_UNREADY }, spec },
  };
}

/**
 * The name of a Job whose steps take secrets: `<cluster>-<job>-<10 hex digits>` like the others
 * (settingsJobPattern), from its `planHash` and a fingerprint of the secrets (usersFingerprint, a
 * keyed hash: never a password, nor a plain hash of one). A password replaced without a change of
 * plan (`pulumi up --replace` of its RandomPassword, a change of `generated()`) is then a new Job
 * too, which sets it; the same passwords keep the name, and the completed Job is left alone.
 */
export function settingsJobName(
  config: Pick<StackConfig, "logging">,
  which: SettingsJob,
  planHash: string,
  secretsFingerprint: string,
): string {
  const hash = createHash("sha256").update(planHash).update("\n").update(secretsFingerprint).digest("hex");
  return `${eckNames(config).elasticsearch}-${which}-${hash.slice(0, 10)}`;
}
