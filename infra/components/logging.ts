import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LOG_TYPES, type LogType } from "../catalog/retention";
import type { StackConfig } from "../config";
import {
  type ArchiveTarget,
  ECK_API,
  eckNames,
  elasticsearchAnnotations,
  elasticsearchSpec,
  filebeatSpec,
  GRAFANA_READER_ROLE,
  kibanaSpec,
  logstashSpec,
  settingsPlan,
  snapshotBucket,
} from "../generators/logging";
import { applierScript } from "./logging-applier-script";
import { elasticsearchHttpTls } from "./logging-tls";
import { SecureBucket } from "./secure-bucket";

/** The ECK operator chart (Elastic's Helm repository). */
export const ECK_CHART = {
  chart: "eck-operator",
  repo: "https://helm.elastic.co",
  namespace: "elastic-system",
};
/** Image of the settings Job: Node.js runs the transpiled applier, nothing else is needed. */
export const APPLIER_IMAGE = "node:22.20.0-alpine";

export interface LoggingArgs {
  config: StackConfig;
  /** The S3 log archive (Archive.outputs): every log type is also written to its bucket. */
  archive: {
    buckets: Record<LogType, { name: pulumi.Input<string>; arn: pulumi.Input<string> }>;
    kmsKeyArn: pulumi.Input<string>;
    accessLogBucket: pulumi.Input<string>;
  };
  /**
   * A read-only user for Grafana's Elasticsearch data source (role `grafana-reader`: every stream
   * but audit). The password should be a Pulumi secret; it reaches the cluster only as a Secret.
   */
  grafanaReader?: { username: string; password: pulumi.Input<string> };
}

/**
 * The ELK stack on Kubernetes: the ECK operator, Elasticsearch (HA in production), Kibana,
 * Filebeat on every node, Logstash writing to Elasticsearch and to the S3 archive, the snapshot
 * bucket with IAM roles for service accounts, and a Job that applies the generated ILM policies,
 * templates, pipelines, snapshot policy, roles and Kibana objects over the REST APIs.
 */
