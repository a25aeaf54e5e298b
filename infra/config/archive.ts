import { z } from "zod";
import { LOG_TYPES, type LogType } from "../catalog/retention";

const gbPerDay = z.number().min(0, "expected a volume of 0 GB/day or more").max(1_000_000);

/** The S3 log archive. Retention periods are not configurable: they are the spec's table. */
export const archiveSchema = z.strictObject({
  bucketPrefix: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$/,
      "expected 3-42 characters of a-z, 0-9 and '-' (an S3 name prefix)",
    )
    // S3 reserves these prefixes; bucket names starting with them are refused.
    .refine(
      (p) => !["xn--", "sthree-", "amzn-s3-demo-"].some((r) => p.startsWith(r)),
      "expected no prefix that S3 reserves (xn--, sthree-, amzn-s3-demo-)",
    )
    .meta({
      description:
        "Prefix of the archive bucket names: `<bucketPrefix>-<logType>-logs`, and `<bucketPrefix>-access-logs` for S3 server access logs.",
    }),
  dailyVolumeGb: z
    .strictObject(
      Object.fromEntries(
        LOG_TYPES.map((t) => [
          t,
          gbPerDay.meta({
            description: `Expected daily volume of ${t} logs in GB, for the storage cost estimate.`,
          }),
        ]),
      ) as Record<LogType, typeof gbPerDay>,
    )
    .meta({ description: "Expected daily volume per log type, in GB, for the storage cost estimate." }),
  accessLogRetentionDays: z
    .number()
    .int()
    .min(30)
    .max(3650)
    .default(365)
    .meta({ description: "How many days S3 server access logs of the archive buckets are kept." }),
  kmsDeletionWindowDays: z
    .number()
    .int()
    .min(7)
    .max(30)
    .default(30)
    .meta({ description: "Waiting period, in days, before a scheduled KMS key deletion takes effect." }),
});
export type ArchiveConfig = z.infer<typeof archiveSchema>;
