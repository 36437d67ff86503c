import type { NpsCounts, NpsFigure } from '../nps/counts.ts';
import { npsMarginOfError } from '../nps/margin-of-error.ts';
import { npsScore } from '../nps/score.ts';
import { compareNps } from '../nps/significance.ts';

/** Counted responses of one cell; `distribution` is the 0–10 histogram when it was asked for. */
export interface CellCounts extends NpsCounts {
  distribution?: number[];
}

/** A change against an earlier period, with the z-test of nps-maths.md. */
export interface CellChange {
  /** The earlier period's key. */
  against: string;
  /** Null when either period has no responses: there is nothing to compare. */
  previousNps: number | null;
  /** Responses in the earlier period: a change is only as sure as the smaller side. */
  previousN: number;
  difference: number | null;
  /** Null too when both periods are unanimous and differ: z is infinite, p is 0. */
  z: number | null;
  pValue: number | null;
  /** At 95%: |z| > 1.96, i.e. p < 0.05. */
  significant: boolean;
}

export type CellFlag = 'no_responses' | 'not_enough_responses';

export interface ReportCell extends NpsFigure {
  n: number;
  /** Set when n is below the report's minimum: the figure is given, and marked. */
  flag: CellFlag | null;
  distribution?: number[];
  changeFromPrevious?: CellChange | null;
  changeFromYearBefore?: CellChange | null;
}

export const EMPTY_COUNTS: CellCounts = { promoters: 0, passives: 0, detractors: 0 };

export function reportCell(counts: CellCounts, minimumResponses: number): ReportCell {
  const { promoters, passives, detractors } = counts;
  const n = promoters + passives + detractors;
  return {
    n,
    promoters,
    passives,
    detractors,
    nps: npsScore(categoryCounts(counts)),
    marginOfError: npsMarginOfError(categoryCounts(counts))?.margin ?? null,
    flag: n === 0 ? 'no_responses' : n < minimumResponses ? 'not_enough_responses' : null,
    ...(counts.distribution ? { distribution: counts.distribution } : {}),
  };
}

export function cellChange(current: CellCounts, earlier: CellCounts, against: string): CellChange {
  const comparison = compareNps(categoryCounts(current), categoryCounts(earlier));
  return {
    against,
    previousNps: npsScore(categoryCounts(earlier)),
    previousN: earlier.promoters + earlier.passives + earlier.detractors,
    difference: comparison?.difference ?? null,
    z: comparison && Number.isFinite(comparison.z) ? comparison.z : null,
    pValue: comparison?.pValue ?? null,
    significant: comparison?.significant ?? false,
  };
}

/** The three counts alone, as nps/ takes them (without a histogram). */
export function categoryCounts({ promoters, passives, detractors }: CellCounts): NpsCounts {
  return { promoters, passives, detractors };
}

/** Pooled counts: a roll-up's NPS comes from its responses, never from an average of NPS figures. */
export function addCounts(a: CellCounts, b: CellCounts): CellCounts {
  const sum: CellCounts = { promoters: a.promoters + b.promoters, passives: a.passives + b.passives, detractors: a.detractors + b.detractors };
  if (a.distribution || b.distribution) {
    sum.distribution = Array.from({ length: 11 }, (_, score) => (a.distribution?.[score] ?? 0) + (b.distribution?.[score] ?? 0));
  }
  return sum;
}
