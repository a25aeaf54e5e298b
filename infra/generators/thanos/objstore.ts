import { awsPartition } from "../../config/grafana-endpoint";
import { managedLabels } from "../labels";
import { ref } from "../refs";
import { OBJSTORE_SECRET } from "./names";

/**
 * Thanos's object storage configuration (its `--objstore.config`), the same for every part that
 * touches the metrics bucket. It holds no credential: with no `access_key` and `aws_sdk_auth` off,
 * Thanos's S3 client (minio-go) takes credentials from its chain, whose IAM provider reads the web
 * identity token and role that EKS puts into pods of an annotated ServiceAccount (IRSA). Thanos
 * parses this file strictly (objstore's `yaml.UnmarshalStrict`): an unknown key stops it.
 */

/** Values only `pulumi up` has: the bucket, its key, and the AWS provider's region. */
export const OBJSTORE_REFS = {
  bucket: ref("bucket"),
  region: ref("region"),
  endpoint: ref("s3Endpoint"),
  kmsKeyArn: ref("kmsKeyArn"),
} as const;

/**
 * The S3 endpoint of a region, without a scheme (Thanos adds https unless `insecure`). China's
 * regions answer under amazonaws.com.cn.
 */
export const s3Endpoint = (region: string): string =>
  `s3.${region}.amazonaws.com${awsPartition(region) === "aws-cn" ? ".cn" : ""}`;

/**
 * `region` is set so that the client never asks S3 for the bucket's location (which would need
 * s3:GetBucketLocation). SSE-KMS with the archive's key, the bucket's default too: Thanos asks for
 * it on every upload, so a block is never written under another key.
 */
export function objstoreConfig() {
  return {
    type: "S3",
    config: {
      bucket: OBJSTORE_REFS.bucket,
      endpoint: OBJSTORE_REFS.endpoint,
      region: OBJSTORE_REFS.region,
      sse_config: { type: "SSE-KMS", kms_key_id: OBJSTORE_REFS.kmsKeyArn },
    },
  };
}

/**
 * The Secret the sidecars read (the Prometheus resource's `thanos.objectStorageConfig`), in the
 * metrics namespace where every Thanos part runs. A Secret because the operator takes only a Secret
 * key; its content is the config above, filled (`objstoreYaml`), no credential.
 */
export function objstoreSecret() {
  return {
    metadata: {
      name: OBJSTORE_SECRET.name,
      // The metrics namespace, which the Metrics component creates.
      namespace: ref("namespace"),
      labels: { ...managedLabels(), "app.kubernetes.io/component": "thanos" },
    },
    type: "Opaque",
    stringData: { [OBJSTORE_SECRET.key]: ref("objstoreYaml") },
  };
}
