import type { Priority } from "./alert-levels";
import type { SloWindow } from "./recording-rules";

/**
 * The SRE workbook's multi-window, multi-burn-rate pairs, stated as "share of the SLO window's
 * error budget spent within the long window". The burn rate follows from the SLO window length
 * (for 30 days: 14.4, 6, 3, 1), so a 28-day SLO gets the same budget semantics.
 */
export interface BurnPair {
  long: SloWindow;
  short: SloWindow;
  budgetSpent: number;
  priority: Priority;
  why: string;
}

export const BURN_PAIRS: readonly BurnPair[] = [
  {
    long: "1h",
    short: "5m",
    budgetSpent: 0.02,
    priority: "P1",
    why: "2% of the budget in an hour: gone in ~2 days; page",
  },
  {
    long: "6h",
    short: "30m",
    budgetSpent: 0.05,
    priority: "P1",
    why: "5% of the budget in 6 hours: gone in ~5 days; page",
  },
  {
    long: "1d",
    short: "2h",
    budgetSpent: 0.1,
    priority: "P2",
    why: "10% of the budget in a day: gone in ~10 days; an email ticket, handled within the hour",
  },
  {
    long: "3d",
    short: "6h",
    budgetSpent: 0.1,
    priority: "P3",
    why: "10% of the budget in 3 days: the budget runs out just within the window; a Slack ticket for the working day",
  },
];

/** Hours in each SLO window. */
export const WINDOW_HOURS: Readonly<Record<SloWindow, number>> = {
  "5m": 1 / 12,
  "30m": 0.5,
  "1h": 1,
  "2h": 2,
  "6h": 6,
  "1d": 24,
  "3d": 72,
};

/** Burn rate of a pair for an SLO window of `windowDays` (14.4 for 1h at 30 days). */
export const burnRate = (pair: BurnPair, windowDays: number): number =>
  round((pair.budgetSpent * windowDays * 24) / WINDOW_HOURS[pair.long]);

/** Six significant digits: enough, and no 0.014400000000000001 in rule files. */
export const round = (x: number): number => Number(x.toPrecision(6));
