import { z } from "zod";
import { byteQuantity, durationSeconds, mebibytes, promDuration, resourceRequests } from "./common";

/**
 * Thanos on the metrics bucket: long-term storage of every Prometheus replica's blocks and one
 * deduplicated view of the HA pair (infra/generators/thanos/). Replicas left unset follow
 * `production`. Durations are Thanos's (the same units as Prometheus's).
 */

/** The Compactor refuses to start with less (Thanos's cmd/thanos/compact.go at v0.42). */
export const DOWNSAMPLING_AGES = {
  /** 5-minute blocks are made from raw blocks 40 hours old: raw data must be kept at least that long. */
  fiveMinutes: "40h",
  /** 1-hour blocks are made from 5-minute blocks 10 days old. */
  oneHour: "10d",
} as const;

const requests = (name: string, cpu: string, memory: string) =>
  resourceRequests(name, cpu, memory).meta({
    description: `${name} resource requests; its memory limit is twice the memory request.`,
  });

const replicas = (what: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(5)
    .optional()
    .meta({ description: `${what} replicas. Default: 2 in production, else 1.` });

export const thanosSchema = z
  .strictObject({
    retention: z
      .strictObject({
        raw: promDuration(DOWNSAMPLING_AGES.fiveMinutes, "10y").default("30d").meta({
          description:
            "How long the Compactor keeps raw samples in the bucket; at least 40h, the age at which 5-minute blocks are made. Default 30d: as long as Prometheus keeps them, for zooming into the last month at full resolution.",
        }),
        fiveMinutes: promDuration(DOWNSAMPLING_AGES.oneHour, "10y").default("365d").meta({
          description:
            "How long 5-minute downsampled data is kept; at least 10d, the age at which 1-hour blocks are made. Default 365d: a year of trends at a resolution that still shows a day's shape.",
        }),
        oneHour: promDuration("1d", "10y").default("730d").meta({
          description:
            "How long 1-hour downsampled data is kept. Default 730d: two years, for year-over-year comparisons.",
        }),
      })
      .prefault({})
      .superRefine((r, ctx) => {
        // Coarser data kept for less time than finer data would leave holes a zoom-out cannot fill.
        if (durationSeconds(r.fiveMinutes) < durationSeconds(r.raw))
          ctx.addIssue({
            code: "custom",
            path: ["fiveMinutes"],
            message: `expected at least retention.raw (${r.raw}): 5-minute data summarises raw data`,
          });
        if (durationSeconds(r.oneHour) < durationSeconds(r.fiveMinutes))
          ctx.addIssue({
            code: "custom",
            path: ["oneHour"],
            message: `expected at least retention.fiveMinutes (${r.fiveMinutes}): 1-hour data summarises 5-minute data`,
          });
      })
      .meta({
        description:
          "Retention per resolution, enforced by the Compactor (never by S3 lifecycle rules, which would delete blocks the Compactor still reads).",
      }),
    deleteDelay: promDuration("2h", "14d").default("48h").meta({
      description:
        "How long the Compactor waits before deleting a block it marked for deletion, so that Store Gateways and queries in flight stop reading it first. The Store Gateway ignores marked blocks after half of this.",
    }),
    query: z
      .strictObject({
        replicas: replicas("Thanos Query"),
        requests: requests("Thanos Query", "200m", "512Mi"),
      })
      .prefault({})
      .meta({
        description: "Thanos Query: the deduplicating engine over the sidecars and the Store Gateway.",
      }),
    queryFrontend: z
      .strictObject({
        replicas: replicas("Query Frontend"),
        requests: requests("Query Frontend", "100m", "512Mi"),
        cacheMaxSize: z
          .string()
          .regex(/^[1-9]\d*(KB|MB|GB)$/, "expected a size such as 256MB (KB, MB or GB)")
          .default("256MB")
          .meta({
            description:
              "Size of each Query Frontend's in-memory response cache; at most half of its memory request (Thanos reads MB as MiB).",
          }),
      })
      .prefault({})
      .superRefine((f, ctx) => {
        // The cache lives in the process beside the responses being split and merged.
        const cache = mebibytes(f.cacheMaxSize);
        const request = mebibytes(f.requests.memory);
        if (cache > request / 2)
          ctx.addIssue({
            code: "custom",
            path: ["cacheMaxSize"],
            message: `expected at most half of requests.memory (${f.requests.memory}): the cache shares the pod's memory with the queries it splits`,
          });
      })
      .meta({
        description: "Query Frontend: range splitting and a response cache; Grafana's default data source.",
      }),
    storeGateway: z
      .strictObject({
        replicas: replicas("Store Gateway"),
        requests: requests("Store Gateway", "200m", "1Gi"),
        storageSize: byteQuantity.default("20Gi").meta({
          description:
            "Volume per Store Gateway replica, for index headers (a cache of the bucket). Fixed once created: a StatefulSet's claim templates cannot change (docs/upgrading.md says how to grow it).",
        }),
      })
      .prefault({})
      .meta({ description: "Store Gateway: serves the bucket's blocks to Thanos Query." }),
    compactor: z
      .strictObject({
        requests: requests("Compactor", "500m", "2Gi"),
        storageSize: byteQuantity.default("100Gi").meta({
          description:
            "The Compactor's scratch volume: it downloads the blocks it compacts, so it needs room for the largest group of blocks (about the largest two weeks of raw data). Fixed once created, like the Store Gateway's.",
        }),
      })
      .prefault({})
      .meta({
        description: "The Compactor, exactly one per bucket: compaction, downsampling and retention.",
      }),
  })
  .prefault({});
export type ThanosConfig = z.infer<typeof thanosSchema>;
