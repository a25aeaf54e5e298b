import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOG_TYPES, type LogType } from "../catalog/retention";
import type { StackConfig } from "../config";
import { awsTags } from "../generators/archive";
import {
  type ArchiveTarget,
  archiveWriterPolicy,
  eckNames,
  eckOperatorNamespace,
  eckOperatorRelease,
  elasticsearchResource,
  grafanaReaderSecret,
  type IrsaRole,
  irsaDescription,
  irsaTrustPolicy,
  kibanaResource,
  loggingNamespace,
  logstashResource,
  logstashSpec,
  MONITORING_PASSWORD,
  monitoringUserSecret,
  serviceAccounts,
  snapshotBucket,
  snapshotRolePolicy,
} from "../generators/logging";
import { filebeat } from "./logging-filebeat";
import { settingsJobs } from "./logging-settings";
import { elasticsearchHttpTls } from "./logging-tls";
import { wire } from "./refs";
import { irsaRole } from "./irsa-role";
import { SecureBucket } from "./secure-bucket";

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
  /** The Job that applies templates, pipelines, ILM policies and roles (the exporter's too). */
  readonly settingsJob: k8s.batch.v1.Job;
  /** The ECK operator's release (its namespace's NetworkPolicies wait for it) and Kibana. */
  readonly eckOperator: k8s.helm.v3.Release;
  readonly kibana: k8s.apiextensions.CustomResource;
  /** Logstash and Filebeat, which start after the settings Job (the platform's rules wait for them). */
  readonly shippers: k8s.apiextensions.CustomResource[];
  /** The namespaces it creates, the logging one and Filebeat's (their NetworkPolicies wait for them). */
  readonly namespaces: k8s.core.v1.Namespace[];
  readonly outputs: {
    elasticsearchUrl: pulumi.Output<string>;
    kibanaUrl: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
    /** People's passwords by user name (logging.users): a Pulumi secret, also in the users Secret. */
    userPasswords: pulumi.Output<Record<string, string>>;
    /** Secret (created by ECK) holding the `elastic` superuser's password under key `elastic`. */
    elasticUserSecret: pulumi.Output<string>;
    /** Secret ECK publishes with the CA of Elasticsearch's HTTP certificate under `ca.crt`. */
    elasticsearchCaSecret: pulumi.Output<string>;
    /** PEM of the CA that issued Elasticsearch's HTTP certificate (public; clients verify TLS with it). */
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
    const names = eckNames(config);
    const child = { parent: this };
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };

    // Retained like Elasticsearch: deleting the namespace would delete the cluster and its volumes.
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, loggingNamespace(config), stateful);
    const namespace = ns.metadata.name;
    // The operator's release creates its namespace; its Pod Security labels are patched on once it
    // exists (eckOperatorNamespace). Deleting the patch removes only those labels.
    const operator = new k8s.helm.v3.Release(`${name}-eck-operator`, eckOperatorRelease(config), child);
    new k8s.core.v1.NamespacePatch(`${name}-eck-operator-ns`, eckOperatorNamespace(config), {
      parent: this,
      dependsOn: [operator],
    });
    this.eckOperator = operator;

    const snapshots = new SecureBucket(
      `${name}-snapshots`,
      {
        spec: snapshotBucket(config),
        kmsKeyArn: args.archive.kmsKeyArn,
        accessLogBucket: args.archive.accessLogBucket,
      },
      child,
    );
    const kmsKeyArn = pulumi.output(args.archive.kmsKeyArn);
    const archiveArns = pulumi.all(LOG_TYPES.map((t) => pulumi.output(args.archive.buckets[t].arn)));
    // Each role trusts only its ServiceAccount (iam.ts); the policies name the buckets and the key.
    const role = (r: IrsaRole, policy: pulumi.Output<aws.iam.PolicyDocument>) =>
      irsaRole(
        `${name}-${r}`,
        {
          description: irsaDescription(config, r),
          trustPolicy: irsaTrustPolicy(config, r),
          policy,
          tags: awsTags(config, "logging"),
        },
        this,
      );
    const roles: Record<IrsaRole, aws.iam.Role> = {
      "es-snapshots": role(
        "es-snapshots",
        pulumi
          .all([snapshots.arn, kmsKeyArn])
          .apply(([bucketArn, key]) => snapshotRolePolicy({ bucketArn, kmsKeyArn: key })),
      ),
      "logstash-archive": role(
        "logstash-archive",
        pulumi
          .all([archiveArns, kmsKeyArn])
          .apply(([bucketArns, key]) => archiveWriterPolicy(config, { bucketArns, kmsKeyArn: key })),
      ),
    };

    const accounts = serviceAccounts(config);
    const refs = {
      namespace,
      "role:es-snapshots": roles["es-snapshots"].arn,
      "role:logstash-archive": roles["logstash-archive"].arn,
    };
    const serviceAccount = (sa: keyof typeof accounts) =>
      new k8s.core.v1.ServiceAccount(
        `${name}-sa-${accounts[sa].metadata.name}`,
        wire(accounts[sa], refs),
        child,
      );
    serviceAccount("elasticsearch");
    serviceAccount("logstash");

    // The Elasticsearch exporter's user (infra/generators/platform/elasticsearch.ts), in the file
    // realm beside Grafana's reader; its role comes with the settings Job's roles.
    const exporterPassword = new random.RandomPassword(
      `${name}-exporter-password`,
      MONITORING_PASSWORD,
      child,
    );
    new k8s.core.v1.Secret(
      `${name}-exporter-user`,
      wire(monitoringUserSecret(config), {
        namespace,
        "secret:elasticsearchExporterPassword": pulumi.secret(exporterPassword.result),
      }),
      child,
    );
    const fileRealm: string[] = [names.exporterUserSecret];
    if (args.grafanaReader) {
      new k8s.core.v1.Secret(
        `${name}-grafana-reader`,
        wire(grafanaReaderSecret(config, args.grafanaReader.username), {
          namespace,
          "secret:elasticsearchReaderPassword": args.grafanaReader.password,
        }),
        child,
      );
      fileRealm.push(names.grafanaReaderSecret);
    }

    const httpTls = elasticsearchHttpTls(name, { config, namespace }, this);
    const elasticsearch = new k8s.apiextensions.CustomResource(
      `${name}-elasticsearch`,
      wire(elasticsearchResource(config, fileRealm), { namespace }),
      { ...stateful, dependsOn: [operator, ns, httpTls.secret] },
    );
    const kibana = new k8s.apiextensions.CustomResource(
      `${name}-kibana`,
      wire(kibanaResource(config), { namespace }),
      {
        parent: this,
        dependsOn: [operator, ns, elasticsearch],
      },
    );
    this.kibana = kibana;
    const region = aws.getRegionOutput({}, child).region;
    const targets = pulumi
      .all([pulumi.all(LOG_TYPES.map((t) => pulumi.output(args.archive.buckets[t].name))), kmsKeyArn, region])
      .apply(
        ([buckets, key, r]) =>
          Object.fromEntries(
            LOG_TYPES.map((t, i) => [t, { bucket: buckets[i] as string, kmsKeyArn: key, region: r }]),
          ) as Record<LogType, ArchiveTarget>,
      );
    // Settings over the REST API (Basic licence), in Jobs: the shippers start only after the
    // templates, pipelines, ILM policies and roles are in place (a first backing index created
    // from Elasticsearch's built-in template would keep none of them); snapshots, Kibana objects
    // and people's users are applied beside them.
    const after = { settings: [elasticsearch], extras: [elasticsearch, kibana], users: [elasticsearch] };
    const { jobs, userPasswords } = settingsJobs(name, { config, namespace, after }, this);
    this.settingsJob = jobs.settings;
    const logstash = new k8s.apiextensions.CustomResource(
      `${name}-logstash`,
      {
        ...wire(logstashResource(config), { namespace }),
        spec: targets.apply((t) => logstashSpec(config, t)),
      },
      { parent: this, dependsOn: [operator, ns, elasticsearch, jobs.settings] },
    );
    // In its own namespace, which admits its hostPath volumes (logging-filebeat.ts).
    const shipper = filebeat(name, { config, after: [operator, logstash, jobs.settings] }, this);
    this.shippers = [logstash, shipper.beat];
    this.namespaces = [ns, shipper.namespace];

    this.outputs = {
      elasticsearchUrl: pulumi.output(names.elasticsearchUrl),
      kibanaUrl: pulumi.output(names.kibanaUrl),
      namespace,
      userPasswords,
      elasticUserSecret: pulumi.output(names.elasticUserSecret),
      elasticsearchCaSecret: pulumi.output(names.esCaSecret),
      elasticsearchCaCert: httpTls.caCertPem,
      snapshotBucket: snapshots.name,
    };
    this.registerOutputs(this.outputs);
  }
}
export { applierScript } from "./logging-settings";
