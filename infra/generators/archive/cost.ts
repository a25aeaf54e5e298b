import { LOG_TYPES, type LogType } from "../../catalog/retention";
import { type LifecyclePlan, lifecyclePlan, residency } from "./lifecycle";
import { STORAGE_CLASSES } from "./storage-classes";

export interface CostLine extends CostTotals {
  logType: LogType;
}

export interface CostTotals {
  dailyVolumeGb: number;
  /** Steady-state monthly cost under the lifecycle rules, minimum-duration charges included. */
  lifecycleUsdPerMonth: number;
  /** The same data kept in S3 Standard for the same period. */
  standardUsdPerMonth: number;
}

/**
 * Steady state: with V GB written a day and each day's objects kept D days in a class, the class
 * holds V*D GB at any time. A class billed for at least M days charges max(D, M) of them.
 */
export function monthlyCost(plan: LifecyclePlan, dailyVolumeGb: number): CostLine {
  let lifecycle = 0;
  for (const stay of residency(plan)) {
    const cls = STORAGE_CLASSES[stay.storageClass];
    const billedDays = Math.max(stay.toDay - stay.fromDay, cls.minimumDays);
    lifecycle += dailyVolumeGb * billedDays * cls.pricePerGbMonth;
  }
  return {
    logType: plan.logType,
    dailyVolumeGb,
    lifecycleUsdPerMonth: lifecycle,
    standardUsdPerMonth: dailyVolumeGb * plan.expirationDays * STORAGE_CLASSES.STANDARD.pricePerGbMonth,
  };
}

export function archiveCost(dailyVolumeGb: Record<LogType, number>): {
  lines: CostLine[];
  total: CostTotals;
} {
  const lines = LOG_TYPES.map((t) => monthlyCost(lifecyclePlan(t), dailyVolumeGb[t]));
  const sum = (f: (l: CostLine) => number) => lines.reduce((acc, l) => acc + f(l), 0);
  return {
    lines,
    total: {
      dailyVolumeGb: sum((l) => l.dailyVolumeGb),
      lifecycleUsdPerMonth: sum((l) => l.lifecycleUsdPerMonth),
      standardUsdPerMonth: sum((l) => l.standardUsdPerMonth),
    },
  };
}
