import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LOG_TYPES, type LogType } from "../catalog/retention";
import type { StackConfig } from "../config";
import { archiveBuckets, archiveKey } from "../generators/archive";
import { wire } from "./refs";
import { SecureBucket } from "./secure-bucket";

export interface ArchiveArgs {
  config: Pick<StackConfig, "archive" | "environment" | "production">;
}

export interface ArchiveBucketOutput {
  name: pulumi.Output<string>;
  arn: pulumi.Output<string>;
}

/**
 * The S3 log archive: one bucket per log type whose lifecycle enforces the retention table, the
 * audit bucket object-locked for 7 years, all encrypted with one rotating customer-managed key.
 */
export class Archive extends pulumi.ComponentResource {
  /** Kept together for stack outputs and for the log shippers. */
  readonly outputs: {
    buckets: Record<LogType, ArchiveBucketOutput>;
    kmsKeyArn: pulumi.Output<string>;
    accessLogBucket: pulumi.Output<string>;
  };

  constructor(name: string, args: ArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    // The alias keeps the URNs of stacks created under the type's earlier name.
    super(
      "observability:archive:Archive",
      name,
      {},
      { ...opts, aliases: [{ type: "observability:archive:LogArchive" }] },
    );
    const { config } = args;
    const stateful = { parent: this, protect: config.production, retainOnDelete: config.production };
    const k = archiveKey(config);
    const key = new aws.kms.Key(`${name}-key`, k.key, stateful);
    new aws.kms.Alias(`${name}-key-alias`, wire(k.alias, { keyId: key.keyId }), { parent: this });

    const specs = archiveBuckets(config);
    const accessLogs = new SecureBucket(
      `${name}-access-logs`,
      {
        spec: specs.accessLogs,
        logSourceAccount: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      },
      { parent: this },
    );
    const buckets = Object.fromEntries(
      LOG_TYPES.map((logType) => {
        const b = new SecureBucket(
          `${name}-${logType}`,
          { spec: specs[logType], kmsKeyArn: key.arn, accessLogBucket: accessLogs.name },
          { parent: this },
        );
        return [logType, { name: b.name, arn: b.arn }];
      }),
    ) as Record<LogType, ArchiveBucketOutput>;
    this.outputs = { buckets, kmsKeyArn: key.arn, accessLogBucket: accessLogs.name };
    this.registerOutputs(this.outputs);
  }
}
