import { totalOf, type NpsCounts } from './counts.ts';

/** Two-sided critical value of the normal distribution at 95% confidence. */
export const Z_95 = 1.96;

/** A 95% interval for NPS, in points. low/high are clamped to −100..100. */
export interface NpsMarginOfError {
  margin: number;
  center: number;
  low: number;
  high: number;
}

/**
 * Variance of one response coded +1/0/−1: v = p + d − (p − d)².
 * Written over n² so the numerator is an exact integer and v is never a
 * tiny negative from rounding. Null when there are no responses.
 */
export function npsVariance(counts: NpsCounts): number | null {
  const n = totalOf(counts);
  if (n === 0) return null;
  return varianceOf(counts.promoters, counts.detractors, n);
}

/**
 * Adjusted-Wald 95% margin of error (Rocks 2016; see shared/nps-maths.md):
 * add ¾ promoter, ¾ detractor and 1½ passive, then use the Wald formula.
 * Unlike plain Wald it stays wide at small n and at 100 or −100, where
 * plain Wald claims a zero margin. Null when there are no responses.
 */
export function npsMarginOfError(counts: NpsCounts): NpsMarginOfError | null {
  const n = totalOf(counts);
  if (n === 0) return null;
  const adjustedN = n + 3;
  const adjustedPromoters = counts.promoters + 0.75;
  const adjustedDetractors = counts.detractors + 0.75;
  const variance = varianceOf(adjustedPromoters, adjustedDetractors, adjustedN);
  const margin = 100 * Z_95 * Math.sqrt(variance / adjustedN);
  const center = (100 * (adjustedPromoters - adjustedDetractors)) / adjustedN;
  return {
    margin,
    center,
    low: Math.max(-100, center - margin),
    high: Math.min(100, center + margin),
  };
}

function varianceOf(promoters: number, detractors: number, n: number): number {
  const net = promoters - detractors;
  return ((promoters + detractors) * n - net * net) / (n * n);
}