export class Logging extends pulumi.ComponentResource {
  readonly elasticsearchUrl: pulumi.Output<string>;
  readonly kibanaUrl: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Secret (created by ECK) holding the `elastic` superuser's password under key `elastic`. */
  readonly elasticUserSecret: pulumi.Output<string>;
  /** Secret ECK publishes with the CA of Elasticsearch's HTTP certificate (the program's CA) under `ca.crt`. */
  readonly elasticsearchCaSecret: pulumi.Output<string>;
  /** PEM of the CA that issued Elasticsearch's HTTP certificate (public; clients verify TLS with it). */
  readonly elasticsearchCaCert: pulumi.Output<string>;
  readonly snapshotBucket: pulumi.Output<string>;
  /** Username of the Grafana reader, when one was requested. */
  readonly grafanaReaderUsername?: string;
  readonly outputs: {
    elasticsearchUrl: pulumi.Output<string>;
    kibanaUrl: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    elasticUserSecret: pulumi.Output<string>;
    elasticsearchCaSecret: pulumi.Output<string>;
    elasticsearchCaCert: pulumi.Output<string>;
    snapshotBucket: pulumi.Output<string>;
  };

  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:logging:Logging",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:logging:LoggingStack" }] },
    );
    const { config } = args;
    const l = config.logging;
    const names = eckNames(config);
    const child = { parent: this };
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };
    const labels = {
      "app.kubernetes.io/part-of": "observability-logging",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    const tags = { environment: config.environment, "managed-by": "pulumi", component: "logging" };

    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: l.namespace, labels } }, child);
    const namespace = ns.metadata.name;

    const operator = new k8s.helm.v3.Release(
      `${name}-eck-operator`,
      {
        name: "elastic-operator",
        chart: ECK_CHART.chart,
        version: l.eckOperatorVersion,
        repositoryOpts: { repo: ECK_CHART.repo },
        namespace: ECK_CHART.namespace,
        createNamespace: true,
        // The chart installs the ECK CRDs the custom resources below need.
        values: { installCRDs: true },
      },
      child,
    );

    // Snapshots: own bucket, no expiry or Glacier (SLM deletes old snapshots itself).
    const region = aws.getRegionOutput({}, child).region;
    const snapshots = new SecureBucket(
      `${name}-snapshots`,
      {
        spec: snapshotBucket(config),
        kmsKeyArn: args.archive.kmsKeyArn,
        accessLogBucket: args.archive.accessLogBucket,
      },
      child,
    );

    const esRole = this.irsaRole(`${name}-es-snapshots`, l.namespace, names.esServiceAccount, config, tags, [
      {
        Sid: "SnapshotBucket",
        Effect: "Allow",
        Action: [
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:ListBucketMultipartUploads",
          "s3:ListBucketVersions",
        ],
        Resource: [snapshots.arn],
      },
      {
        Sid: "SnapshotObjects",
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: [pulumi.interpolate`${snapshots.arn}/*`],
      },
      {
        Sid: "Kms",
        Effect: "Allow",
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: [args.archive.kmsKeyArn],
      },
    ]);
    const archiveArns = LOG_TYPES.map((t) => args.archive.buckets[t].arn);
    const lsRole = this.irsaRole(
      `${name}-logstash-archive`,
      l.namespace,
      names.logstashServiceAccount,
      config,
      tags,
      [
        {
          Sid: "ArchiveWrite",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
          Resource: archiveArns.map((arn) => pulumi.interpolate`${arn}/*`),
        },
        {
          // The s3 output checks its credentials by writing and deleting one test object at startup.
          Sid: "CredentialCheckObject",
          Effect: "Allow",
          Action: ["s3:DeleteObject"],
          Resource: archiveArns.map(
            (arn) =>
              pulumi.interpolate`${arn}/${config.environment}/logstash-programmatic-access-test-object*`,
          ),
        },
        {
          Sid: "ArchiveList",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: archiveArns,
        },
        {
          Sid: "Kms",
          Effect: "Allow",
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
          Resource: [args.archive.kmsKeyArn],
        },
      ],
    );

    const serviceAccount = (sa: string, roleArn?: pulumi.Output<string>) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-sa-${sa}`,
        {
          metadata: {
            name: sa,
            namespace,
            labels,
            ...(roleArn ? { annotations: { "eks.amazonaws.com/role-arn": roleArn } } : {}),
          },
        },
        child,
      );
    serviceAccount(names.esServiceAccount, esRole.arn);
    serviceAccount(names.logstashServiceAccount, lsRole.arn);
    const filebeatSa = serviceAccount(names.filebeatServiceAccount);
    const filebeatRole = new k8s.rbac.v1.ClusterRole(
      `${name}-filebeat`,
      {
        metadata: { labels },
        rules: [
          { apiGroups: [""], resources: ["namespaces", "pods", "nodes"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list", "watch"] },
          { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
        ],
      },
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-filebeat`,
      {
        metadata: { labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: filebeatRole.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: filebeatSa.metadata.name, namespace }],
      },
      child,
    );

    const fileRealm: string[] = [];
    if (args.grafanaReader) {
      const readerSecret = `${names.elasticsearch}-grafana-reader`;
      new k8s.core.v1.Secret(
        `${name}-grafana-reader`,
        {
          metadata: { name: readerSecret, namespace, labels },
          type: "kubernetes.io/basic-auth",
          stringData: {
            username: args.grafanaReader.username,
            password: pulumi.secret(args.grafanaReader.password),
            roles: GRAFANA_READER_ROLE,
          },
        },
        child,
      );
      fileRealm.push(readerSecret);
      this.grafanaReaderUsername = args.grafanaReader.username;
    }

    const httpTls = elasticsearchHttpTls(name, { config, namespace, labels }, this);

    const elasticsearch = new k8s.apiextensions.CustomResource(
      `${name}-elasticsearch`,
      {
        ...ECK_API.elasticsearch,
        metadata: {
          name: names.elasticsearch,
          namespace,
          labels,
          annotations: elasticsearchAnnotations(config),
        },
        spec: elasticsearchSpec(config, fileRealm),
      },
      { ...stateful, dependsOn: [operator, ns, httpTls.secret] },
    );
    const kibana = new k8s.apiextensions.CustomResource(
      `${name}-kibana`,
      { ...ECK_API.kibana, metadata: { name: names.kibana, namespace, labels }, spec: kibanaSpec(config) },
      { parent: this, dependsOn: [operator, ns, elasticsearch] },
    );
    const targets = pulumi
      .all([
        pulumi.all(LOG_TYPES.map((t) => pulumi.output(args.archive.buckets[t].name))),
        pulumi.output(args.archive.kmsKeyArn),
        region,
      ])
      .apply(
        ([buckets, kmsKeyArn, r]) =>
          Object.fromEntries(
            LOG_TYPES.map((t, i) => [t, { bucket: buckets[i] as string, kmsKeyArn, region: r }]),
          ) as Record<LogType, ArchiveTarget>,
      );
    const logstash = new k8s.apiextensions.CustomResource(
      `${name}-logstash`,
      {
        ...ECK_API.logstash,
        metadata: { name: names.logstash, namespace, labels },
        spec: targets.apply((t) => logstashSpec(config, t)),
      },
      { parent: this, dependsOn: [operator, ns, elasticsearch] },
    );
    new k8s.apiextensions.CustomResource(
      `${name}-filebeat`,
      { ...ECK_API.beat, metadata: { name: names.filebeat, namespace, labels }, spec: filebeatSpec(config) },
      { parent: this, dependsOn: [operator, ns, logstash] },
    );

    // Settings over the REST API (Basic licence): a Job per version of the plan, so a change runs it again.
    const plan = JSON.stringify(settingsPlan(config), null, 2);
    const script = applierScript();
    const hash = createHash("sha256").update(plan).update(script).digest("hex").slice(0, 10);
    const jobName = `${names.elasticsearch}-settings-${hash}`;
    const settings = new k8s.core.v1.ConfigMap(
      `${name}-settings`,
      {
        metadata: { name: jobName, namespace, labels },
        data: { "plan.json": plan, "apply.mjs": script },
      },
      child,
    );
    const secretFile = (volume: string, secret: string) => ({ name: volume, secret: { secretName: secret } });
    new k8s.batch.v1.Job(
      `${name}-settings`,
      {
        metadata: { name: jobName, namespace, labels },
        spec: {
          backoffLimit: 3,
          activeDeadlineSeconds: 3600,
          template: {
            metadata: { labels },
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
                    { name: "KIBANA_URL", value: names.kibanaUrl },
                    { name: "ES_USERNAME", value: "elastic" },
                    {
                      name: "ES_PASSWORD",
                      valueFrom: { secretKeyRef: { name: names.elasticUserSecret, key: "elastic" } },
                    },
                    { name: "ES_CA_FILE", value: "/certs/es/ca.crt" },
                    { name: "KIBANA_CA_FILE", value: "/certs/kibana/ca.crt" },
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
                    { name: "kibana-ca", mountPath: "/certs/kibana", readOnly: true },
                  ],
                },
              ],
              volumes: [
                { name: "applier", configMap: { name: settings.metadata.name } },
                secretFile("es-ca", names.esCaSecret),
                secretFile("kibana-ca", names.kibanaCaSecret),
              ],
            },
          },
        },
      },
      // The first run waits for the cluster to come up.
      {
        parent: this,
        dependsOn: [elasticsearch, kibana, settings],
        customTimeouts: { create: "60m", update: "60m" },
      },
    );

    this.namespace = namespace;
    this.elasticsearchUrl = pulumi.output(names.elasticsearchUrl);
    this.kibanaUrl = pulumi.output(names.kibanaUrl);
    this.elasticUserSecret = pulumi.output(names.elasticUserSecret);
    this.elasticsearchCaSecret = pulumi.output(names.esCaSecret);
    this.elasticsearchCaCert = httpTls.caCertPem;
    this.snapshotBucket = snapshots.name;
    this.outputs = {
      elasticsearchUrl: this.elasticsearchUrl,
      kibanaUrl: this.kibanaUrl,
      namespace: this.namespace,
      elasticUserSecret: this.elasticUserSecret,
      elasticsearchCaSecret: this.elasticsearchCaSecret,
      elasticsearchCaCert: this.elasticsearchCaCert,
      snapshotBucket: this.snapshotBucket,
    };
    this.registerOutputs(this.outputs);
  }

  /** An IAM role that only one Kubernetes service account can assume (IRSA), with an inline policy. */
  private irsaRole(
    name: string,
    namespace: string,
    serviceAccount: string,
    config: StackConfig,
    tags: Record<string, string>,
    statements: Record<string, unknown>[],
  ): aws.iam.Role {
    const { arn: providerArn, issuer } = config.logging.oidcProvider;
    const role = new aws.iam.Role(
      name,
      {
        description: `IRSA role of ${namespace}/${serviceAccount}`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: providerArn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                StringEquals: {
                  [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                  [`${issuer}:aud`]: "sts.amazonaws.com",
                },
              },
            },
          ],
        }),
        tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi
          .output(statements)
          .apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s })),
      },
      { parent: this },
    );
    return role;
  }
}
