import { totalOf, type NpsCounts } from './counts.ts';

/**
 * NPS = 100 · (P − D) / n, in −100..100. Null when there are no responses:
 * an empty window has no score, and 0 would read as a real, neutral one.
 * Not rounded, so sums and comparisons stay exact; round only for display.
 */
export function npsScore(counts: NpsCounts): number | null {
  const n = totalOf(counts);
  if (n === 0) return null;
  return (100 * (counts.promoters - counts.detractors)) / n;
}

/** One decimal for display, halves rounded away from zero so −x shows as −(x). */
export function roundNps(value: number): number {
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10;
  // Avoid showing "-0".
  return rounded === 0 ? 0 : rounded;
}
