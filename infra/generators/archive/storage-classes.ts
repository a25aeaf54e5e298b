/**
 * S3 storage classes the archive uses, with us-east-1 list prices (USD per GB-month) and the
 * minimum storage duration each class bills for. Source: AWS S3 pricing page.
 */
export const STORAGE_CLASSES = {
  STANDARD: { label: "S3 Standard", pricePerGbMonth: 0.023, minimumDays: 0 },
  STANDARD_IA: { label: "S3 Standard-IA", pricePerGbMonth: 0.0125, minimumDays: 30 },
  GLACIER_IR: { label: "S3 Glacier Instant Retrieval", pricePerGbMonth: 0.004, minimumDays: 90 },
  GLACIER: { label: "S3 Glacier Flexible Retrieval", pricePerGbMonth: 0.0036, minimumDays: 90 },
  DEEP_ARCHIVE: { label: "S3 Glacier Deep Archive", pricePerGbMonth: 0.00099, minimumDays: 180 },
} as const;
export type StorageClass = keyof typeof STORAGE_CLASSES;

/** Objects must stay in S3 Standard this long before AWS allows a move to Standard-IA. */
export const MIN_DAYS_BEFORE_IA = 30;
